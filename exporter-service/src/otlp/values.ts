import type { AnyValue, KeyValue, Long } from './schema.js';

/** An attribute value as JavaScript: what an OTLP AnyValue can hold. */
export type AttributeValue =
  | string
  | boolean
  | number
  | bigint
  | Uint8Array
  | AttributeValue[]
  | { [key: string]: AttributeValue }
  | null;

/** An attribute that cannot be accepted; the record carrying it is rejected with this message. */
export class AttributeError extends Error {
  override name = 'AttributeError';
}

/** Nesting deeper than this is refused: no audit field needs it, and it costs stack and memory. */
export const MAX_VALUE_DEPTH = 32;

function longToValue(value: Long | number): number | bigint {
  if (typeof value === 'number') return value;
  const asNumber = value.toNumber();
  return Number.isSafeInteger(asNumber) ? asNumber : BigInt(value.toString());
}

/** Converts an OTLP AnyValue to a JavaScript value, refusing excessive nesting. */
export function anyValueToJs(value: AnyValue | undefined, key: string, depth = 0): AttributeValue {
  if (depth > MAX_VALUE_DEPTH) {
    throw new AttributeError(`attribute ${key}: value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  if (!value) return null;
  // protobufjs keeps field defaults on the prototype; only the set member of the oneof is an own property.
  const has = (field: keyof AnyValue): boolean => Object.hasOwn(value, field) && value[field] !== null;
  if (has('stringValue')) return value.stringValue ?? '';
  if (has('boolValue')) return value.boolValue ?? false;
  if (has('intValue')) return longToValue(value.intValue ?? 0);
  if (has('doubleValue')) return value.doubleValue ?? 0;
  if (has('arrayValue')) return (value.arrayValue?.values ?? []).map((v) => anyValueToJs(v, key, depth + 1));
  if (has('kvlistValue')) {
    const object: Record<string, AttributeValue> = {};
    for (const kv of value.kvlistValue?.values ?? []) object[kv.key] = anyValueToJs(kv.value, key, depth + 1);
    return object;
  }
  if (has('bytesValue')) return value.bytesValue ?? new Uint8Array();
  return null;
}

/** Attribute list → Map, later keys winning (OTLP says keys are unique; we do not trust it). */
export function attributesToMap(attributes: KeyValue[] | undefined): Map<string, AttributeValue> {
  const map = new Map<string, AttributeValue>();
  for (const kv of attributes ?? []) map.set(kv.key, anyValueToJs(kv.value, kv.key));
  return map;
}

/** Serialises any attribute value to the text stored in String columns and the attributes map. */
export function valueToText(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
  });
}

export function bytesToHex(bytes: Uint8Array | undefined): string {
  return bytes && bytes.length > 0 ? Buffer.from(bytes).toString('hex') : '';
}

function nanosToBigInt(value: Long | number | undefined): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** Milliseconds between two OTLP nanosecond timestamps, exact to the nanosecond. */
export function millisBetween(start: Long | number | undefined, end: Long | number | undefined): number {
  return Number(nanosToBigInt(end) - nanosToBigInt(start)) / 1e6;
}

/**
 * OTLP nanosecond timestamp → epoch milliseconds (0 when unset). Exact integer arithmetic: a
 * double holds today's nanoseconds only to ~256 ns, which can floor to the wrong millisecond.
 */
export function nanosToMillis(value: Long | number | undefined): number {
  return Number(nanosToBigInt(value) / 1_000_000n);
}
