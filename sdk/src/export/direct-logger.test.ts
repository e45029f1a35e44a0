import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber, type LogAttributes, type LogRecord } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { at } from '@auditlens/test-support';
import { DirectLogger, type RecordSink } from './direct-logger.js';

/** The processor of both paths: keeps what it is given. */
class Capture implements LogRecordProcessor, RecordSink {
  readonly records: ReadableLogRecord[] = [];
  private down = false;
  onEmit(record: ReadableLogRecord): void {
    this.records.push(record);
  }
  isShutdown(): boolean {
    return this.down;
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {
    this.down = true;
  }
}

function setup() {
  const capture = new Capture();
  const resource = resourceFromAttributes({ 'service.name': 'orders' });
  const provider = new LoggerProvider({ resource, processors: [capture] });
  const sdkLogger = provider.getLogger('@auditlens/sdk', '9.9.9');
  const direct = new DirectLogger(capture, resource, sdkLogger, '@auditlens/sdk', '9.9.9');
  return { capture, provider, sdkLogger, direct };
}

/** The record as the SDK's own Logger makes it, and as the DirectLogger does: OTLP bytes of each. */
function bothWays(record: () => LogRecord): {
  sdk: Uint8Array;
  direct: Uint8Array;
  directRecord: ReadableLogRecord;
} {
  const { capture, sdkLogger, direct } = setup();
  sdkLogger.emit(record());
  direct.emit(record());
  const [viaSdk, viaDirect] = [at(capture.records, 0), at(capture.records, 1)];
  const bytes = (r: ReadableLogRecord) => ProtobufLogsSerializer.serializeRequest([r]) ?? new Uint8Array();
  assert.deepEqual(
    new TextDecoder().decode(JsonLogsSerializer.serializeRequest([viaDirect])),
    new TextDecoder().decode(JsonLogsSerializer.serializeRequest([viaSdk])),
  );
  return { sdk: bytes(viaSdk), direct: bytes(viaDirect), directRecord: viaDirect };
}

const span = trace.wrapSpanContext({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
});

test('a record of the DirectLogger serializes to the same OTLP bytes as the SDK Logger makes of it', () => {
  const attributes = (): LogAttributes => ({
    'log.record.uid': '01890a5d-ac96-774b-bcce-b302099a8057',
    'audit.tenant_id': '',
    'user.roles': ['admin', 'user'],
    'audit.risk_level': 2,
    'audit.duration_ms': 1.5,
    'audit.sensitive': false,
    'custom.null': null,
    'custom.undefined': undefined,
    'custom.mixed': ['a', 1, true, null],
    'http.request.method': 'PUT',
    张三: '值',
  });
  const cases: (() => LogRecord)[] = [
    // As the recorder emits: a record time that is also the observed time, inside a span.
    () => ({
      eventName: 'audit.request',
      body: 'PUT /api → 200',
      timestamp: 1_700_000_000_123,
      observedTimestamp: 1_700_000_000_123,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes: attributes(),
      context: trace.setSpan(context.active(), span),
    }),
    // Explicit times of every form, no context (the active one, without a span), no attributes.
    () => ({ body: 'x', timestamp: new Date(1_700_000_000_000), observedTimestamp: [1_700_000_000, 5] }),
    () => ({ eventName: 'e', timestamp: 1_700_000_000_000.5, observedTimestamp: 12.25, attributes: {} }),
  ];
  for (const record of cases) {
    const { sdk, direct } = bothWays(record);
    assert.deepEqual(direct, sdk);
  }
});

test('attributes the SDK would change go through the SDK Logger, so they come out as it makes them', () => {
  const many: LogAttributes = {};
  for (let i = 0; i < 130; i++) many[`a${i}`] = i;
  const cases: LogAttributes[] = [
    { ok: 1, nested: { a: 1, b: [1, 2] } },
    { ok: 1, '': 'empty key' },
    { ok: 1, bytes: new Uint8Array([1, 2]) },
    { ok: 1, fn: (() => 1) as unknown as string },
    { ok: 1, list: [{ a: 1 }] },
    many,
  ];
  for (const attributes of cases) {
    const { sdk, direct, directRecord } = bothWays(() => ({
      body: 'b',
      timestamp: 1,
      observedTimestamp: 2,
      attributes,
    }));
    assert.deepEqual(direct, sdk);
    assert.notEqual(directRecord.attributes, attributes, 'copied by the SDK Logger');
  }
  const boom = new Error('boom');
  const { direct, sdk } = bothWays(() => ({
    body: 'b',
    timestamp: 1,
    observedTimestamp: 2,
    exception: boom,
  }));
  assert.deepEqual(direct, sdk);
});

test('adopted attributes are the object given, with its arrays copied; after shutdown records are ignored', async () => {
  const { capture, direct, provider } = setup();
  const roles = ['a'];
  const attributes: LogAttributes = { 'user.roles': roles, n: 1 };
  direct.emit({ body: 'b', attributes });
  const record = at(capture.records, 0);
  assert.equal(record.attributes, attributes);
  roles.push('b');
  assert.deepEqual(record.attributes['user.roles'], ['a']);

  await provider.shutdown();
  direct.emit({ body: 'late', attributes: { n: 2 } });
  assert.equal(capture.records.length, 1);
});
