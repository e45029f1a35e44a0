// `npm start` on a fresh data directory: within 60 s all five audit tables have rows and the
// request → db operation → field change chain is linked. Runs dist/start.js as a child process.
import { AUDIT_TABLES, KINDS } from '@auditlens/exporter';
import { EmbeddedStore } from '@auditlens/exporter/embedded';
import { tempDir } from '@auditlens/test-support';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const START = path.join(path.dirname(fileURLToPath(import.meta.url)), 'start.js');
/** The tables of the records applications send (not the exporter's own access log). */
const TABLES = AUDIT_TABLES.filter((table) => table !== KINDS.access.table);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

test(
  'npm start: within 60 s every audit table has rows and the request → db → field change chain is linked',
  { timeout: 120_000 },
  async () => {
    const dataDir = tempDir('demo-start');
    const startedAt = Date.now();
    const child = spawn(process.execPath, [START], {
      env: {
        ...process.env,
        AUDITLENS_DATA_DIR: dataDir.path,
        AUDITLENS_OTLP_PORT: String(await freePort()),
        AUDITLENS_API_PORT: String(await freePort()),
        AUDITLENS_OTLP_GRPC_PORT: String(await freePort()),
        DEMO_PORT: String(await freePort()),
        DEMO_STATUS_INTERVAL_MS: '1000',
        AUDITLENS_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The demo prints its row counts every second; wait until all five tables and the chain show up.
      const ready = await new Promise<string>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`not ready within 60 s:\n${output}`)),
          60_000 - (Date.now() - startedAt),
        );
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const statusLines = output.split('\n').filter((l) => l.startsWith('[status]'));
          const line = statusLines.find(
            (l) =>
              TABLES.every((t) => new RegExp(`${t.replace(/^audit_|_log$/g, '')}=[1-9]`).test(l)) &&
              l.includes('chain: trace'),
          );
          if (line) {
            clearTimeout(deadline);
            resolve(line);
          }
        });
        void exited.then((code) => reject(new Error(`demo exited (${code}) early:\n${output}`)));
      });
      assert.ok(Date.now() - startedAt < 60_000, ready);
      assert.match(output, /AuditLens demo is running/);
      assert.match(output, /OTLP receiver\s+http:\/\/127\.0\.0\.1:\d+\/v1\/logs/);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }

    // Independently of the demo's own report, read the store it left behind.
    const store = EmbeddedStore.inDataDir(dataDir.path, 'audit');
    const deadline = startedAt + 60_000;
    try {
      for (const table of TABLES) {
        const [row] = await store.query<{ n: string }>(
          `SELECT count() AS n FROM audit.${table}
          WHERE service = 'auditlens-demo' AND event_time <= fromUnixTimestamp64Milli({deadline:Int64})`,
          { deadline },
        );
        assert.ok(Number(row?.n) > 0, `${table} has rows within 60 s`);
      }
      const [profile] = await store.query<{ trace_id: string; span_id: string }>(
        `SELECT trace_id, span_id FROM audit.audit_request_log
        WHERE url_path = '/api/user/profile' AND http_method = 'PUT' AND status_code = 200 ORDER BY event_time LIMIT 1`,
      );
      assert.ok(profile, 'a profile update request');
      const dbOps = await store.query<{ id: string; span_id: string }>(
        `SELECT toString(event_id) AS id, span_id FROM audit.audit_database_log WHERE trace_id = {t:String} AND db_operation = 'UPDATE'`,
        { t: profile.trace_id },
      );
      assert.equal(dbOps.length, 1);
      assert.equal(dbOps[0]?.span_id, profile.span_id);
      const changes = await store.query<{ field_name: string; db_event: string; trace_id: string }>(
        `SELECT field_name, toString(db_event_id) AS db_event, trace_id FROM audit.audit_change_log WHERE db_event_id = toUUID({id:String})`,
        { id: dbOps[0]?.id ?? '' },
      );
      assert.ok(changes.length >= 1, 'field changes point at the db operation');
      assert.ok(changes.every((c) => c.trace_id === profile.trace_id && c.db_event === dbOps[0]?.id));
      assert.ok(changes.some((c) => c.field_name === 'email'));

      // The source's scenarios are all there.
      const [brute] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM audit.audit_security_log WHERE service = 'auditlens-demo' AND event_type = 'BRUTE_FORCE' AND mitre_technique = 'T1110'`,
      );
      assert.ok(Number(brute?.n) > 0, 'a brute-force event');
      const [system] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM audit.audit_admin_log WHERE service = 'auditlens-demo' AND tenant_id = '' AND module = 'SYSTEM_CONFIG'`,
      );
      assert.ok(Number(system?.n) > 0, 'a system initialisation without tenant');
      const [created] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM audit.audit_admin_log WHERE service = 'auditlens-demo' AND operation_name = 'CREATE_USER' AND target_type = 'USER'`,
      );
      assert.ok(Number(created?.n) > 0, 'an administrator created a user');
    } finally {
      await store.close();
      dataDir.remove();
    }
  },
);
