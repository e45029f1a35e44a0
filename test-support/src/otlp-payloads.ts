// Builders for OTLP request bodies in tests (OTLP/JSON objects, and protobuf through the schema).
import { randomBytes, randomUUID } from 'node:crypto';
import { ExportLogsServiceRequest } from '@auditlens/exporter/otlp';

export type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: { key: string; value: JsonAnyValue }[] } };

export function anyValue(value: unknown): JsonAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === 'object' && value !== null) {
    return {
      kvlistValue: { values: Object.entries(value).map(([key, v]) => ({ key, value: anyValue(v) })) },
    };
  }
  throw new Error(`cannot express ${String(value)} as an AnyValue`);
}

export function attributes(map: Record<string, unknown>): { key: string; value: JsonAnyValue }[] {
  return Object.entries(map).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export interface TestRecord {
  eventName: string;
  attributes: Record<string, unknown>;
  body?: string;
  timeMs?: number;
  traceId?: string;
  spanId?: string;
}

type RecordOverrides = Partial<TestRecord> & { tenant?: string };

/** A record of a tenant with a fresh event id: the defaults, then the overrides (attributes merged). */
function auditRecord(defaults: TestRecord, { tenant = 'acme', ...overrides }: RecordOverrides): TestRecord {
  return {
    ...defaults,
    ...overrides,
    attributes: {
      'log.record.uid': randomUUID(),
      'audit.tenant_id': tenant,
      ...defaults.attributes,
      ...overrides.attributes,
    },
  };
}

/** A security record with a fresh event id, valid by default. */
export function securityRecord(overrides: RecordOverrides = {}): TestRecord {
  return auditRecord(
    {
      eventName: 'audit.security',
      body: 'login failed',
      timeMs: Date.now(),
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      attributes: {
        'audit.security.event_type': 'LOGIN_FAILED',
        'client.address': '198.51.100.4',
        'user.id': 'u-1',
      },
    },
    overrides,
  );
}

/** A successful GET request record with a fresh event id (no trace context), valid by default. */
export function requestRecord(overrides: RecordOverrides = {}): TestRecord {
  return auditRecord(
    {
      eventName: 'audit.request',
      timeMs: Date.now(),
      attributes: { 'http.request.method': 'GET', 'url.path': '/items', 'http.response.status_code': 200 },
    },
    overrides,
  );
}

/**
 * The event name and the fewest attributes that make a valid record of each kind an app sends
 * (every kind but access, whose records the exporter writes for reads of audit data).
 */
export const RECORD_OF_EACH_KIND: readonly (readonly [
  eventName: string,
  attributes: Record<string, unknown>,
])[] = [
  ['audit.request', { 'http.request.method': 'GET', 'url.path': '/p', 'http.route': '/p' }],
  ['audit.db_operation', { 'db.collection.name': 't', 'db.operation.name': 'SELECT' }],
  [
    'audit.field_change',
    {
      'db.collection.name': 't',
      'audit.change.record_id': '1',
      'audit.change.field': 'f',
      'audit.change.type': 'UPDATE',
    },
  ],
  ['audit.security', { 'audit.security.event_type': 'LOGIN_SUCCESS' }],
  ['audit.admin', { 'audit.operation': 'update_settings' }],
];

/** An ExportLogsServiceRequest in OTLP/JSON form. */
export function logsRequestJson(
  records: TestRecord[],
  resource: Record<string, unknown> = { 'service.name': 'test-svc' },
) {
  return {
    resourceLogs: [
      {
        resource: { attributes: attributes(resource) },
        scopeLogs: [
          {
            scope: { name: 'test' },
            logRecords: records.map((r) => ({
              timeUnixNano: `${BigInt(r.timeMs ?? Date.now()) * 1_000_000n}`,
              eventName: r.eventName,
              body: { stringValue: r.body ?? '' },
              traceId: r.traceId ?? '',
              spanId: r.spanId ?? '',
              attributes: attributes(r.attributes),
            })),
          },
        ],
      },
    ],
  };
}

/** The same request as protobuf bytes. */
export function logsRequestProtobuf(records: TestRecord[], resource?: Record<string, unknown>): Buffer {
  const json = logsRequestJson(records, resource);
  for (const rl of json.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const lr of sl.logRecords as Record<string, unknown>[]) {
        lr.traceId = Buffer.from(String(lr.traceId), 'hex');
        lr.spanId = Buffer.from(String(lr.spanId), 'hex');
      }
    }
  }
  return Buffer.from(ExportLogsServiceRequest.encode(ExportLogsServiceRequest.fromObject(json)).finish());
}

export interface PostResult {
  status: number;
  headers: Headers;
  json: Record<string, unknown> | undefined;
  bytes: Buffer;
}

/** POSTs a body to the receiver and decodes a JSON answer when there is one. */
export async function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<PostResult> {
  const response = await fetch(url, { method: 'POST', body, headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json: Record<string, unknown> | undefined;
  if ((response.headers.get('content-type') ?? '').includes('json'))
    json = JSON.parse(bytes.toString('utf8'));
  return { status: response.status, headers: response.headers, json, bytes };
}

export const postLogs = (otlpUrl: string, records: TestRecord[], token?: string): Promise<PostResult> =>
  post(`${otlpUrl}/v1/logs`, JSON.stringify(logsRequestJson(records)), {
    'content-type': 'application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });
