// Guarantees when the store misbehaves, in server mode against the chdb-backed ClickHouse-HTTP
// test fixture (no ClickHouse server can be installed here): nothing is acknowledged that is not
// stored, overload is refused with 429 instead of queued without bound, and shutdown commits
// everything queued.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ExporterOverrides, RunningExporter } from '../exporter.js';
import {
  startClickHouseHttp,
  type ClickHouseHttpFixture,
  postLogs,
  securityRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';

const dir = tempDir('outage');
let clickhouse: ClickHouseHttpFixture;
const running: RunningExporter[] = [];

async function exporterWith(overrides: ExporterOverrides = {}): Promise<RunningExporter> {
  const exporter = await startTestExporter(dir.path, { clickhouse: { url: clickhouse.url }, ...overrides });
  running.push(exporter);
  return exporter;
}

/** Rows received over OTLP (not the alert engine's own detections). */
async function count(exporter: RunningExporter, tenant: string): Promise<number> {
  const [row] = await exporter.store.query<{ n: string }>(
    "SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = {tenant:String} AND detection_method = ''",
    { tenant },
  );
  return Number(row?.n);
}

before(async () => {
  clickhouse = await startClickHouseHttp({ dataDir: dir.path });
});
after(async () => {
  clickhouse.setAvailable(true);
  for (const exporter of running) await exporter.close();
  await clickhouse.close();
  dir.remove();
});

test('store down → 503 with Retry-After and nothing acknowledged; back up → the retry is stored once', async () => {
  const exporter = await exporterWith();
  const tenant = 'outage';
  const records = [securityRecord({ tenant }), securityRecord({ tenant })];

  clickhouse.setAvailable(false);
  const refused = await postLogs(exporter.otlpUrl, records);
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get('retry-after'), '5');
  const ready = await fetch(`${exporter.apiUrl}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal(((await ready.json()) as { storeReachable: boolean }).storeReachable, false);

  clickhouse.setAvailable(true);
  assert.equal(await count(exporter, tenant), 0, 'nothing was stored while the store was down');
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  assert.equal(await count(exporter, tenant), 2);
  assert.equal((await fetch(`${exporter.apiUrl}/readyz`)).status, 200);
});

test('over the queue bound → 429 with Retry-After; the queued request still commits', async () => {
  const exporter = await exporterWith({ batch: { maxRows: 1000, maxDelayMs: 1500, maxQueuedRows: 4 } });
  const tenant = 'overload';
  const first = postLogs(exporter.otlpUrl, [
    securityRecord({ tenant }),
    securityRecord({ tenant }),
    securityRecord({ tenant }),
  ]);
  // Let the first request be decoded and queued before the second arrives.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const second = await postLogs(exporter.otlpUrl, [securityRecord({ tenant }), securityRecord({ tenant })]);
  assert.equal(second.status, 429);
  assert.equal(second.headers.get('retry-after'), '1');
  assert.equal((await first).status, 200);
  assert.equal(await count(exporter, tenant), 3);
});

test('a request larger than the whole queue bound is admitted when nothing else is queued', async () => {
  // Refused, it would be refused on every retry: a sender that never gives up would be stuck.
  const exporter = await exporterWith({ batch: { maxRows: 1000, maxDelayMs: 50, maxQueuedRows: 4 } });
  const tenant = 'oversized';
  const records = Array.from({ length: 6 }, () => securityRecord({ tenant }));
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  assert.equal(await count(exporter, tenant), 6);
});

test('graceful shutdown commits every queued row before the store closes', async () => {
  const exporter = await exporterWith({ batch: { maxRows: 1000, maxDelayMs: 60_000, maxQueuedRows: 1000 } });
  const tenant = 'shutdown';
  const pending = postLogs(exporter.otlpUrl, [securityRecord({ tenant }), securityRecord({ tenant })]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await exporter.close();
  assert.equal((await pending).status, 200, 'the sender got its acknowledgement');
  const reader = await exporterWith();
  assert.equal(await count(reader, tenant), 2);
});

test('a batch of 5,000 records commits in server mode (its 5,000-id idempotency check travels in the body)', async () => {
  const exporter = await exporterWith({
    batch: { maxRows: 10_000, maxDelayMs: 200, maxQueuedRows: 100_000 },
  });
  const tenant = 'big-batch';
  const records = Array.from({ length: 5000 }, () => securityRecord({ tenant }));
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  assert.equal(
    (await postLogs(exporter.otlpUrl, records)).status,
    200,
    'the retry is checked against 5,000 ids',
  );
  assert.equal(await count(exporter, tenant), 5000);
});
