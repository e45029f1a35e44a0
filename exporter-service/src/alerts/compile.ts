import { RE2JS } from 're2js';
import { durationMs } from './duration.js';
import { displayIp, fieldSpec, normalizeValue, tablesOf, type FieldSpec } from './fields.js';
import type { AlertRule, Condition, FilterItem, Schedule } from './rule-model.js';

/** A committed row as the engine sees it (from the ingest pipeline or read back from ClickHouse). */
export interface EngineRow {
  table: string;
  tenantId: string;
  eventId: string;
  timeMs: number;
  /** Column values; `attributes` is the map of unmapped attributes. */
  values: Record<string, unknown>;
}

export type Predicate = (row: EngineRow) => boolean;

/** The service name of the security records the engine itself writes. */
export const ALERT_SERVICE = 'auditlens-alerts';

/**
 * True for the security records alerting generated (they come back through the commit hook and
 * must never feed rules, or a rule matching its own output would fire forever).
 */
export function isAlertGenerated(row: EngineRow): boolean {
  return (
    row.table === 'audit_security_log' &&
    row.values.service === ALERT_SERVICE &&
    typeof row.values.detection_method === 'string' &&
    row.values.detection_method !== ''
  );
}

export function readField(row: EngineRow, spec: FieldSpec): string | number | boolean | string[] {
  if (spec.attribute !== undefined) {
    const attributes = row.values.attributes as Record<string, unknown> | undefined;
    return normalizeValue('text', attributes?.[spec.attribute] ?? '');
  }
  return normalizeValue(spec.type, row.values[spec.column ?? '']);
}

function requireSpec(source: AlertRule['source'], name: string): FieldSpec {
  const spec = fieldSpec(source, name);
  if (!spec) throw new Error(`unknown field ${name}`);
  return spec;
}

/** A condition value in the field's comparable form. */
function comparable(spec: FieldSpec, value: unknown): string | number | boolean {
  if (spec.type === 'ip') return displayIp(String(value));
  if (spec.type === 'uuid') return String(value).toLowerCase();
  if (spec.type === 'number' || spec.type === 'bool') return value as number | boolean;
  return String(value);
}

function compileCondition(source: AlertRule['source'], c: Condition): Predicate {
  const spec = requireSpec(source, c.field);
  const get = (row: EngineRow) => readField(row, spec);
  const any = (row: EngineRow, test: (v: string | number | boolean) => boolean): boolean => {
    const value = get(row);
    return Array.isArray(value) ? value.some(test) : test(value);
  };
  switch (c.op) {
    case '=': {
      const want = comparable(spec, c.value);
      return (row) => any(row, (v) => v === want);
    }
    case '!=': {
      const want = comparable(spec, c.value);
      return (row) => !any(row, (v) => v === want);
    }
    case 'in': {
      const set = new Set(c.values.map((v) => comparable(spec, v)));
      return (row) => any(row, (v) => set.has(v));
    }
    case 'not_in': {
      const set = new Set(c.values.map((v) => comparable(spec, v)));
      return (row) => !any(row, (v) => set.has(v));
    }
    case 'range': {
      const { min, max } = c;
      return (row) =>
        any(
          row,
          (v) => typeof v === 'number' && (min === undefined || v >= min) && (max === undefined || v <= max),
        );
    }
    case 'regex': {
      const re = RE2JS.compile(c.pattern);
      return (row) => any(row, (v) => re.test(String(v)));
    }
    case 'prefix': {
      const prefix = c.value;
      return (row) => any(row, (v) => String(v).startsWith(prefix));
    }
  }
}

export function compileFilter(source: AlertRule['source'], items: readonly FilterItem[]): Predicate {
  const predicates = items.map((item): Predicate => {
    if ('anyOf' in item) {
      const alternatives = item.anyOf.map((c) => compileCondition(source, c));
      return (row) => alternatives.some((p) => p(row));
    }
    return compileCondition(source, item);
  });
  return (row) => predicates.every((p) => p(row));
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** ISO weekday (1 = Monday) and minute of day of a time in a time zone. */
export function localTime(ms: number, timezone: string): { weekday: number; minute: number } {
  let format = formatters.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, format);
  }
  let weekday = 0;
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(ms)) {
    if (part.type === 'weekday') weekday = WEEKDAY[part.value] ?? 0;
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute };
}

export const minuteOfDay = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function compileSchedule(schedule: Schedule): Predicate {
  const from = minuteOfDay(schedule.from);
  const to = minuteOfDay(schedule.to);
  const days = new Set(schedule.weekdays);
  return (row) => {
    const local = localTime(row.timeMs, schedule.timezone);
    const inTime =
      from < to ? local.minute >= from && local.minute < to : local.minute >= from || local.minute < to;
    const inside = days.has(local.weekday) && inTime;
    return schedule.match === 'inside' ? inside : !inside;
  };
}

/** Group labels of a row: field → display value. */
export type Labels = Record<string, string>;

/** `ip_address="198.51.100.4",user_id="u-1"`; "" when the rule has no group fields. */
export function formatGroupKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k] ?? '')}`)
    .join(',');
}

function labelValue(value: string | number | boolean | string[]): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A rule ready to evaluate rows. */
export interface CompiledRule {
  rule: AlertRule;
  windowMs: number;
  cooldownMs: number;
  tables: ReadonlySet<string>;
  /** Tenant scope, base filter and schedule. */
  applies: Predicate;
  /** Labels of the group a row belongs to (groupBy fields). */
  groupLabels(row: EngineRow): Labels;
  /** For new_value rules: labels of the value fields. */
  valueLabels?(row: EngineRow): Labels;
  first?: Predicate;
  then?: Predicate;
}

/** The tenant id a rule's scope stands for, or undefined for every tenant. */
export function scopeTenant(rule: AlertRule): string | undefined {
  if (rule.tenant === '*') return undefined;
  return rule.tenant === '@system' ? '' : rule.tenant;
}

export function compileRule(rule: AlertRule): CompiledRule {
  const base = compileFilter(rule.source, rule.filter);
  const onSchedule = rule.schedule ? compileSchedule(rule.schedule) : () => true;
  const tenant = scopeTenant(rule);
  const labelsOf = (fields: readonly string[]) => {
    const specs = fields.map((name) => requireSpec(rule.source, name));
    return (row: EngineRow): Labels => {
      const labels: Labels = {};
      for (const spec of specs) labels[spec.name] = labelValue(readField(row, spec));
      return labels;
    };
  };
  const compiled: CompiledRule = {
    rule,
    windowMs: durationMs(rule.window),
    cooldownMs: durationMs(rule.cooldown),
    tables: new Set(tablesOf(rule.source)),
    applies: (row) => (tenant === undefined || row.tenantId === tenant) && base(row) && onSchedule(row),
    groupLabels: labelsOf(rule.groupBy),
  };
  if (rule.kind === 'sequence') {
    compiled.first = compileFilter(rule.source, rule.sequence.first);
    compiled.then = compileFilter(rule.source, rule.sequence.then);
  }
  if (rule.kind === 'new_value') compiled.valueLabels = labelsOf(rule.newValue.fields);
  return compiled;
}
