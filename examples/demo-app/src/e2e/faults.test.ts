// No loss, no duplicates under faults (RELIABILITY.md): the SDK sends steady traffic while
// (1) the exporter process is SIGKILLed and restarted several times mid-stream, and
// (2) ClickHouse is unreachable for a while (server mode, through the chdb-backed ClickHouse-HTTP
// test fixture). Afterwards every event id emitted is stored exactly once and a plain count()
// equals the number sent. FAULT_KILLS and STORE_OUTAGE_SECONDS lengthen the runs (npm run soak).
import { EmbeddedStore } from '@auditlens/exporter/embedded';
import {
  ExporterProcess,
  startClickHouseHttp,
  startTestExporter,
  assertStoredExactlyOnce,
  assertTrafficLinked,
  tempDir,
  steadyTraffic,
  waitUntil,
  type AuditQuery,
} from '@auditlens/test-support';
import { AuditClient } from '@auditlens/sdk';
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

const KILLS = Number(process.env.FAULT_KILLS ?? '3');
const STORE_OUTAGE_SECONDS = Number(process.env.STORE_OUTAGE_SECONDS ?? '10');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The application under fault: its spool in `dir`, quick retries, no signal handlers of its own. */
function steadySender(service: string, endpoint: string, dir: string): AuditClient {
  return new AuditClient({
    serviceName: service,
    endpoint,
    spoolDir: path.join(dir, 'spool'),
    handleSignals: false,
    tenant: 'tenant_faults',
    spool: { fsync: false },
    delivery: { retry: { initialBackoffMs: 100, maxBackoffMs: 1000 } },
  });
}

test(
  `exporter SIGKILLed and restarted ${KILLS} times mid-stream: every record stored exactly once`,
  { timeout: (KILLS * 8 + 120) * 1000 },
  async () => {
    const dir = tempDir('faults-kill');
    const dataDir = path.join(dir.path, 'data');
    const exporter = await ExporterProcess.start({ AUDITLENS_DATA_DIR: dataDir });
    const client = steadySender('faults-kill', exporter.otlpUrl, dir.path);
    try {
      const traffic = steadyTraffic(client, 'faults-kill');
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(1500);
        await exporter.kill('SIGKILL');
        await sleep(500);
        await exporter.restart();
      }
      await sleep(1000);
      traffic.stop();
      await waitUntil(
        () => client.stats().sent === traffic.ids.length,
        60_000,
        `all ${traffic.ids.length} records acknowledged`,
      );
      assert.deepEqual(
        { failed: client.stats().failed, dropped: client.stats().dropped },
        { failed: 0, dropped: 0 },
      );
      // Stop the exporter cleanly and read its data directory directly.
      await exporter.stop();
      const store = EmbeddedStore.inDataDir(dataDir, 'audit');
      try {
        const query: AuditQuery = (sql, params) => store.query(sql, params);
        await assertStoredExactlyOnce(query, 'faults-kill', traffic.ids);
        await assertTrafficLinked(query, 'faults-kill');
      } finally {
        await store.close();
      }
    } finally {
      await client.shutdown();
      await exporter.kill('SIGKILL');
      dir.remove();
    }
  },
);

test(
  `ClickHouse unreachable for ${STORE_OUTAGE_SECONDS} s mid-stream: every record stored exactly once`,
  { timeout: (STORE_OUTAGE_SECONDS + 120) * 1000 },
  async () => {
    const dir = tempDir('faults-store');
    const clickhouse = await startClickHouseHttp({ dataDir: path.join(dir.path, 'clickhouse') });
    const exporter = await startTestExporter(dir.path, { clickhouse: { url: clickhouse.url } });
    const client = steadySender('faults-store', exporter.otlpUrl, dir.path);
    try {
      const traffic = steadyTraffic(client, 'faults-store');
      await sleep(1500);
      clickhouse.setAvailable(false);
      await sleep(STORE_OUTAGE_SECONDS * 1000);
      const duringOutage = client.stats();
      clickhouse.setAvailable(true);
      await sleep(1500);
      traffic.stop();
      assert.ok(duringOutage.retries > 0, 'the exporter answered 503 during the outage and the SDK retried');
      await waitUntil(
        () => client.stats().sent === traffic.ids.length,
        60_000,
        `all ${traffic.ids.length} records acknowledged`,
      );
      const query: AuditQuery = (sql, params) => exporter.store.query(sql, params);
      await assertStoredExactlyOnce(query, 'faults-store', traffic.ids);
      await assertTrafficLinked(query, 'faults-store');
    } finally {
      await client.shutdown();
      await exporter.close();
      await clickhouse.close();
      dir.remove();
    }
  },
);
