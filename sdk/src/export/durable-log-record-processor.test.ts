import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type SumMetricData } from '@opentelemetry/sdk-metrics';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { at, tempDir, type TempDir, waitUntil, decodeLogs, OtlpCaptureServer } from '@auditlens/test-support';
import { BatchSpool } from './batch-spool.js';
import type { DeliveryError } from './delivery-telemetry.js';
import {
  DurableLogRecordProcessor,
  type DurableLogRecordProcessorOptions,
} from './durable-log-record-processor.js';
import { OtlpHttpTransport } from './otlp-http-transport.js';

let server: OtlpCaptureServer;
let dir: TempDir | undefined;
before(async () => {
  server = await OtlpCaptureServer.start();
});
after(async () => {
  await server.close();
});
afterEach(() => {
  server.reset();
  dir?.remove();
});

let nextId = 0;

function pipeline(options: Partial<DurableLogRecordProcessorOptions> = {}) {
  const errors: DeliveryError[] = [];
  const transport = new OtlpHttpTransport({ url: `${server.url}/v1/logs` });
  const processor = new DurableLogRecordProcessor({
    transport,
    scheduledDelayMillis: 10,
    maxExportBatchSize: 50,
    retry: { initialBackoffMs: 20, maxBackoffMs: 100 },
    onError: (e) => errors.push(e),
    ...options,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('test');
  const emitted: string[] = [];
  const emit = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const id = `record-${nextId++}`;
      emitted.push(id);
      logger.emit({ eventName: 'audit.request', body: 'x', attributes: { 'log.record.uid': id } });
    }
  };
  return { processor, provider, emit, emitted, errors };
}

/** Resolves once the server has received no request for 300 ms. */
async function quiet(): Promise<void> {
  for (let seen = -1; seen !== server.requests.length;) {
    seen = server.requests.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** How often each event id arrived in a 2xx-answered request. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of server.deliveredLogs()) {
    const id = String(record.attributes['log.record.uid']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function assertExactlyOnce(ids: readonly string[]): void {
  const counts = deliveries();
  const missing = ids.filter((id) => !counts.has(id));
  const duplicated = ids.filter((id) => (counts.get(id) ?? 0) > 1);
  assert.deepEqual({ missing: missing.length, duplicated: duplicated.length }, { missing: 0, duplicated: 0 });
}

test('healthy backend: every record delivered once, in batches of at most maxExportBatchSize', async () => {
  const { processor, provider, emit, emitted } = pipeline();
  emit(420);
  await processor.forceFlush();
  assertExactlyOnce(emitted);
  const sizes = server.requests.map((r) => decodeLogs(r).length);
  assert.ok(
    sizes.every((n) => n <= 50),
    `batch sizes ${sizes.join(',')}`,
  );
  assert.deepEqual(processor.stats(), {
    queued: 420,
    spooled: 0,
    sent: 420,
    failed: 0,
    dropped: 0,
    retries: 0,
    recovered: 0,
  });
  await provider.shutdown();
});

test('backend down then up: records are spooled, retried with the same bytes, delivered exactly once', async () => {
  dir = tempDir('processor');
  let down = true;
  server.reply = () => (down ? { status: 503, headers: { 'retry-after': '0' } } : { status: 200 });
  const spool = BatchSpool.open({ directory: path.join(dir.path, 'spool'), fsync: false });
  const { processor, provider, emit, emitted, errors } = pipeline({ spool });
  emit(120);
  await waitUntil(() => processor.stats().retries >= 3, 10_000, 'three failed attempts');
  emit(80); // while down: straight to the spool
  await waitUntil(() => processor.stats().spooled >= 200, 10_000, 'all records spooled');
  down = false;
  await processor.forceFlush();
  await waitUntil(() => processor.stats().sent === 200, 10_000, 'all records sent');
  assertExactlyOnce(emitted);

  // The batch that failed first was delivered later as the very same bytes.
  const firstAttempt = at(server.requests, 0).body;
  assert.ok(
    server.requests.some((r, i) => i > 0 && r.body.equals(firstAttempt) && decodeLogs(r).length > 0),
    'the failed batch was resent with identical bytes',
  );
  const lastAttempt = server.requests.filter((r) => r.body.equals(firstAttempt)).length;
  assert.ok(lastAttempt >= 2);
  const stats = processor.stats();
  assert.equal(stats.sent, 200);
  assert.equal(stats.dropped, 0);
  assert.ok(stats.retries >= 3);
  const retry = errors.find((e) => e.kind === 'retry');
  assert.equal(retry?.status, 503);
  await provider.shutdown();
});

test('Retry-After from the server sets the retry delay', async () => {
  server.reply = () => ({ status: 429, headers: { 'retry-after': '1' } });
  const { processor, provider, emit, errors } = pipeline();
  emit(1);
  await waitUntil(() => errors.some((e) => e.kind === 'retry'), 5000, 'a retry');
  const retry = errors.find((e) => e.kind === 'retry');
  assert.ok((retry?.retryInMs ?? 0) >= 1000, `retry in ${retry?.retryInMs} ms`);
  server.reply = () => ({ status: 200 });
  await processor.shutdown().catch(() => undefined);
  await provider.shutdown();
});

test('a restarted processor resends what the previous one left in the spool, exactly once', async () => {
  dir = tempDir('processor');
  server.reply = () => ({ status: 503 });
  const first = pipeline({
    spool: BatchSpool.open({ directory: path.join(dir.path, 'spool'), fsync: false }),
    shutdownTimeoutMillis: 100,
  });
  first.emit(150);
  await waitUntil(() => first.processor.stats().spooled >= 150, 10_000, 'records spooled');
  await first.provider.shutdown();
  // A request the shutdown aborted may still reach the server: let it be answered 503 before the
  // backend comes back, or it would count as a second (2xx) delivery of records the spool keeps.
  await quiet();
  assert.equal(deliveries().size, 0);

  server.reply = () => ({ status: 200 });
  const second = pipeline({
    spool: BatchSpool.open({ directory: path.join(dir.path, 'spool'), fsync: false }),
  });
  assert.equal(second.processor.stats().recovered, 150);
  await waitUntil(() => second.processor.stats().sent === 150, 10_000, 'recovered records sent');
  assertExactlyOnce(first.emitted);
  await second.provider.shutdown();

  // Acknowledged: a third start finds nothing to resend.
  const third = pipeline({
    spool: BatchSpool.open({ directory: path.join(dir.path, 'spool'), fsync: false }),
  });
  assert.equal(third.processor.stats().recovered, 0);
  await third.provider.shutdown();
});

test('partial success: rejected records are counted and reported, never resent', async () => {
  const inner = Buffer.concat([Buffer.from([0x08, 2, 0x12, 3]), Buffer.from('bad')]);
  server.reply = () => ({ status: 200, body: Buffer.concat([Buffer.from([0x0a, inner.length]), inner]) });
  const { processor, provider, emit, errors } = pipeline();
  emit(10);
  await processor.forceFlush();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.requests.length, 1);
  const stats = processor.stats();
  assert.equal(stats.sent, 8);
  assert.equal(stats.failed, 2);
  assert.deepEqual(
    errors.map((e) => [e.kind, e.recordCount, e.message]),
    [['partial_success', 2, 'bad']],
  );
  await provider.shutdown();
});

test('a permanently refused batch is kept in the dead-letter directory, counted failed, not resent', async () => {
  dir = tempDir('processor');
  server.reply = () => ({ status: 400, body: 'schema violation' });
  const spool = BatchSpool.open({ directory: path.join(dir.path, 'spool'), fsync: false });
  const { processor, provider, emit, errors } = pipeline({ spool });
  emit(5);
  await processor.forceFlush();
  assert.equal(server.requests.length, 1);
  assert.equal(processor.stats().failed, 5);
  const deadLetters = fs.readdirSync(path.join(spool.directory, 'dead-letter'));
  assert.equal(deadLetters.length, 1);
  assert.deepEqual(
    fs.readFileSync(path.join(spool.directory, 'dead-letter', at(deadLetters, 0))),
    at(server.requests, 0).body,
  );
  assert.equal(at(errors, 0).kind, 'rejected');
  await provider.shutdown();
});

test('drops only when configured to, and counts every dropped record', async () => {
  // A backend that never answers keeps everything in memory.
  let release: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (release = resolve));
  server.reply = async () => {
    await answered;
    return { status: 200 };
  };
  const dropping = pipeline({ maxQueueSize: 20, dropWhenFull: true, shutdownTimeoutMillis: 50 });
  dropping.emit(100);
  assert.equal(dropping.processor.stats().dropped, 80);
  assert.ok(dropping.errors.some((e) => e.kind === 'dropped'));

  const keeping = pipeline({ maxQueueSize: 20, shutdownTimeoutMillis: 50 });
  keeping.emit(100);
  assert.equal(keeping.processor.stats().dropped, 0);
  assert.ok(keeping.errors.some((e) => e.kind === 'over_limit'));
  release();
  await keeping.processor.forceFlush();
  assert.equal(keeping.processor.stats().sent, 100);
  await dropping.provider.shutdown();
  await keeping.provider.shutdown();
});

test('a full spool drops (counted) only with dropWhenFull; otherwise batches wait in memory', async () => {
  dir = tempDir('processor');
  let down = true;
  server.reply = () => (down ? { status: 503 } : { status: 200 });
  const dropping = pipeline({
    spool: BatchSpool.open({ directory: path.join(dir.path, 'a'), fsync: false, maxBytes: 4096 }),
    dropWhenFull: true,
    shutdownTimeoutMillis: 50,
  });
  const keeping = pipeline({
    spool: BatchSpool.open({ directory: path.join(dir.path, 'b'), fsync: false, maxBytes: 4096 }),
  });
  for (const p of [dropping, keeping]) p.emit(50);
  await waitUntil(
    () => dropping.processor.stats().retries > 0 && keeping.processor.stats().retries > 0,
    5000,
    'failures',
  );
  for (const p of [dropping, keeping]) p.emit(500);
  await waitUntil(() => dropping.processor.stats().dropped > 0, 5000, 'drops');
  await waitUntil(() => keeping.errors.some((e) => e.kind === 'spool'), 5000, 'spool-full report');
  assert.ok(dropping.processor.stats().spooled > 0);
  await dropping.provider.shutdown();

  down = false;
  await waitUntil(() => keeping.processor.stats().sent === 550, 10_000, 'all kept records sent');
  assert.equal(keeping.processor.stats().dropped, 0);
  assertExactlyOnce(keeping.emitted);
  await keeping.provider.shutdown();
});

test('delivery counters are OTel metrics', async () => {
  class TestReader extends MetricReader {
    protected async onShutdown(): Promise<void> {}
    protected async onForceFlush(): Promise<void> {}
  }
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { processor, provider, emit } = pipeline({ meterProvider });
  emit(30);
  await processor.forceFlush();
  const { resourceMetrics } = await reader.collect();
  const values = new Map<string, number>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics as SumMetricData[]) {
      values.set(
        metric.descriptor.name,
        metric.dataPoints.reduce((n, p) => n + p.value, 0),
      );
    }
  }
  assert.equal(values.get('auditlens.sdk.records.queued'), 30);
  assert.equal(values.get('auditlens.sdk.records.sent'), 30);
  await provider.shutdown();
  await meterProvider.shutdown();
});
