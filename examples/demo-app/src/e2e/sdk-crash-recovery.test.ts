// End to end: a process using the SDK is killed (SIGKILL) while its records wait in the spool;
// the restarted process delivers them to the exporter, and ClickHouse holds each exactly once.
import { startExporter, type RunningExporter } from '@auditlens/exporter';
import { tempDir, startAuditChild } from '@auditlens/test-support';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

const dir = tempDir('sdk-crash');
let exporter: RunningExporter;

before(async () => {
  exporter = await startExporter(
    {
      dataDir: path.join(dir.path, 'data'),
      otlpPort: 0,
      otlpGrpcPort: 0,
      apiPort: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    },
    {},
  );
});
after(async () => {
  await exporter.close();
  dir.remove();
});

/** A local port nothing listens on: where the first process sends while "the backend is down". */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

test('SIGKILL with records spooled: the restarted process delivers them to ClickHouse exactly once', async () => {
  const spool = path.join(dir.path, 'spool');
  const first = startAuditChild({
    AUDIT_CHILD_MODE: 'spool',
    AUDIT_CHILD_ENDPOINT: `http://127.0.0.1:${await deadPort()}`,
    AUDIT_CHILD_SPOOL: spool,
    AUDIT_CHILD_RECORDS: '500',
  });
  const spooled = await first.next('spooled');
  first.child.kill('SIGKILL');
  assert.equal((await first.exited()).signal, 'SIGKILL');
  const ids = spooled.ids ?? [];
  assert.equal(ids.length, 500);

  const second = startAuditChild({
    AUDIT_CHILD_MODE: 'drain',
    AUDIT_CHILD_ENDPOINT: exporter.otlpUrl,
    AUDIT_CHILD_SPOOL: spool,
  });
  const drained = await second.next('drained');
  assert.equal((await second.exited()).code, 0);
  assert.equal(drained.stats?.recovered, 500);

  const rows = await exporter.store.query<{ id: string; n: string; tenant_id: string }>(
    `SELECT toString(event_id) AS id, count() AS n, any(tenant_id) AS tenant_id
       FROM audit.audit_request_log WHERE service = 'audit-child' GROUP BY event_id`,
  );
  const stored = new Map(rows.map((r) => [r.id, Number(r.n)]));
  assert.deepEqual(
    {
      stored: rows.length,
      missing: ids.filter((id) => !stored.has(id)).length,
      duplicated: rows.filter((r) => Number(r.n) !== 1).length,
    },
    { stored: 500, missing: 0, duplicated: 0 },
  );
  assert.ok(rows.every((r) => r.tenant_id === 'tenant_child'));
});
