// Every administrative change writes its audit.admin record, from the CLI as from the API, and a
// change whose record cannot be written is not made (DESIGN §5; GB/T 22239-2019 8.1.5.2).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import type { ExporterModule } from '../modules.js';
import { complianceModule } from '../compliance/module.js';
import { EmbeddedStore } from '../store/embedded.js';
import { startTestExporter, tempDir } from '@auditlens/test-support';

const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));

function cli(
  args: string[],
  dataDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', AUDITLENS_DATA_DIR: dataDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface AdminRow {
  operation_name: string;
  result: string;
  http_method: string;
  url_path: string;
  target_id: string;
  user_id: string;
}

test('retention changes from the CLI exit 0 and each writes its audit.admin record', async () => {
  const dir = tempDir('admin-audit-cli');
  try {
    const set = await cli(
      [
        'retention',
        'set',
        '--table',
        'audit_request_log',
        '--module',
        'PAYMENT',
        '--online',
        '100',
        '--archive',
        '200',
      ],
      dir.path,
    );
    assert.equal(set.code, 0, set.stderr);
    const [created] = JSON.parse(set.stdout) as { id: string; archiveDays: number }[];
    assert.equal(created?.archiveDays, 200);
    const preset = await cli(['retention', 'preset', 'pci-dss-4'], dir.path);
    assert.equal(preset.code, 0, preset.stderr);
    const removed = await cli(['retention', 'delete', created.id], dir.path);
    assert.equal(removed.code, 0, removed.stderr);
    const reapply = await cli(['retention', 'reapply'], dir.path);
    assert.equal(reapply.code, 0, reapply.stderr);

    const store = new EmbeddedStore(join(dir.path, 'clickhouse'), 'audit');
    try {
      const rows = await store.query<AdminRow>(
        `SELECT operation_name, result, http_method, url_path, target_id, user_id FROM audit.audit_admin_log
         ORDER BY event_time, operation_name`,
      );
      const operations = rows.map((r) => r.operation_name);
      assert.ok(operations.includes('RETENTION_POLICY_CREATE'), operations.join());
      assert.ok(operations.includes('RETENTION_POLICY_DELETE'));
      assert.ok(operations.includes('RETENTION_REAPPLY'));
      assert.ok(
        rows.every((r) => r.result === 'success' && r.http_method === 'CLI' && r.user_id.startsWith('cli:')),
      );
      assert.deepEqual(
        rows.filter((r) => r.target_id === created.id).map((r) => [r.operation_name, r.url_path]),
        [
          ['RETENTION_POLICY_CREATE', 'auditlens retention set'],
          ['RETENTION_POLICY_UPDATE', 'auditlens retention preset pci-dss-4'],
          ['RETENTION_POLICY_DELETE', `auditlens retention delete ${created.id}`],
        ],
      );
    } finally {
      await store.close();
    }
  } finally {
    dir.remove();
  }
});

test('a change whose audit record cannot be written is not made; a failed change is recorded as failed', async () => {
  const dir = tempDir('admin-audit-api');
  const TOKEN = 'admin-audit-token';
  let refuseAdminRecords = false;
  // The admin table's inserts fail while refuseAdminRecords is set (the audit store refusing them).
  const failingAdminTable: ExporterModule = {
    name: 'failing-admin-table',
    start: ({ pipeline }) =>
      pipeline.useCommitHooks({
        beforeInsert: async (table) => {
          if (refuseAdminRecords && table === 'audit_admin_log')
            throw new Error('injected: admin table unavailable');
        },
      }),
  };
  const exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([[TOKEN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule(), failingAdminTable],
  });
  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${exporter.apiUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const policyIds = async (): Promise<string[]> =>
    (
      (await (await call('GET', '/retention-policies')).json()) as { policies: { id: string }[] }
    ).policies.map((p) => p.id);
  try {
    const before = await policyIds();
    const policy = { name: 'payments', table: 'audit_request_log', module: 'PAYMENT', retentionDays: 200 };
    refuseAdminRecords = true;
    assert.equal((await call('POST', '/retention-policies', policy)).status, 503);
    assert.deepEqual(await policyIds(), before, 'no policy created');
    const [stored] = await exporter.store.query<{ n: string }>(
      `SELECT count() AS n FROM audit.audit_retention_policy WHERE updated_by != 'migration'`,
    );
    assert.equal(Number(stored?.n), 0);

    refuseAdminRecords = false;
    const created = await call('POST', '/retention-policies', policy);
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as { id: string };
    assert.ok((await policyIds()).includes(id));

    // A change that fails after its record (the store refuses the mutation): recorded as failed.
    const original = exporter.store.query.bind(exporter.store);
    exporter.store.query = async <T>(sql: string, params?: Record<string, unknown>): Promise<T[]> => {
      if (sql.includes('retention_days !=')) throw new Error('injected: the store refused the mutation');
      return original<T>(sql, params);
    };
    assert.equal((await call('POST', '/retention/reapply', {})).status, 500);
    exporter.store.query = original;
    const records = await exporter.store.query<AdminRow>(
      `SELECT operation_name, result FROM audit.audit_admin_log WHERE operation_name IN ('RETENTION_POLICY_CREATE', 'RETENTION_REAPPLY')
       ORDER BY event_time`,
    );
    assert.deepEqual(
      records.map((r) => [r.operation_name, r.result]),
      [
        ['RETENTION_POLICY_CREATE', 'success'],
        ['RETENTION_REAPPLY', 'success'],
        ['RETENTION_REAPPLY', 'failure'],
      ],
    );
  } finally {
    await exporter.close();
    dir.remove();
  }
});
