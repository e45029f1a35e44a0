// No loss, no duplicates under faults (RELIABILITY.md): the SDK sends steady traffic while
// (1) the exporter process is SIGKILLed and restarted several times mid-stream, and
// (2) ClickHouse is unreachable for a while (server mode, through the chdb-backed ClickHouse-HTTP
// test fixture). Afterwards every event id emitted is stored exactly once and a plain count()
// equals the number sent. FAULT_KILLS and STORE_OUTAGE_SECONDS lengthen the runs (npm run soak).
import { EmbeddedStore } from '@auditlens/exporter/embedded';
import { startClickHouseHttp } from '@auditlens/exporter/testing';
import { AuditClient } from '@auditlens/sdk';
import { makeTempDir, removeDir, waitUntil } from '@auditlens/sdk/testing';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestExporter } from '@auditlens/exporter/testing';

const KILLS = Number(process.env.FAULT_KILLS ?? '3');
const STORE_OUTAGE_SECONDS = Number(process.env.STORE_OUTAGE_SECONDS ?? '10');
const AUDITLENS_BIN = fileURLToPath(
  new URL('../../../../exporter-service/bin/auditlens.js', import.meta.url),
);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Emits a request, a data operation and its field change every few ms; returns the event ids. */
function steadyTraffic(client: AuditClient, service: string): { ids: string[]; stop(): void } {
  const ids: string[] = [];
  let n = 0;
  const timer = setInterval(() => {
    n++;
    client.runAs({ userId: String(n % 20), userName: `${service}-${n % 20}` }, () => {
      ids.push(
        client.request({ method: 'POST', path: `/api/orders/${n}`, statusCode: 201, durationMs: 2 }).eventId,
      );
      const db = client.dbOperation({
        table: 'orders',
        operation: 'UPDATE',
        recordId: n,
        before: { state: 'new' },
        after: { state: 'paid' },
      });
      ids.push(db.eventId, ...db.changes.map((c) => c.eventId));
    });
  }, 10);
  return { ids, stop: () => clearInterval(timer) };
}

type Query = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;

/** Every emitted id stored once; a plain count() equals the number emitted. */
async function assertExactlyOnce(query: Query, service: string, ids: string[]): Promise<void> {
  const tables = ['audit_request_log', 'audit_database_log', 'audit_change_log'];
  const counts = await Promise.all(
    tables.map(async (table) => {
      const [row] = await query<{ n: string }>(
        `SELECT count() AS n FROM audit.${table} WHERE service = {service:String}`,
        { service },
      );
      return Number(row?.n);
    }),
  );
  const stored = (
    await Promise.all(
      tables.map((table) =>
        query<{ id: string }>(
          `SELECT toString(event_id) AS id FROM audit.${table} WHERE service = {service:String}`,
          { service },
        ),
      ),
    )
  ).flatMap((rows) => rows.map((r) => r.id));
  const storedSet = new Set(stored);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.deepEqual(
    {
      emitted: ids.length,
      counted: counts.reduce((a, b) => a + b, 0),
      distinct: storedSet.size,
      missing: ids.filter((id) => !storedSet.has(id)).length,
    },
    { emitted: ids.length, counted: ids.length, distinct: ids.length, missing: 0 },
  );
}

test(
  `exporter SIGKILLed and restarted ${KILLS} times mid-stream: every record stored exactly once`,
  { timeout: (KILLS * 8 + 120) * 1000 },
  async () => {
    const dir = makeTempDir('faults-kill');
    const dataDir = path.join(dir, 'data');
    const [otlpPort, grpcPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      ...process.env,
      AUDITLENS_DATA_DIR: dataDir,
      AUDITLENS_OTLP_PORT: String(otlpPort),
      AUDITLENS_OTLP_GRPC_PORT: String(grpcPort),
      AUDITLENS_API_PORT: String(apiPort),
      AUDITLENS_HOST: '127.0.0.1',
      AUDITLENS_LOG_LEVEL: 'error',
    };
    let exporter: ChildProcess | undefined;
    const startChild = async (): Promise<void> => {
      exporter = spawn(process.execPath, [AUDITLENS_BIN, 'serve'], { env, stdio: 'ignore' });
      await waitUntil(
        async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined))?.ok === true,
        30_000,
        'exporter ready',
      );
    };
    const client = new AuditClient({
      serviceName: 'faults-kill',
      endpoint: `http://127.0.0.1:${otlpPort}`,
      spoolDir: path.join(dir, 'spool'),
      handleSignals: false,
      tenant: 'tenant_faults',
      spool: { fsync: false },
      delivery: { retry: { initialBackoffMs: 100, maxBackoffMs: 1000 } },
    });
    try {
      await startChild();
      const traffic = steadyTraffic(client, 'faults-kill');
      for (let kill = 0; kill < KILLS; kill++) {
        await sleep(1500);
        exporter?.kill('SIGKILL');
        await new Promise((resolve) => exporter?.once('exit', resolve));
        await sleep(500);
        await startChild();
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
      const exited = new Promise((resolve) => exporter?.once('exit', resolve));
      exporter?.kill('SIGTERM');
      await exited;
      exporter = undefined;
      const store = EmbeddedStore.inDataDir(dataDir, 'audit');
      try {
        await assertExactlyOnce((sql, params) => store.query(sql, params), 'faults-kill', traffic.ids);
      } finally {
        await store.close();
      }
    } finally {
      await client.shutdown();
      exporter?.kill('SIGKILL');
      removeDir(dir);
    }
  },
);

test(
  `ClickHouse unreachable for ${STORE_OUTAGE_SECONDS} s mid-stream: every record stored exactly once`,
  { timeout: (STORE_OUTAGE_SECONDS + 120) * 1000 },
  async () => {
    const dir = makeTempDir('faults-store');
    const clickhouse = await startClickHouseHttp({ dataDir: path.join(dir, 'clickhouse') });
    const exporter = await startTestExporter(dir, { clickhouse: { url: clickhouse.url } });
    const client = new AuditClient({
      serviceName: 'faults-store',
      endpoint: exporter.otlpUrl,
      spoolDir: path.join(dir, 'spool'),
      handleSignals: false,
      tenant: 'tenant_faults',
      spool: { fsync: false },
      delivery: { retry: { initialBackoffMs: 100, maxBackoffMs: 1000 } },
    });
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
      await assertExactlyOnce(
        (sql, params) => exporter.store.query(sql, params),
        'faults-store',
        traffic.ids,
      );
    } finally {
      await client.shutdown();
      await exporter.close();
      await clickhouse.close();
      removeDir(dir);
    }
  },
);
