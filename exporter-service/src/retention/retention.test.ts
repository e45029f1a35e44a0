// Retention: policies validated against the legal floor, presets, per-row retention at ingest,
// re-applied to stored rows, archiving that keeps verification intact, every change audited.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { complianceModule } from '../compliance/module.js';
import { postLogs, securityRecord, tempDir, startTestExporter } from '@auditlens/test-support';
import type { VerifyResult } from '../integrity/verify-result.js';
import {
  FOREVER_DAYS,
  PolicyError,
  policyMatches,
  presetById,
  raiseToPreset,
  rowRetention,
  validatePolicy,
  type RetentionPolicy,
} from './policies.js';

const ADMIN = 'retention-admin';
const READER = 'retention-reader';
const dir = tempDir('retention');
let exporter: RunningExporter;

function policy(overrides: Partial<RetentionPolicy>): RetentionPolicy {
  return {
    id: 'p',
    name: 'p',
    table: 'audit_security_log',
    module: 'ALL',
    riskLevel: null,
    retentionDays: 365,
    archiveDays: 2555,
    autoArchive: true,
    autoDelete: false,
    complianceRequirement: '',
    enabled: true,
    updatedAt: '',
    updatedBy: '',
    version: 1,
    ...overrides,
  };
}

async function api(method: string, path: string, body?: unknown, token = ADMIN) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
}

async function rowsOf(module: string): Promise<{ retention_days: number; online_days: number }[]> {
  return exporter.store.query(
    `SELECT retention_days, online_days FROM audit.audit_security_log WHERE tenant_id = 'ret' AND module = {module:String}`,
    { module },
  );
}

async function adminRecords(operation: string): Promise<Record<string, unknown>[]> {
  return exporter.store.query(
    `SELECT user_id, target_id, target_name, request_body, risk_level FROM audit.audit_admin_log
     WHERE tenant_id = '' AND operation_name = {operation:String}`,
    { operation },
  );
}

const send = async (module: string, count: number, timeMs = Date.now() - 60_000) => {
  const records = Array.from({ length: count }, (_, i) =>
    securityRecord({ tenant: 'ret', timeMs: timeMs + i, attributes: { 'audit.module': module } }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
};

before(async () => {
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [READER, { role: 'reader' as const, tenants: new Set(['*']) }],
    ]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule()],
  });
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('a policy below the legal floor is refused, naming the field and the law', () => {
  assert.throws(
    () => validatePolicy(policy({ retentionDays: 30, archiveDays: 90 }), 180),
    (error: Error) =>
      error instanceof PolicyError &&
      error.field === 'archiveDays' &&
      /90 days, below the legal floor of 180 days/.test(error.message) &&
      /Cybersecurity Law art\. 23\(3\)/.test(error.message),
  );
  assert.throws(
    () => validatePolicy(policy({ retentionDays: 100, archiveDays: null, autoArchive: false }), 180),
    /retentionDays/,
  );
  assert.throws(
    () => validatePolicy(policy({ retentionDays: 400, archiveDays: 300 }), 180),
    /archiveDays: 300 is shorter/,
  );
  assert.throws(
    () => validatePolicy(policy({ archiveDays: 30000, autoDelete: true }), 180),
    /at most 20000 days/,
  );
  validatePolicy(policy({ retentionDays: 30, archiveDays: null }), 180); // archived for ever
  validatePolicy(policy({ retentionDays: 30, archiveDays: 200 }), 180);
  assert.throws(() => validatePolicy(policy({ retentionDays: 30, archiveDays: 200 }), 365), /floor of 365/);
  assert.equal(loadConfig({ AUDITLENS_RETENTION_FLOOR_DAYS: '365' }).compliance.retentionFloorDays, 365);
});

test('row retention: online days move rows to the archive, deletion only with autoDelete', () => {
  assert.deepEqual(rowRetention(policy({})), { retentionDays: FOREVER_DAYS, onlineDays: 365 });
  assert.deepEqual(rowRetention(policy({ autoDelete: true })), { retentionDays: 2555, onlineDays: 365 });
  assert.deepEqual(rowRetention(policy({ autoArchive: false, autoDelete: true })), {
    retentionDays: 2555,
    onlineDays: FOREVER_DAYS,
  });
  const pci = presetById('pci-dss-4');
  assert.ok(pci);
  const raised = raiseToPreset(policy({ retentionDays: 30, archiveDays: 200 }), pci, 180);
  assert.deepEqual([raised.retentionDays, raised.archiveDays], [90, 365]);
});

test('the most specific policy wins: module name, then SENSITIVE/NORMAL, then ALL; risk means "and above"', () => {
  const named = policy({ module: 'PAYMENTS' });
  assert.ok(policyMatches(named, 'PAYMENTS', false, 1));
  assert.ok(!policyMatches(named, 'OTHER', false, 1));
  assert.ok(policyMatches(policy({ module: 'SENSITIVE', riskLevel: 3 }), 'X', true, 4));
  assert.ok(!policyMatches(policy({ module: 'SENSITIVE', riskLevel: 3 }), 'X', true, 2));
  assert.ok(policyMatches(policy({ module: 'NORMAL' }), 'X', false, 1));
  assert.ok(!policyMatches(policy({ module: 'NORMAL' }), 'X', true, 1));
});

test('API: list with floor and presets; below the floor → 400; readers cannot change; duplicates → 409', async () => {
  const list = await api('GET', '/retention-policies', undefined, READER);
  assert.equal(list.status, 200);
  assert.equal(list.body.floorDays, 180);
  assert.equal((list.body.policies as unknown[]).length, 8);
  assert.deepEqual(
    (list.body.presets as { id: string; minTotalDays: number; minOnlineDays: number }[]).map((p) => [
      p.id,
      p.minTotalDays,
      p.minOnlineDays,
    ]),
    [
      ['mlps3', 180, 0],
      ['pci-dss-4', 365, 90],
      ['soc2', 365, 0],
      ['iso27001', 180, 0],
    ],
  );
  const low = await api('POST', '/retention-policies', {
    name: 'too short',
    table: 'audit_security_log',
    module: 'PAYMENTS',
    retentionDays: 30,
    archiveDays: 90,
  });
  assert.equal(low.status, 400);
  assert.match(String(low.body.error), /^archiveDays: .*below the legal floor of 180 days/);
  const badTable = await api('POST', '/retention-policies', {
    name: 'x',
    table: 'users',
    retentionDays: 400,
  });
  assert.equal(badTable.status, 400);
  assert.match(String(badTable.body.error), /table/);
  const asReader = await api(
    'POST',
    '/retention-policies',
    { name: 'x', table: 'audit_security_log', retentionDays: 400 },
    READER,
  );
  assert.equal(asReader.status, 403);
  const duplicate = await api('POST', '/retention-policies', {
    name: 'again',
    table: 'audit_security_log',
    module: 'ALL',
    retentionDays: 400,
  });
  assert.equal(duplicate.status, 409);
  assert.equal((await adminRecords('RETENTION_POLICY_CREATE')).length, 0, 'refused changes change nothing');
});

test('a new policy is audited, applied to new rows at ingest, and re-applied to stored rows', async () => {
  await send('PAYMENTS', 5);
  assert.deepEqual(
    await rowsOf('PAYMENTS'),
    Array(5).fill({ retention_days: FOREVER_DAYS, online_days: 2555 }),
  );
  const created = await api('POST', '/retention-policies', {
    name: 'Payments (PCI DSS)',
    table: 'audit_security_log',
    module: 'PAYMENTS',
    retentionDays: 90,
    archiveDays: 400,
    autoDelete: true,
    complianceRequirement: 'PCI DSS v4.0 10.5.1',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = String(created.body.id);
  assert.deepEqual(created.body.effective, { totalDays: 400, onlineDays: 90, deleteDays: 400 });
  const [record] = await adminRecords('RETENTION_POLICY_CREATE');
  assert.equal(record?.target_id, id);
  assert.equal(record?.risk_level, 3);
  assert.equal(JSON.parse(String(record?.request_body)).after.retentionDays, 90);

  await send('PAYMENTS', 3);
  const rows = await rowsOf('PAYMENTS');
  assert.equal(rows.filter((r) => r.retention_days === 400 && r.online_days === 90).length, 3, 'new rows');
  const reapplied = await api('POST', '/retention/reapply', { wait: true });
  assert.equal(reapplied.status, 200);
  const security = (reapplied.body.tables as { table: string; rows: number }[]).find(
    (t) => t.table === 'audit_security_log',
  );
  assert.equal(security?.rows, 5, 'the five older rows are re-timed');
  assert.deepEqual(await rowsOf('PAYMENTS'), Array(8).fill({ retention_days: 400, online_days: 90 }));
  assert.equal((await adminRecords('RETENTION_REAPPLY')).length, 1);

  const updated = await api('PUT', `/retention-policies/${id}`, {
    name: 'Payments (PCI DSS)',
    table: 'audit_security_log',
    module: 'PAYMENTS',
    retentionDays: 60,
    archiveDays: 400,
    autoDelete: true,
  });
  assert.equal(updated.status, 200);
  const preset = await api('POST', '/retention-policies/presets/pci-dss-4');
  assert.equal(preset.status, 200);
  assert.deepEqual(
    (preset.body.changed as { id: string; retentionDays: number }[]).map((p) => [p.id, p.retentionDays]),
    [[id, 90]],
  );
  assert.equal((await adminRecords('RETENTION_POLICY_UPDATE')).length, 2);
  assert.equal((await api('POST', '/retention-policies/presets/hipaa')).status, 404);
  assert.equal((await api('DELETE', `/retention-policies/${id}`)).status, 204);
  assert.equal((await api('GET', `/retention-policies/${id}`)).status, 404);
  assert.equal((await adminRecords('RETENTION_POLICY_DELETE')).length, 1);
});

test('archiving moves rows past their online days to the archive table; they still verify', async () => {
  const created = await api('POST', '/retention-policies', {
    name: 'Short online tier',
    table: 'audit_security_log',
    module: 'ARCHTEST',
    retentionDays: 1,
    archiveDays: 400,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await send('ARCHTEST', 6, Date.now() - 3 * 86_400_000);
  await send('ARCHTEST', 2); // inside their online day: stay
  const archived = await api('POST', '/retention/archive');
  assert.equal(archived.status, 200);
  assert.deepEqual(archived.body.moved, [{ table: 'audit_security_log', moved: 6 }]);
  const status = await api('GET', '/retention/status?tenant=ret', undefined, READER);
  assert.equal(status.status, 200);
  const security = (
    status.body.tables as { table: string; online: { rows: number }; archive: { rows: number } }[]
  ).find((t) => t.table === 'audit_security_log');
  assert.equal(security?.archive.rows, 6);
  assert.equal(security?.online.rows, 10);
  const verified = await api('GET', '/integrity/verify?tenant=ret', undefined, READER);
  const result = verified.body as unknown as VerifyResult;
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.rows, 16 + 1, 'archived rows are verified too (plus the status read)');
  assert.equal((await adminRecords('RETENTION_ARCHIVE')).length, 1);
  const none = await api('POST', '/retention/archive');
  assert.deepEqual(none.body.moved, []);
  const system = await api('GET', '/integrity/verify?tenant=@system', undefined, READER);
  assert.equal((system.body as unknown as VerifyResult).ok, true, 'the admin records are sealed as well');
});
