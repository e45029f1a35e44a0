import { AUDIT_KINDS } from '@auditlens/contract';
import { isIP } from 'node:net';
import type { FieldKind } from '../mapping/fields.js';
import { KINDS, type AuditKind } from '../mapping/kinds.js';

/** How a rule compares a field's values. */
export type FieldType = 'text' | 'number' | 'bool' | 'array' | 'ip' | 'uuid';

export interface FieldSpec {
  /** The name rules use: a column name, or `attributes.<key>` for an unmapped attribute. */
  name: string;
  type: FieldType;
  /** The row value key (column), or undefined for attributes. */
  column: string | undefined;
  /** For `attributes.<key>`: the key. */
  attribute: string | undefined;
}

/** Which records a rule reads: one kind, or every kind (`*`, common columns only). */
export type RuleSource = AuditKind | '*';

export const ATTRIBUTE_PREFIX = 'attributes.';

/** Columns every table has that do not come from an attribute mapping. */
const ENVELOPE: readonly [string, FieldType][] = [
  ['tenant_id', 'text'],
  ['event_id', 'uuid'],
  ['trace_id', 'text'],
  ['span_id', 'text'],
  ['service', 'text'],
  ['service_version', 'text'],
  ['environment', 'text'],
  ['description', 'text'],
];

function typeOf(kind: FieldKind): FieldType | undefined {
  if (typeof kind === 'object') return 'text';
  switch (kind) {
    case 'text':
    case 'json':
      return 'text';
    case 'int':
    case 'uint':
    case 'float':
    case 'risk':
    case 'status':
      return 'number';
    case 'bool':
      return 'bool';
    case 'textArray':
    case 'uuidArray':
      return 'array';
    case 'ip':
      return 'ip';
    case 'uuid':
      return 'uuid';
    case 'time':
      return undefined; // time columns are not rule fields (use a schedule for time of day)
  }
}

function columnsOfKind(kind: AuditKind): Map<string, FieldType> {
  const columns = new Map<string, FieldType>(ENVELOPE);
  for (const mapping of KINDS[kind].columns) {
    const type = typeOf(mapping.kind);
    if (type) columns.set(mapping.column, type);
  }
  return columns;
}

const BY_SOURCE = new Map<RuleSource, Map<string, FieldType>>();
for (const kind of AUDIT_KINDS) BY_SOURCE.set(kind, columnsOfKind(kind));
{
  const kinds = AUDIT_KINDS;
  const first = BY_SOURCE.get(kinds[0] ?? 'request') ?? new Map<string, FieldType>();
  const common = new Map<string, FieldType>();
  for (const [name, type] of first) {
    if (kinds.every((k) => BY_SOURCE.get(k)?.get(name) === type)) common.set(name, type);
  }
  BY_SOURCE.set('*', common);
}

/** Tables a source reads. */
export function tablesOf(source: RuleSource): string[] {
  return source === '*' ? Object.values(KINDS).map((k) => k.table) : [KINDS[source].table];
}

/** The typed field a rule names for a source, or undefined when the source has no such field. */
export function fieldSpec(source: RuleSource, name: string): FieldSpec | undefined {
  if (name.startsWith(ATTRIBUTE_PREFIX)) {
    const key = name.slice(ATTRIBUTE_PREFIX.length);
    if (!/^[A-Za-z0-9_.\-:/]{1,128}$/.test(key)) return undefined;
    return { name, type: 'text', column: undefined, attribute: key };
  }
  const type = BY_SOURCE.get(source)?.get(name);
  return type ? { name, type, column: name, attribute: undefined } : undefined;
}

/** Field names a source offers (for error messages and the rule editor). */
export function fieldNames(source: RuleSource): string[] {
  return [...(BY_SOURCE.get(source)?.keys() ?? [])].sort();
}

/**
 * The display form of an IP address, the same for a row built at ingest and a row read back from
 * ClickHouse: IPv4 (also v4-mapped IPv6) as dotted quad, IPv6 in RFC 5952 form.
 */
export function displayIp(value: string): string {
  const text = value.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped?.[1]) return mapped[1];
  if (isIP(text) === 4) return text;
  if (isIP(text) === 6) {
    const host = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
    if (hexMapped?.[1] && hexMapped[2]) {
      const high = parseInt(hexMapped[1], 16);
      const low = parseInt(hexMapped[2], 16);
      return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
    }
    return host;
  }
  return text;
}

/** Converts a raw row value (as built at ingest, or as ClickHouse returns it) to the field's type. */
export function normalizeValue(type: FieldType, raw: unknown): string | number | boolean | string[] {
  switch (type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(raw ?? 0);
      return Number.isFinite(n) ? n : 0;
    }
    case 'bool':
      return raw === true || raw === 'true' || raw === 1 || raw === '1';
    case 'array':
      return Array.isArray(raw) ? raw.map((v) => String(v)) : [];
    case 'ip':
      return raw === undefined || raw === null || raw === '' ? '' : displayIp(String(raw));
    case 'uuid':
      return String(raw ?? '').toLowerCase();
    case 'text':
      return raw === undefined || raw === null ? '' : String(raw);
  }
}

/** SQL expression of a field whose value compares like the JS normalized value. */
export function fieldSql(spec: FieldSpec, param: (value: unknown, type: string) => string): string {
  if (spec.attribute !== undefined) return `attributes[${param(spec.attribute, 'String')}]`;
  const column = spec.column ?? '';
  switch (spec.type) {
    case 'ip':
      return `replaceRegexpOne(IPv6NumToString(${column}), '^::ffff:', '')`;
    case 'uuid':
      return `toString(${column})`;
    case 'number':
      return `toFloat64(${column})`;
    case 'array':
      return column === 'related_events' ? `arrayMap(x -> toString(x), ${column})` : column;
    default:
      return column;
  }
}
