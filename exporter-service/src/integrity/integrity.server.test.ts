// Integrity, retention and reports in server mode: the exporter talks to ClickHouse over HTTP
// through @clickhouse/client (here the chdb-backed ClickHouse-HTTP test fixture), so rows read
// back come through the client's JSON, and mutations and parameters go through HTTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { complianceModule } from '../compliance/module.js';
import { archiveVolumeStatements, isPermissionError } from '../retention/storage.js';
import {
  startClickHouseHttp,
  type ClickHouseHttpFixture,
  postLogs,
  securityRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';
import type { VerifyResult } from './verify-result.js';

const ADMIN = 'server-admin';
const dir = tempDir('integrity-server');
let clickhouse: ClickHouseHttpFixture;
let exporter: RunningExporter;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

before(async () => {
  clickhouse = await startClickHouseHttp({ dataDir: dir.path, user: 'ingest', password: 's3cret' });
  exporter = await startTestExporter(dir.path, {
    clickhouse: { url: clickhouse.url, user: 'ingest', password: 's3cret' },
    apiTokens: new Map([[ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined },
    modules: [complianceModule()],
  });
  const base = Date.now() - 600_000;
  for (let batch = 0; batch < 2; batch++) {
    const records = Array.from({ length: 20 }, (_, i) =>
      securityRecord({
        tenant: 'srv',
        timeMs: base + batch * 60_000 + i * 1000,
        attributes: {
          'client.address': '2001:DB8::5',
          'audit.duration_ms': 0.1 * i,
          'audit.risk_level': 1 + (i % 4),
        },
      }),
    );
    assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  }
});

after(async () => {
  await exporter.close();
  await clickhouse.close();
  dir.remove();
});

test('server mode: rows read back through @clickhouse/client verify intact; an altered row is found', async () => {
  assert.equal(exporter.store.mode, 'server');
  const intact = (await api('GET', '/integrity/verify?tenant=srv')).body as unknown as VerifyResult;
  assert.equal(intact.ok, true, JSON.stringify(intact.problems));
  assert.equal(intact.rows, 40);
  assert.equal(intact.checkpoints, 2);
  const [row] = await exporter.store.query<{ id: string }>(
    "SELECT toString(event_id) AS id FROM audit.audit_security_log WHERE tenant_id = 'srv' ORDER BY event_time LIMIT 1",
  );
  assert.ok(row);
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE risk_level = 4 WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id: row.id },
  );
  const broken = (await api('GET', '/integrity/verify?tenant=srv')).body as unknown as VerifyResult;
  assert.deepEqual(
    broken.problems.map((p) => [p.kind, p.eventId]),
    [['row_altered', row.id]],
  );
});

test('server mode: retention re-apply and a report with the integrity gap', async () => {
  const reapplied = await api('POST', '/retention/reapply', { wait: true });
  assert.equal(reapplied.status, 200, JSON.stringify(reapplied.body));
  assert.equal((await api('POST', '/retention/archive')).status, 409, 'server mode archives by TTL');
  const report = await api('POST', '/reports', {
    tenant: 'srv',
    framework: 'pci-dss-4',
    period: 'custom',
    from: Date.now() - 3600_000,
    to: Date.now() + 60_000,
  });
  assert.equal(report.status, 201, JSON.stringify(report.body));
  const content = report.body.content as { controls: { id: string; status: string }[] };
  assert.equal(content.controls.find((c) => c.id === '10.3.4')?.status, 'gap');
});

test('least privilege: permission errors are recognised; archive-volume statements parse as ClickHouse SQL', async () => {
  assert.ok(
    isPermissionError(new Error('Code: 497. DB::Exception: ingest: Not enough privileges. (ACCESS_DENIED)')),
  );
  assert.ok(!isPermissionError(new Error('Code: 60. DB::Exception: Table audit.x does not exist')));
  const statements = archiveVolumeStatements('audit', {
    volume: 'cold',
    storagePolicy: 'tiered',
    cluster: 'auditlens',
  });
  assert.equal(statements.length, 12);
  for (const statement of statements) {
    const [parsed] = await exporter.store.query<{ sql: string }>(
      'SELECT formatQuery({statement:String}) AS sql',
      {
        statement,
      },
    );
    assert.match(parsed?.sql ?? '', /ON CLUSTER auditlens/);
  }
  assert.match(
    statements[1] ?? '',
    /TO VOLUME 'cold', toDateTime\(event_time\) \+ toIntervalDay\(retention_days\) WHERE retention_days <= 20000/,
  );
});
