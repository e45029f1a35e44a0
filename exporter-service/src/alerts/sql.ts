import type { QueryParams } from '../store/store.js';
import { displayIp, fieldSpec, fieldSql, type FieldSpec } from './fields.js';
import { ALERT_SERVICE, minuteOfDay, scopeTenant } from './compile.js';
import type { AlertRule, Condition, FilterItem, Schedule } from './rule-model.js';

/**
 * Rules as SQL: the same filter the engine evaluates in memory, as a WHERE clause whose values are
 * all server-side parameters ({name:Type}); nothing from a rule is spliced into the SQL text.
 * Used to rebuild window state after a restart and for dry runs (POST /alert-rules/{id}/test).
 */
export class SqlParams {
  readonly params: QueryParams = {};
  private next = 0;
  constructor(private readonly prefix = 'p') {}

  /** Binds a value and returns its placeholder. */
  bind(value: unknown, type: string): string {
    const name = `${this.prefix}${this.next++}`;
    this.params[name] = value;
    return `{${name}:${type}}`;
  }
}

function spec(rule: AlertRule, name: string): FieldSpec {
  const found = fieldSpec(rule.source, name);
  if (!found) throw new Error(`unknown field ${name}`);
  return found;
}

function valueFor(s: FieldSpec, value: unknown): unknown {
  if (s.type === 'ip') return displayIp(String(value));
  if (s.type === 'uuid') return String(value).toLowerCase();
  if (s.type === 'number') return Number(value);
  if (s.type === 'bool') return Boolean(value);
  return String(value);
}

function scalarType(s: FieldSpec): string {
  return s.type === 'number' ? 'Float64' : s.type === 'bool' ? 'Bool' : 'String';
}

function conditionSql(rule: AlertRule, c: Condition, p: SqlParams): string {
  const s = spec(rule, c.field);
  const expr = fieldSql(s, (v, t) => p.bind(v, t));
  const type = scalarType(s);
  const isArray = s.type === 'array';
  switch (c.op) {
    case '=':
      return isArray
        ? `has(${expr}, ${p.bind(valueFor(s, c.value), 'String')})`
        : `${expr} = ${p.bind(valueFor(s, c.value), type)}`;
    case '!=':
      return isArray
        ? `NOT has(${expr}, ${p.bind(valueFor(s, c.value), 'String')})`
        : `${expr} != ${p.bind(valueFor(s, c.value), type)}`;
    case 'in':
    case 'not_in': {
      const values = p.bind(
        c.values.map((v) => valueFor(s, v)),
        `Array(${isArray ? 'String' : type})`,
      );
      const test = isArray ? `hasAny(${expr}, ${values})` : `${expr} IN ${values}`;
      return c.op === 'in' ? test : `NOT (${test})`;
    }
    case 'range': {
      const parts: string[] = [];
      if (c.min !== undefined) parts.push(`${expr} >= ${p.bind(c.min, 'Float64')}`);
      if (c.max !== undefined) parts.push(`${expr} <= ${p.bind(c.max, 'Float64')}`);
      return `(${parts.join(' AND ')})`;
    }
    case 'regex': {
      const pattern = p.bind(c.pattern, 'String');
      return isArray ? `arrayExists(x -> match(x, ${pattern}), ${expr})` : `match(${expr}, ${pattern})`;
    }
    case 'prefix': {
      const prefix = p.bind(c.value, 'String');
      return isArray
        ? `arrayExists(x -> startsWith(x, ${prefix}), ${expr})`
        : `startsWith(${expr}, ${prefix})`;
    }
  }
}

export function filterSql(rule: AlertRule, items: readonly FilterItem[], p: SqlParams): string {
  if (items.length === 0) return '1';
  return items
    .map((item) =>
      'anyOf' in item
        ? `(${item.anyOf.map((c) => `(${conditionSql(rule, c, p)})`).join(' OR ')})`
        : `(${conditionSql(rule, item, p)})`,
    )
    .join(' AND ');
}

export function scheduleSql(schedule: Schedule, p: SqlParams): string {
  const tz = p.bind(schedule.timezone, 'String');
  const local = `toTimeZone(event_time, ${tz})`;
  const minute = `(toHour(${local}) * 60 + toMinute(${local}))`;
  const from = p.bind(minuteOfDay(schedule.from), 'UInt16');
  const to = p.bind(minuteOfDay(schedule.to), 'UInt16');
  const inTime =
    minuteOfDay(schedule.from) < minuteOfDay(schedule.to)
      ? `${minute} >= ${from} AND ${minute} < ${to}`
      : `(${minute} >= ${from} OR ${minute} < ${to})`;
  const inside = `(toDayOfWeek(${local}) IN ${p.bind(schedule.weekdays, 'Array(UInt8)')} AND ${inTime})`;
  return schedule.match === 'inside' ? inside : `NOT ${inside}`;
}

/**
 * Everything that decides whether a row reaches a rule, except time: tenant scope, base filter,
 * schedule, and never the alert-generated security records.
 */
export function ruleWhere(rule: AlertRule, table: string, p: SqlParams): string {
  const parts: string[] = [];
  const tenant = scopeTenant(rule);
  if (tenant !== undefined) parts.push(`tenant_id = ${p.bind(tenant, 'String')}`);
  parts.push(filterSql(rule, rule.filter, p));
  if (rule.schedule) parts.push(scheduleSql(rule.schedule, p));
  if (table === 'audit_security_log') {
    parts.push(`NOT (service = ${p.bind(ALERT_SERVICE, 'String')} AND detection_method != '')`);
  }
  return parts.join(' AND ');
}
