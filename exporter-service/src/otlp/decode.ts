import protobuf from 'protobufjs';
import {
  ExportLogsServiceRequest,
  ExportTraceServiceRequest,
  type LogsRequest,
  type TracesRequest,
} from './schema.js';
import { decodeLogsRequestFast } from './logs-protobuf.js';

/** A request body that cannot be decoded: the receiver answers 400 with this message. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export type Encoding = 'protobuf' | 'json';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** protobufjs bounds message nesting (protoc's default of 100); say so in words. */
function explain(error: Error): string {
  return error.message === 'max depth exceeded'
    ? `messages nested more than ${protobuf.util.recursionLimit} levels deep (max depth exceeded)`
    : error.message.replace(/^\./, '');
}

/**
 * protobuf requires string fields to be valid UTF-8, and an audit record must not be altered by
 * replacement characters: protobufjs 8 refuses invalid UTF-8 in proto3 string fields itself (its
 * generated decoders call Reader.stringVerify, a fatal TextDecoder), which logs-protobuf.test.ts checks.
 * Exported as the reference the fast logs decoder is tested against.
 */
export function decodeProtobuf<T>(type: protobuf.Type, body: Uint8Array): T {
  try {
    return type.decode(new protobuf.Reader(body)) as unknown as T;
  } catch (error) {
    throw new DecodeError(`invalid OTLP protobuf ${type.name}: ${explain(error as Error)}`);
  }
}

/** OTLP/JSON writes trace and span ids as hex, where proto3 JSON would use base64. */
const HEX_ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

function hexToBytes(hex: string, path: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new DecodeError(`${path}: "${hex.slice(0, 64)}" is not a hex id`);
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

const MAX_UINT64 = 2n ** 64n - 1n;

/**
 * Nanosecond timestamps must fit fixed64; protobufjs would silently wrap a larger value into a
 * wrong time, so an out-of-range one (e.g. the year 3000) is refused here.
 */
function checkNanos(value: unknown, path: string): void {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? BigInt(value).toString() : 'x') : value;
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text) || BigInt(text) > MAX_UINT64) {
    throw new DecodeError(
      `${path}: ${JSON.stringify(value)?.slice(0, 40)} is not a uint64 nanosecond timestamp`,
    );
  }
}

/**
 * Converts the hex id fields in place and checks timestamps; walks only the containers that can
 * hold them (never attribute values, whose content is the sender's own).
 */
function normalizeJson(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => normalizeJson(item, `${path}[${i}]`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (HEX_ID_FIELDS.has(key)) {
      if (typeof value !== 'string') throw new DecodeError(`${path}.${key}: hex string expected`);
      record[key] = hexToBytes(value, `${path}.${key}`);
    } else if (key.endsWith('UnixNano')) {
      checkNanos(value, `${path}.${key}`);
    } else if (key !== 'attributes' && key !== 'body' && key !== 'resource' && typeof value === 'object') {
      normalizeJson(value, `${path}.${key}`);
    }
  }
}

function decodeJson<T>(type: protobuf.Type, body: Uint8Array): T {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw new DecodeError('invalid OTLP JSON: body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`invalid OTLP JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DecodeError(`invalid OTLP JSON ${type.name}: a JSON object expected`);
  }
  normalizeJson(parsed, '');
  try {
    // fromObject accepts the OTLP/JSON conventions: lowerCamelCase names, enums as names or
    // numbers, 64-bit integers as strings or numbers; unknown fields are ignored as OTLP requires.
    return type.fromObject(parsed as Record<string, unknown>) as unknown as T;
  } catch (error) {
    throw new DecodeError(`invalid OTLP JSON ${type.name}: ${explain(error as Error)}`);
  }
}

export function decodeLogsRequest(body: Uint8Array, encoding: Encoding): LogsRequest {
  return encoding === 'json'
    ? decodeJson<LogsRequest>(ExportLogsServiceRequest, body)
    : (decodeLogsRequestFast(body) ?? decodeProtobuf<LogsRequest>(ExportLogsServiceRequest, body));
}

export function decodeTracesRequest(body: Uint8Array, encoding: Encoding): TracesRequest {
  return encoding === 'json'
    ? decodeJson<TracesRequest>(ExportTraceServiceRequest, body)
    : decodeProtobuf<TracesRequest>(ExportTraceServiceRequest, body);
}
