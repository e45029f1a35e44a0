import {
  anyValueToJs,
  attributesToMap,
  bytesToHex,
  decodeLogsRequest,
  type AttributeValue,
  type Long,
} from '@auditlens/exporter/otlp';

/**
 * The log records of an OTLP logs request as plain objects, so tests can assert on exactly what
 * went over the wire. Decoded by the exporter's own decoder: what a test reads is what the
 * exporter would read.
 */
export interface WireLogRecord {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: AttributeValue;
  attributes: Record<string, AttributeValue>;
  traceId: string;
  spanId: string;
  resource: Record<string, AttributeValue>;
  scope: string;
}

function nanos(value: Long | number | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** An ExportLogsServiceRequest body (protobuf, or OTLP/JSON when `json`) → its log records. */
export function decodeWireLogs(body: Uint8Array, encoding: 'protobuf' | 'json'): WireLogRecord[] {
  const records: WireLogRecord[] = [];
  for (const resourceLogs of decodeLogsRequest(body, encoding).resourceLogs ?? []) {
    const resource = Object.fromEntries(attributesToMap(resourceLogs.resource?.attributes));
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        records.push({
          timeUnixNano: nanos(record.timeUnixNano),
          severityNumber: record.severityNumber ?? 0,
          severityText: record.severityText ?? '',
          eventName: record.eventName ?? '',
          body: anyValueToJs(record.body, 'body'),
          attributes: Object.fromEntries(attributesToMap(record.attributes)),
          traceId: bytesToHex(record.traceId),
          spanId: bytesToHex(record.spanId),
          resource,
          scope: scopeLogs.scope?.name ?? '',
        });
      }
    }
  }
  return records;
}
