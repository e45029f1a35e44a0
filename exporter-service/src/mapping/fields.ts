import { isIP } from 'node:net';
import { valueToText, type AttributeValue } from '../otlp/values.js';

/** A value that does not fit its column; the record is rejected with the message. */
export class FieldError extends Error {
  override name = 'FieldError';
}

export type FieldKind =
  | 'text'
  | 'json'
  | 'int'
  | 'uint'
  | 'float'
  | 'bool'
  | 'textArray'
  | 'uuid'
  | 'uuidArray'
  | 'ip'
  | 'risk'
  | 'status'
  | 'time'
  | { oneOf: readonly string[] };

export type ColumnValue = string | number | boolean | string[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
/** IPv6 "unspecified" address: stored when a record has no client address. */
export const NO_IP = '::';

/** The value a column holds when its attribute is absent. */
export function emptyValue(kind: FieldKind): ColumnValue {
  if (typeof kind === 'object') return '';
  switch (kind) {
    case 'int':
    case 'uint':
    case 'float':
    case 'status':
      return 0;
    case 'risk':
      return 1;
    case 'bool':
      return false;
    case 'textArray':
    case 'uuidArray':
      return [];
    case 'uuid':
      return ZERO_UUID;
    case 'ip':
      return NO_IP;
    case 'time':
      return '1970-01-01 00:00:00.000';
    case 'text':
    case 'json':
      return '';
  }
}

function toNumber(value: AttributeValue, name: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'bigint') return Number(n);
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new FieldError(`${name}: a number expected`);
  return n;
}

function toInteger(value: AttributeValue, name: string): number {
  const n = toNumber(value, name);
  if (!Number.isInteger(n)) throw new FieldError(`${name}: an integer expected, got ${n}`);
  return n;
}

function toTextArray(value: AttributeValue): string[] {
  if (Array.isArray(value)) return value.map(valueToText);
  const text = valueToText(value);
  return text === '' ? [] : [text];
}

/** IPv4 and IPv6 → the IPv6 text ClickHouse stores (IPv4 as v4-mapped). */
export function normalizeIp(value: string, name: string): string {
  const address = value.trim();
  const version = isIP(address);
  if (version === 4) return `::ffff:${address}`;
  if (version === 6) return address;
  throw new FieldError(`${name}: "${address.slice(0, 64)}" is not an IP address`);
}

/** Epoch milliseconds → DateTime64(3) text in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/** DateTime / DateTime64 text in UTC (as ClickHouse returns it) → epoch milliseconds. */
export const parseTime = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);

function toTime(value: AttributeValue, name: string): string {
  const ms = typeof value === 'string' && !/^\d+$/.test(value) ? Date.parse(value) : toNumber(value, name);
  if (!Number.isFinite(ms) || ms < 0 || ms > Date.UTC(2299, 11, 31)) {
    throw new FieldError(`${name}: an ISO-8601 time or epoch milliseconds expected`);
  }
  return formatTime(ms);
}

/** Converts one attribute value to its column's representation, or throws FieldError naming it. */
export function convertField(kind: FieldKind, value: AttributeValue, name: string): ColumnValue {
  if (typeof kind === 'object') {
    const text = valueToText(value);
    if (!kind.oneOf.includes(text))
      throw new FieldError(`${name}: "${text}" is not one of ${kind.oneOf.join('|')}`);
    return text;
  }
  switch (kind) {
    case 'text':
    case 'json':
      return valueToText(value);
    case 'int':
      return toInteger(value, name);
    case 'uint': {
      const n = toInteger(value, name);
      if (n < 0) throw new FieldError(`${name}: must not be negative`);
      return n;
    }
    case 'float': {
      const n = toNumber(value, name);
      if (n < 0) throw new FieldError(`${name}: must not be negative`);
      return n;
    }
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 1 || value === '1') return true;
      if (value === 'false' || value === 0 || value === '0') return false;
      throw new FieldError(`${name}: a boolean expected`);
    case 'textArray':
      return toTextArray(value);
    case 'uuid': {
      const text = valueToText(value);
      if (!UUID.test(text)) throw new FieldError(`${name}: "${text.slice(0, 64)}" is not a UUID`);
      return text.toLowerCase();
    }
    case 'uuidArray':
      return toTextArray(value).map((text, i) => {
        if (!UUID.test(text)) throw new FieldError(`${name}[${i}]: "${text.slice(0, 64)}" is not a UUID`);
        return text.toLowerCase();
      });
    case 'ip':
      return normalizeIp(valueToText(value), name);
    case 'risk': {
      const n = toInteger(value, name);
      if (n < 1 || n > 4) throw new FieldError(`${name}: ${n} is outside 1 (low) … 4 (critical)`);
      return n;
    }
    case 'status': {
      const n = toInteger(value, name);
      if (n < 100 || n > 599) throw new FieldError(`${name}: ${n} is not an HTTP status code`);
      return n;
    }
    case 'time':
      return toTime(value, name);
  }
}
