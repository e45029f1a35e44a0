import { valueToText, type AttributeValue } from '../otlp/values.js';
import { convertField, emptyValue, FieldError, formatTime, type ColumnValue } from './fields.js';
import { KINDS, type AuditKind, type ColumnMapping } from './kinds.js';

/** One row ready for its table, plus what the pipeline needs to route and deduplicate it. */
export interface AuditRow {
  kind: AuditKind;
  table: string;
  tenantId: string;
  eventId: string;
  eventTimeMs: number;
  values: Record<string, ColumnValue | Record<string, string>>;
}

/** Where a record came from: its resource and the identity fields that are not attributes. */
export interface RecordEnvelope {
  kind: AuditKind;
  tenantId: string;
  eventId: string;
  eventTimeMs: number;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  description: string;
  resource: ReadonlyMap<string, AttributeValue>;
}

export interface RowLimits {
  maxAttributeBytes: number;
  maxFutureSkewMs: number;
}

/** Resource attributes that have their own columns. */
const RESOURCE_COLUMNS = new Set(['service.name', 'service.version', 'deployment.environment.name']);
/** Attributes consumed by the envelope rather than by a column mapping. */
export const ENVELOPE_ATTRIBUTES = new Set(['log.record.uid', 'audit.tenant_id']);

const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);

function checkSize(text: string, name: string, limit: number): void {
  // Cheap char-length test first; exact UTF-8 byte length only for long strings.
  if (text.length * 3 > limit && Buffer.byteLength(text) > limit) {
    throw new FieldError(
      `${name}: value of ${Buffer.byteLength(text)} bytes exceeds the ${limit}-byte limit`,
    );
  }
}

export function checkEventTime(ms: number, limits: RowLimits, now = Date.now()): void {
  if (ms === 0)
    throw new FieldError('event time is 0: time_unix_nano and observed_time_unix_nano are both unset');
  if (ms < EARLIEST_EVENT_MS) throw new FieldError(`time ${new Date(ms).toISOString()} is before 2000-01-01`);
  if (ms > now + limits.maxFutureSkewMs) {
    throw new FieldError(
      `time ${new Date(ms).toISOString()} is in the future (beyond the allowed clock skew)`,
    );
  }
}

/**
 * Per kind, computed once: each column's attribute names (its name, then its aliases) and every
 * attribute the envelope or a column consumes (the rest goes to the `attributes` map).
 */
const plans = new Map<AuditKind, { names: (readonly string[])[]; consumed: ReadonlySet<string> }>();

function planOf(kind: AuditKind): { names: (readonly string[])[]; consumed: ReadonlySet<string> } {
  let plan = plans.get(kind);
  if (!plan) {
    const names = KINDS[kind].columns.map((m) => [m.attribute, ...(m.aliases ?? [])]);
    plan = { names, consumed: new Set([...ENVELOPE_ATTRIBUTES, ...names.flat()]) };
    plans.set(kind, plan);
  }
  return plan;
}

/**
 * Builds the row of one record: every mapped attribute in its typed column (validated), every
 * other attribute in the `attributes` map. Throws FieldError naming the first bad field.
 */
export function buildRow(
  envelope: RecordEnvelope,
  attributes: ReadonlyMap<string, AttributeValue>,
  limits: RowLimits,
  defaults: Partial<Record<string, ColumnValue>> = {},
): AuditRow {
  checkEventTime(envelope.eventTimeMs, limits);
  const spec = KINDS[envelope.kind];
  const plan = planOf(envelope.kind);
  const values: AuditRow['values'] = {
    tenant_id: envelope.tenantId,
    event_time: formatTime(envelope.eventTimeMs),
    event_id: envelope.eventId,
    trace_id: envelope.traceId,
    span_id: envelope.spanId,
    parent_span_id: envelope.parentSpanId,
    service: valueToText(envelope.resource.get('service.name') ?? ''),
    service_version: valueToText(envelope.resource.get('service.version') ?? ''),
    environment: valueToText(
      envelope.resource.get('deployment.environment.name') ??
        envelope.resource.get('deployment.environment') ??
        '',
    ),
    description: envelope.description,
  };
  checkSize(envelope.description, 'body', limits.maxAttributeBytes);

  for (let i = 0; i < spec.columns.length; i++) {
    const mapping = spec.columns[i] as ColumnMapping;
    let raw: AttributeValue | undefined;
    for (const name of plan.names[i] ?? []) {
      if (attributes.has(name)) {
        raw = attributes.get(name);
        break;
      }
    }
    if (raw === undefined || raw === null || raw === '') {
      if (mapping.required && !(mapping.requiredUnless && attributes.has(mapping.requiredUnless)))
        throw new FieldError(`${mapping.attribute}: required for ${spec.eventName}`);
      values[mapping.column] = defaults[mapping.column] ?? emptyValue(mapping.kind);
      continue;
    }
    const converted = convertField(mapping.kind, raw, mapping.attribute);
    if (typeof converted === 'string') checkSize(converted, mapping.attribute, limits.maxAttributeBytes);
    values[mapping.column] = converted;
  }

  const extra: Record<string, string> = {};
  for (const [key, value] of attributes) {
    if (plan.consumed.has(key)) continue;
    const text = valueToText(value);
    checkSize(text, key, limits.maxAttributeBytes);
    extra[key] = text;
  }
  for (const [key, value] of envelope.resource) {
    if (RESOURCE_COLUMNS.has(key)) continue;
    const text = valueToText(value);
    checkSize(text, `resource ${key}`, limits.maxAttributeBytes);
    extra[`resource.${key}`] = text;
  }
  values.attributes = extra;
  return {
    kind: envelope.kind,
    table: spec.table,
    tenantId: envelope.tenantId,
    eventId: envelope.eventId,
    eventTimeMs: envelope.eventTimeMs,
    values,
  };
}
