import { hash } from 'node:crypto';
import type { AuditStore } from '../store/store.js';

/**
 * The canonical form of an audit row (docs/compliance.md, "Canonical row encoding").
 *
 * A row is hashed twice in its life: when the exporter inserts it (values as sent in JSONEachRow)
 * and when a verifier reads it back from ClickHouse (values as ClickHouse prints them in JSON).
 * Both must give the same bytes, so every value is normalised by its column's ClickHouse type:
 *
 * - String, LowCardinality(String), Enum, Decimal: the text.
 * - (U)Int8…256: decimal text (ClickHouse prints 64-bit integers quoted; JS sends numbers).
 * - Float64: the shortest round-trip text of the double (JS `String(number)`); Float32 the same
 *   after rounding to single precision.
 * - Bool: true/false. UUID: lower case. IPv6: RFC 5952 text as WHATWG URL serialises it
 *   (so `::ffff:192.0.2.1` and `::ffff:c000:201` are one address). IPv4: the dotted text.
 * - DateTime64(p): `YYYY-MM-DD hh:mm:ss.fff` with exactly p fraction digits; DateTime/Date: text.
 * - Array(T): elements normalised as T, order kept. Map(K, V): entries sorted by key.
 * - Nullable(T): null or T.
 *
 * The row is the JSON array of `[column, value]` pairs, sorted by column name, of every column
 * whose value differs from its type's default (so a column added to the table later, holding its
 * default in old rows, does not change their encoding). Columns that ClickHouse fills itself
 * (a DEFAULT/MATERIALIZED/ALIAS expression: retention_days, online_days, received_at) are not part
 * of the form: retention may legitimately be changed on stored rows. The row digest is the
 * SHA-256 of `auditlens.row.v1\n` followed by that JSON, in hex.
 */

export const ROW_FORMAT = 'auditlens.row.v1';

export interface ColumnInfo {
  name: string;
  type: string;
  /** system.columns default_kind: '' for a plain column, else DEFAULT / MATERIALIZED / ALIAS / EPHEMERAL. */
  defaultKind: string;
}

type Canonical = string | boolean | null | Canonical[];
type Normaliser = (value: unknown) => Canonical;

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Splits the top-level comma-separated arguments of a type like `Map(String, Array(UInt8))`. */
function typeArguments(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "'" && inner[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(inner.slice(start).trim());
  return parts;
}

function unwrap(type: string): { name: string; args: string[] } {
  const open = type.indexOf('(');
  if (open < 0 || !type.endsWith(')')) return { name: type.trim(), args: [] };
  return { name: type.slice(0, open).trim(), args: typeArguments(type.slice(open + 1, -1)) };
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

const ipCache = new Map<string, string>();

/** IPv6 text in one canonical spelling; values that do not parse are kept as lower-case text. */
export function canonicalIpv6(value: string): string {
  const address = value.trim();
  if (address === '') return '::';
  let canonical = ipCache.get(address);
  if (canonical === undefined) {
    try {
      canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
    } catch {
      canonical = address.toLowerCase();
    }
    if (ipCache.size >= 10_000) ipCache.clear();
    ipCache.set(address, canonical);
  }
  return canonical;
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z?$/;

function canonicalDateTime(value: unknown, precision: number): string {
  const raw = text(value);
  const match = DATETIME.exec(raw);
  if (!match) {
    // Epoch numbers (seconds, as ClickHouse reads them) or anything else: through Date.
    const ms = typeof value === 'number' ? value * 1000 : Date.parse(raw);
    if (!Number.isFinite(ms)) return raw;
    return canonicalDateTime(new Date(ms).toISOString(), precision);
  }
  const fraction = (match[3] ?? '').padEnd(precision, '0').slice(0, precision);
  return `${match[1]} ${match[2]}${precision > 0 ? `.${fraction}` : ''}`;
}

function normaliserFor(type: string): { normalise: Normaliser; empty: Canonical } {
  const { name, args } = unwrap(type);
  switch (name) {
    case 'LowCardinality':
      return normaliserFor(args[0] ?? 'String');
    case 'Nullable': {
      const inner = normaliserFor(args[0] ?? 'String');
      return { normalise: (v) => (v === null || v === undefined ? null : inner.normalise(v)), empty: null };
    }
    case 'Array': {
      const inner = normaliserFor(args[0] ?? 'String');
      return {
        normalise: (v) => (Array.isArray(v) ? v.map((e) => inner.normalise(e)) : []),
        empty: [],
      };
    }
    case 'Map': {
      const key = normaliserFor(args[0] ?? 'String');
      const val = normaliserFor(args[1] ?? 'String');
      return {
        normalise: (v) => {
          if (v === null || typeof v !== 'object') return [];
          const entries = (v instanceof Map ? [...v.entries()] : Object.entries(v)) as [unknown, unknown][];
          return entries
            .map(([k, x]) => [key.normalise(k), val.normalise(x)] as Canonical[])
            .sort((a, b) =>
              typeof a[0] === 'string' && typeof b[0] === 'string'
                ? compareText(a[0], b[0])
                : compareText(JSON.stringify(a[0]), JSON.stringify(b[0])),
            );
        },
        empty: [],
      };
    }
    case 'Bool':
      return { normalise: (v) => v === true || v === 1 || v === 'true' || v === '1', empty: false };
    case 'UUID':
      return { normalise: (v) => text(v).toLowerCase() || ZERO_UUID, empty: ZERO_UUID };
    case 'IPv6':
      return { normalise: (v) => canonicalIpv6(text(v)), empty: '::' };
    case 'IPv4':
      return { normalise: (v) => text(v) || '0.0.0.0', empty: '0.0.0.0' };
    case 'Float64':
      return { normalise: (v) => String(Number(v ?? 0)), empty: '0' };
    case 'Float32':
      return { normalise: (v) => String(Math.fround(Number(v ?? 0))), empty: '0' };
    case 'DateTime64':
    case 'DateTime': {
      const precision = name === 'DateTime' ? 0 : Number(args[0] ?? 3);
      const empty = canonicalDateTime('1970-01-01 00:00:00', precision);
      return {
        normalise: (v) =>
          v === undefined || v === null || v === '' ? empty : canonicalDateTime(v, precision),
        empty,
      };
    }
    default:
      if (/^U?Int\d+$/.test(name)) return { normalise: (v) => text(v ?? 0) || '0', empty: '0' };
      return { normalise: text, empty: '' };
  }
}

/** Code-unit order (not locale order): the same on every machine. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface CanonicalColumn {
  name: string;
  /** The normalised value, or undefined when it is the type's default (left out). */
  value: (value: unknown) => Canonical | undefined;
}

/**
 * Most columns are text: their value is the string, without a normaliser call. A default is an
 * empty text, null, false or the empty array (Array and Map), as its JSON would compare.
 */
function columnValue(normalise: Normaliser, empty: Canonical): CanonicalColumn['value'] {
  if (normalise === text) {
    return (value) => {
      const t = text(value);
      return t === '' ? undefined : t;
    };
  }
  if (Array.isArray(empty)) {
    return (value) => {
      const normalised = normalise(value);
      return Array.isArray(normalised) && normalised.length === 0 ? undefined : normalised;
    };
  }
  return (value) => {
    const normalised = normalise(value);
    return normalised === empty ? undefined : normalised;
  };
}

/** How to encode the rows of each audit table, from the tables' column types. */
export class CanonicalSchema {
  private readonly tables = new Map<string, CanonicalColumn[]>();

  constructor(columns: ReadonlyMap<string, readonly ColumnInfo[]>) {
    for (const [table, list] of columns) {
      this.tables.set(
        table,
        list
          .filter((c) => c.defaultKind === '')
          .map((c) => {
            const { normalise, empty } = normaliserFor(c.type);
            return { name: c.name, value: columnValue(normalise, empty) };
          })
          .sort((a, b) => compareText(a.name, b.name)),
      );
    }
  }

  /** Reads the column types of the given tables from system.columns. */
  static async load(store: AuditStore, tables: readonly string[]): Promise<CanonicalSchema> {
    const rows = await store.query<{ table: string; name: string; type: string; default_kind: string }>(
      `SELECT table, name, type, default_kind FROM system.columns
       WHERE database = {db:String} AND table IN {tables:Array(String)} ORDER BY table, position`,
      { db: store.database, tables: [...tables] },
    );
    const columns = new Map<string, ColumnInfo[]>();
    for (const row of rows) {
      const list = columns.get(row.table) ?? [];
      list.push({ name: row.name, type: row.type, defaultKind: row.default_kind });
      columns.set(row.table, list);
    }
    const missing = tables.filter((t) => !columns.has(t));
    if (missing.length > 0) throw new Error(`integrity: tables not found: ${missing.join(', ')}`);
    return new CanonicalSchema(columns);
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  /**
   * The canonical JSON of one row (values as inserted or as read back): the `[column, value]`
   * pairs serialised by one JSON.stringify (one native call, not one per column).
   */
  encode(table: string, values: Readonly<Record<string, unknown>>): string {
    const columns = this.tables.get(table);
    if (!columns) throw new Error(`integrity: no canonical form for table ${table}`);
    const pairs: [string, Canonical][] = [];
    for (const column of columns) {
      const value = column.value(values[column.name]);
      if (value !== undefined) pairs.push([column.name, value]);
    }
    return JSON.stringify(pairs);
  }

  /** SHA-256 (hex) of the canonical form (one-shot hash: no Hash object per row). */
  digest(table: string, values: Readonly<Record<string, unknown>>): string {
    return hash('sha256', `${ROW_FORMAT}\n${this.encode(table, values)}`, 'hex');
  }
}
