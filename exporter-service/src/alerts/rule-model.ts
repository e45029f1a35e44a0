import { isIP } from 'node:net';
import { RE2JS } from 're2js';
import { z } from 'zod';
import { AUDIT_KINDS } from '@auditlens/contract';
import { RULE_ID, type RuleKind } from '@auditlens/contract/rest';
import { durationSchema } from './duration.js';
import { fieldNames, fieldSpec, type FieldType, type RuleSource } from './fields.js';

/**
 * The alert rule model (DESIGN §7): one JSON document per rule, validated here. Every problem is
 * reported as a zod issue whose path names the offending field, so the API answers a 400 that
 * says exactly what is wrong ("filter.0.pattern: …").
 */

const DAY = 86_400_000;
/** Longest regex program accepted (RE2 runs in linear time; this bounds the constant). */
const MAX_REGEX_PROGRAM = 20_000;

const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
const field = z.string().min(1).max(160);

const condition = z.discriminatedUnion('op', [
  z.strictObject({ field, op: z.literal('='), value: scalar }),
  z.strictObject({ field, op: z.literal('!='), value: scalar }),
  z.strictObject({ field, op: z.literal('in'), values: z.array(scalar).min(1).max(1000) }),
  z.strictObject({ field, op: z.literal('not_in'), values: z.array(scalar).min(1).max(1000) }),
  z.strictObject({ field, op: z.literal('range'), min: z.number().optional(), max: z.number().optional() }),
  z.strictObject({ field, op: z.literal('regex'), pattern: z.string().min(1).max(1000) }),
  z.strictObject({ field, op: z.literal('prefix'), value: z.string().min(1).max(1000) }),
]);
export type Condition = z.infer<typeof condition>;

const anyOfItem = z.strictObject({ anyOf: z.array(condition).min(1).max(20) });
export type FilterItem = Condition | z.infer<typeof anyOfItem>;

/**
 * A filter item: one condition, or `anyOf` (true when any of its conditions is). Items are ANDed.
 * Dispatched on the `anyOf` key (rather than a plain union) so errors name the bad field.
 */
const filterItem = z.unknown().transform((value, context): FilterItem => {
  const schema = typeof value === 'object' && value !== null && 'anyOf' in value ? anyOfItem : condition;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues)
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return result.data;
});
const filter = z.array(filterItem).max(30);

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day HH:MM (00:00 … 23:59) expected');

/** Time-of-day and weekday window, in a time zone; `outside` matches the complement (off-hours). */
const schedule = z.strictObject({
  timezone: z.string().min(1).max(64).default('UTC'),
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).default([1, 2, 3, 4, 5]),
  from: hhmm,
  to: hhmm,
  match: z.enum(['inside', 'outside']).default('inside'),
});
export type Schedule = z.infer<typeof schedule>;

const base = {
  id: z
    .string()
    .regex(RULE_ID, 'lower-case letters, digits, _ . - (1–64 characters, starting with a letter or digit)'),
  name: z.string().trim().min(1).max(190),
  description: z.string().max(4000).default(''),
  enabled: z.boolean().default(true),
  source: z.enum([...AUDIT_KINDS, '*']),
  /** `*` = every tenant (each tenant alerts separately), `@system` = system-level records, else one tenant. */
  tenant: z.string().min(1).max(128).default('*'),
  filter: filter.default([]),
  schedule: schedule.optional(),
  groupBy: z.array(field).max(5).default([]),
  window: durationSchema(1000, 7 * DAY),
  /** Risk level of the alert: 1 low, 2 medium, 3 high, 4 critical. */
  severity: z.number().int().min(1).max(4).default(3),
  mitre: z
    .strictObject({
      tactic: z
        .string()
        .regex(/^TA\d{4}$/, 'a MITRE ATT&CK tactic id like TA0006 expected')
        .optional(),
      technique: z
        .string()
        .regex(/^T\d{4}(\.\d{3})?$/, 'a MITRE ATT&CK technique id like T1110 or T1110.001 expected')
        .optional(),
    })
    .default({}),
  labels: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'label names: letters, digits, underscore'),
      z.string().max(256),
    )
    .default({}),
  /** A new incident of the same instance within this time after the last one resolved re-opens it instead. */
  cooldown: durationSchema(0, 7 * DAY).default('0s'),
  /** Grafana contact point that receives this rule's notifications (Grafana-managed rule). */
  contactPoint: z.string().trim().min(1).max(190).optional(),
  /** `audit.security.event_type` of the security record written for each incident. */
  eventType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'upper-case letters, digits and _ (like BRUTE_FORCE)')
    .default('SUSPICIOUS_ACTIVITY'),
  /** Summary template: {count}, {window}, {group} and {<group field>} are replaced. */
  summary: z.string().max(500).optional(),
};

const thresholdRule = z.strictObject({
  ...base,
  kind: z.literal('threshold'),
  /** Fires when more than `threshold` matching records fall in the sliding window (per group). */
  threshold: z.number().int().min(0).max(100_000),
  /**
   * A number field to add up instead of counting records: fires when its total over the matching
   * records in the window exceeds `threshold` (e.g. `usage_cost`: spend per user per hour).
   */
  sum: field.optional(),
});
const matchRule = z.strictObject({ ...base, kind: z.literal('match') });
const sequenceRule = z.strictObject({
  ...base,
  kind: z.literal('sequence'),
  sequence: z.strictObject({
    first: filter.min(1),
    /** At least this many `first` records, then a `then` record, all within the window. */
    minCount: z.number().int().min(1).max(1000),
    then: filter.min(1),
  }),
});
const newValueRule = z.strictObject({
  ...base,
  kind: z.literal('new_value'),
  newValue: z.strictObject({
    /** The value whose first appearance per group fires (e.g. ip_address per user_id). */
    fields: z.array(field).min(1).max(3),
    /** How long a seen value stays known. */
    lookback: durationSchema(60_000, 400 * DAY).default('30d'),
    /** Fire only when the group has been seen before with another value (no alert on a first login). */
    requireHistory: z.boolean().default(true),
  }),
});
const silenceRule = z.strictObject({
  ...base,
  kind: z.literal('silence'),
  silence: z
    .strictObject({
      /** A group silent for longer than this is forgotten (its alert resolves). */
      forgetAfter: durationSchema(60_000, 30 * DAY).default('24h'),
    })
    .default({ forgetAfter: '24h' }),
});

const ruleUnion = z.discriminatedUnion('kind', [
  thresholdRule,
  matchRule,
  sequenceRule,
  newValueRule,
  silenceRule,
]);

export type AlertRule = z.output<typeof ruleUnion>;
export type AlertRuleInput = z.input<typeof ruleUnion>;
/** The rule kinds this model validates are exactly the contract's (RULE_KINDS), checked when compiling. */
const _sameKinds: [AlertRule['kind'], RuleKind] extends [RuleKind, AlertRule['kind']] ? true : never = true;

type Issue = { path: (string | number)[]; message: string };

function checkValue(type: FieldType, value: unknown, path: (string | number)[], issues: Issue[]): void {
  const problem = (message: string) => issues.push({ path, message });
  switch (type) {
    case 'number':
      if (typeof value !== 'number') problem('a number expected for this field');
      return;
    case 'bool':
      if (typeof value !== 'boolean') problem('true or false expected for this field');
      return;
    case 'ip':
      if (typeof value !== 'string' || isIP(value.trim()) === 0) problem('an IP address expected');
      return;
    default:
      if (typeof value !== 'string') problem('a string expected for this field');
  }
}

function checkRegex(pattern: string, path: (string | number)[], issues: Issue[]): void {
  try {
    const compiled = RE2JS.compile(pattern);
    if (compiled.programSize() > MAX_REGEX_PROGRAM) {
      issues.push({ path, message: `regex is too large (program size ${compiled.programSize()})` });
    }
  } catch (error) {
    issues.push({
      path,
      message: `not a valid RE2 regular expression (${(error as Error).message}); RE2 has no backreferences or lookaround, and matching is linear-time`,
    });
  }
}

function checkCondition(source: RuleSource, c: Condition, path: (string | number)[], issues: Issue[]): void {
  const spec = fieldSpec(source, c.field);
  if (!spec) {
    const known = fieldNames(source);
    issues.push({
      path: [...path, 'field'],
      message: `unknown field "${c.field}" for source ${source} (fields: ${known.join(', ')}, or attributes.<key>)`,
    });
    return;
  }
  const opNotFor = (types: FieldType[]) => {
    if (types.includes(spec.type)) {
      issues.push({
        path: [...path, 'op'],
        message: `"${c.op}" does not apply to ${spec.type} field ${c.field}`,
      });
      return true;
    }
    return false;
  };
  const elementType: FieldType = spec.type === 'array' ? 'text' : spec.type;
  switch (c.op) {
    case '=':
    case '!=':
      checkValue(elementType, c.value, [...path, 'value'], issues);
      return;
    case 'in':
    case 'not_in':
      if (opNotFor(['bool'])) return;
      c.values.forEach((v, i) => checkValue(elementType, v, [...path, 'values', i], issues));
      return;
    case 'range':
      if (spec.type !== 'number') {
        issues.push({
          path: [...path, 'op'],
          message: `range applies to number fields only, ${c.field} is ${spec.type}`,
        });
      } else if (c.min === undefined && c.max === undefined) {
        issues.push({ path, message: 'range needs min, max or both' });
      } else if (c.min !== undefined && c.max !== undefined && c.min > c.max) {
        issues.push({ path: [...path, 'min'], message: 'min must not exceed max' });
      }
      return;
    case 'regex':
      if (opNotFor(['number', 'bool'])) return;
      checkRegex(c.pattern, [...path, 'pattern'], issues);
      return;
    case 'prefix':
      opNotFor(['number', 'bool']);
      return;
  }
}

function checkFilter(
  source: RuleSource,
  items: FilterItem[],
  path: (string | number)[],
  issues: Issue[],
): void {
  items.forEach((item, i) => {
    if ('anyOf' in item)
      item.anyOf.forEach((c, j) => checkCondition(source, c, [...path, i, 'anyOf', j], issues));
    else checkCondition(source, item, [...path, i], issues);
  });
}

function checkGroupFields(
  source: RuleSource,
  fields: string[],
  path: (string | number)[],
  issues: Issue[],
): void {
  const seen = new Set<string>();
  fields.forEach((name, i) => {
    const spec = fieldSpec(source, name);
    if (!spec) {
      issues.push({ path: [...path, i], message: `unknown field "${name}" for source ${source}` });
    } else if (spec.type === 'array') {
      issues.push({ path: [...path, i], message: `cannot group by the array field ${name}` });
    }
    if (seen.has(name)) issues.push({ path: [...path, i], message: `${name} is listed twice` });
    seen.add(name);
  });
}

export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks that need the whole rule: fields exist for the source, values fit their types, regexes compile. */
function semanticIssues(rule: AlertRule): Issue[] {
  const issues: Issue[] = [];
  checkFilter(rule.source, rule.filter, ['filter'], issues);
  checkGroupFields(rule.source, rule.groupBy, ['groupBy'], issues);
  if (rule.schedule) {
    if (!validTimeZone(rule.schedule.timezone)) {
      issues.push({
        path: ['schedule', 'timezone'],
        message: `unknown time zone "${rule.schedule.timezone}"`,
      });
    }
    if (rule.schedule.from === rule.schedule.to) {
      issues.push({ path: ['schedule', 'to'], message: 'from and to must differ' });
    }
    if (new Set(rule.schedule.weekdays).size !== rule.schedule.weekdays.length) {
      issues.push({ path: ['schedule', 'weekdays'], message: 'a weekday is listed twice' });
    }
  }
  if (rule.tenant !== '*' && !/^[^\s*]+$/.test(rule.tenant)) {
    issues.push({ path: ['tenant'], message: 'a tenant id, @system or * expected' });
  }
  if (rule.kind === 'threshold' && rule.sum !== undefined) {
    const spec = fieldSpec(rule.source, rule.sum);
    if (spec?.type !== 'number' || spec.column === undefined) {
      issues.push({ path: ['sum'], message: `sum needs a number column of source ${rule.source}` });
    }
  }
  if (rule.kind === 'sequence') {
    checkFilter(rule.source, rule.sequence.first, ['sequence', 'first'], issues);
    checkFilter(rule.source, rule.sequence.then, ['sequence', 'then'], issues);
  }
  if (rule.kind === 'new_value') {
    checkGroupFields(rule.source, rule.newValue.fields, ['newValue', 'fields'], issues);
    rule.newValue.fields.forEach((name, i) => {
      if (rule.groupBy.includes(name)) {
        issues.push({ path: ['newValue', 'fields', i], message: `${name} is also a groupBy field` });
      }
    });
  }
  return issues;
}

export const alertRuleSchema = ruleUnion.superRefine((rule, context) => {
  for (const issue of semanticIssues(rule)) context.addIssue({ code: 'custom', ...issue });
});

/** Validates a rule document (throws ZodError naming every bad field). */
export function parseRule(input: unknown): AlertRule {
  return alertRuleSchema.parse(input);
}
