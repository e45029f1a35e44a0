// End to end: the exporter goes away for a while (30 s by default) and comes back on the same port
// and data directory; every record emitted before, during and after arrives exactly once.
import { startExporter, type RunningExporter } from '@auditlens/exporter';
import { AuditClient, type DeliveryError } from '@auditlens/sdk';
import { tempDir, waitUntil } from '@auditlens/test-support';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';

/** Length of the outage; AUDITLENS_OUTAGE_SECONDS overrides it (the issue asks for 30 s). */
const OUTAGE_SECONDS = Number(process.env.AUDITLENS_OUTAGE_SECONDS ?? '30');

const dir = tempDir('sdk-outage');
const dataDir = path.join(dir.path, 'data');
const spoolDir = path.join(dir.path, 'spool');
let exporter: RunningExporter | undefined;
let audit: AuditClient | undefined;

after(async () => {
  await audit?.shutdown();
  await exporter?.close();
  dir.remove();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const start = (port: number) =>
  startExporter(
    { dataDir, otlpPort: port, otlpGrpcPort: 0, apiPort: 0, host: '127.0.0.1', logLevel: 'silent' },
    {},
  );

test(
  `exporter down for ${OUTAGE_SECONDS} s, then back: every record arrives exactly once`,
  { timeout: (OUTAGE_SECONDS + 90) * 1000 },
  async () => {
    exporter = await start(0);
    const port = Number(new URL(exporter.otlpUrl).port);
    const errors: DeliveryError[] = [];
    const client = new AuditClient({
      serviceName: 'outage-e2e',
      endpoint: exporter.otlpUrl,
      spoolDir,
      handleSignals: false,
      tenant: 'tenant_001',
      spool: { fsync: false },
      delivery: { retry: { initialBackoffMs: 200, maxBackoffMs: 2000 } },
      onError: (e) => errors.push(e),
    });
    audit = client;

    // Steady traffic throughout: a request, a data operation and its field change every 20 ms.
    const ids: string[] = [];
    let n = 0;
    const traffic = setInterval(() => {
      n++;
      client.runAs({ userId: String(n % 50), userName: `user-${n % 50}` }, () => {
        ids.push(
          client.request({ method: 'PUT', path: `/api/items/${n}`, statusCode: 200, durationMs: 1 }).eventId,
        );
        const db = client.dbOperation({
          table: 'items',
          operation: 'UPDATE',
          recordId: n,
          before: { qty: n },
          after: { qty: n + 1 },
        });
        ids.push(db.eventId, ...db.changes.map((c) => c.eventId));
      });
    }, 20);

    try {
      await sleep(2000);
      await waitUntil(() => client.stats().sent > 0, 10_000, 'delivery while the exporter is up');

      await exporter.close();
      exporter = undefined;
      // Answers to requests that were in flight when it closed may still be on their way.
      await sleep(500);
      const sentWhenDown = client.stats().sent;
      await sleep(OUTAGE_SECONDS * 1000 - 500);
      const during = client.stats();
      assert.equal(during.sent, sentWhenDown, 'nothing acknowledged while the exporter was down');
      assert.ok(during.retries > 0, 'exports failed while the exporter was down');
      assert.ok(during.spooled > 0, 'records went to the spool');
      assert.ok(fs.readdirSync(spoolDir).some((f) => f.endsWith('.spool')));

      exporter = await start(port);
      await sleep(2000);
    } finally {
      clearInterval(traffic);
    }
    await waitUntil(
      () => client.stats().sent === ids.length,
      60_000,
      `all ${ids.length} records acknowledged`,
    );

    const stats = client.stats();
    assert.deepEqual({ failed: stats.failed, dropped: stats.dropped }, { failed: 0, dropped: 0 });
    const running = exporter;
    const rows = (
      await Promise.all(
        ['audit_request_log', 'audit_database_log', 'audit_change_log'].map((table) =>
          running.store.query<{ id: string }>(
            `SELECT toString(event_id) AS id FROM audit.${table} WHERE service = 'outage-e2e'`,
          ),
        ),
      )
    ).flat();
    const stored = new Map<string, number>();
    for (const { id } of rows) stored.set(id, (stored.get(id) ?? 0) + 1);
    assert.equal(ids.length, new Set(ids).size);
    assert.deepEqual(
      {
        emitted: ids.length,
        stored: rows.length,
        missing: ids.filter((id) => !stored.has(id)).length,
        duplicated: [...stored.values()].filter((count) => count > 1).length,
      },
      { emitted: ids.length, stored: ids.length, missing: 0, duplicated: 0 },
    );
    assert.ok(errors.some((e) => e.kind === 'retry'));
  },
);
