// OTLP/protobuf ExportLogsServiceRequest bodies for bench records, encoded with the exporter's own
// schema: one ResourceLogs per service (as each service's SDK would send), EventName = kind.
import { ExportLogsServiceRequest } from '@auditlens/exporter/otlp';
import { EVENT_NAMES } from '@auditlens/contract';
import type { AttrValue, BenchRecord } from './dataset.js';

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: number }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

function anyValue(value: AttrValue): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  return { arrayValue: { values: value.map((v) => ({ stringValue: v })) } };
}

/** Exact fixed64 nanoseconds (a double cannot hold today's nanoseconds exactly). */
function nanos(ms: number): { low: number; high: number; unsigned: boolean } {
  const n = BigInt(ms) * 1_000_000n;
  return { low: Number(n & 0xffffffffn) | 0, high: Number(n >> 32n) | 0, unsigned: true };
}

export function encodeLogsRequest(records: readonly BenchRecord[]): Buffer {
  return Buffer.from(ExportLogsServiceRequest.encode(logsRequestMessage(records)).finish());
}

/** The request as protobufjs' decoder would hand it over (for loading without an encode/decode round trip). */
export function logsRequestMessage(records: readonly BenchRecord[]) {
  const byService = new Map<string, BenchRecord[]>();
  for (const record of records) {
    const list = byService.get(record.service);
    if (list) list.push(record);
    else byService.set(record.service, [record]);
  }
  const message = {
    resourceLogs: [...byService].map(([service, list]) => ({
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: service } },
          { key: 'service.version', value: { stringValue: '2.8.1' } },
          { key: 'deployment.environment.name', value: { stringValue: 'production' } },
          { key: 'host.name', value: { stringValue: `${service}-7d9f8-${service.length}x` } },
        ],
      },
      scopeLogs: [
        {
          scope: { name: '@auditlens/sdk', version: '0.1.0' },
          logRecords: list.map((r) => ({
            timeUnixNano: nanos(r.timeMs),
            observedTimeUnixNano: nanos(r.timeMs),
            severityNumber: 9,
            severityText: 'INFO',
            eventName: EVENT_NAMES[r.kind],
            body: { stringValue: r.body },
            traceId: Buffer.from(r.traceId, 'hex'),
            spanId: Buffer.from(r.spanId, 'hex'),
            attributes: Object.entries(r.attributes).map(([key, value]) => ({ key, value: anyValue(value) })),
          })),
        },
      ],
    })),
  };
  return message;
}
