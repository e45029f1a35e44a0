import protobuf from 'protobufjs';
import {
  ExportLogsServiceRequest,
  ExportTraceServiceRequest,
  type LogsRequest,
  type TracesRequest,
} from './schema.js';

/** A request body that cannot be decoded: the receiver answers 400 with this message. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

export type Encoding = 'protobuf' | 'json';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * protobuf requires string fields to be valid UTF-8; protobufjs would silently replace bad
 * bytes, which would alter an audit record. This reader refuses them instead.
 */
class StrictUtf8Reader extends protobuf.Reader {
  override string(): string {
    return strictUtf8.decode(this.bytes());
  }
}

function decodeProtobuf<T>(type: protobuf.Type, body: Uint8Array): T {
  try {
    return type.decode(new StrictUtf8Reader(body)) as unknown as T;
  } catch (error) {
    throw new DecodeError(`invalid OTLP protobuf ${type.name}: ${(error as Error).message}`);
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

/** Converts the hex id fields in place; walks only the containers that can hold them. */
function convertHexIds(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => convertHexIds(item, `${path}[${i}]`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (HEX_ID_FIELDS.has(key)) {
      if (typeof value !== 'string') throw new DecodeError(`${path}.${key}: hex string expected`);
      record[key] = hexToBytes(value, `${path}.${key}`);
    } else if (key !== 'attributes' && key !== 'body' && key !== 'resource' && typeof value === 'object') {
      convertHexIds(value, `${path}.${key}`);
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
  convertHexIds(parsed, '');
  try {
    // fromObject accepts the OTLP/JSON conventions: lowerCamelCase names, enums as names or
    // numbers, 64-bit integers as strings or numbers; unknown fields are ignored as OTLP requires.
    return type.fromObject(parsed as Record<string, unknown>) as unknown as T;
  } catch (error) {
    throw new DecodeError(`invalid OTLP JSON ${type.name}: ${(error as Error).message.replace(/^\./, '')}`);
  }
}

export function decodeLogsRequest(body: Uint8Array, encoding: Encoding): LogsRequest {
  return encoding === 'json'
    ? decodeJson<LogsRequest>(ExportLogsServiceRequest, body)
    : decodeProtobuf<LogsRequest>(ExportLogsServiceRequest, body);
}

export function decodeTracesRequest(body: Uint8Array, encoding: Encoding): TracesRequest {
  return encoding === 'json'
    ? decodeJson<TracesRequest>(ExportTraceServiceRequest, body)
    : decodeProtobuf<TracesRequest>(ExportTraceServiceRequest, body);
}
