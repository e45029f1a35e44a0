import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * protobufjs clears a oneof's other members on every decoded message that sets one (each AnyValue:
 * six `delete`s, which cost V8 more than the rest of decoding the value). `delete` only ever
 * removes own properties, so deleting just the members that are own properties is the same
 * operation, only cheaper. Installed before the message types are built (they capture the setter).
 */
(protobuf.util as { oneOfSetter: typeof protobuf.util.oneOfSetter }).oneOfSetter = (fieldNames: string[]) =>
  function (this: Record<string, unknown>, name: string | undefined): void {
    for (const field of fieldNames)
      if (field !== name && Object.hasOwn(this, field)) Reflect.deleteProperty(this, field);
  };

/** The OTLP message types, loaded once from proto/otlp.proto. */
const root = protobuf.loadSync(fileURLToPath(new URL('../../proto/otlp.proto', import.meta.url)));

function type(name: string): protobuf.Type {
  return root.lookupType(`opentelemetry.proto.${name}`);
}

export const ExportLogsServiceRequest = type('ExportLogsServiceRequest');
export const ExportLogsServiceResponse = type('ExportLogsServiceResponse');
export const ExportTraceServiceRequest = type('ExportTraceServiceRequest');
export const ExportTraceServiceResponse = type('ExportTraceServiceResponse');
export const RpcStatus = type('RpcStatus');

/** protobufjs' representation of 64-bit integers (long.js). */
export interface Long {
  low: number;
  high: number;
  unsigned: boolean;
  toString(): string;
  toNumber(): number;
}

// Decoded message shapes (protobufjs camel-cases field names). Only what AuditLens reads.
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Long | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: Uint8Array;
}
export interface KeyValue {
  key: string;
  value?: AnyValue;
}
export interface Resource {
  attributes?: KeyValue[];
}
export interface InstrumentationScope {
  name?: string;
  version?: string;
}
export interface LogRecord {
  timeUnixNano?: Long | number;
  observedTimeUnixNano?: Long | number;
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  eventName?: string;
}
export interface LogsRequest {
  resourceLogs?: {
    resource?: Resource;
    scopeLogs?: { scope?: InstrumentationScope; logRecords?: LogRecord[] }[];
  }[];
}
export interface Span {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: Long | number;
  endTimeUnixNano?: Long | number;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}
export interface TracesRequest {
  resourceSpans?: {
    resource?: Resource;
    scopeSpans?: { scope?: InstrumentationScope; spans?: Span[] }[];
  }[];
}

export const SPAN_KIND_SERVER = 2;
export const STATUS_CODE_ERROR = 2;
