// Tampering alerts someone: the exporter verifies on a schedule; a failure writes an audit.security
// record (INTEGRITY_VIOLATION) that the built-in rule turns into a firing alert, and the compliance
// report counts it as a finding. An intact tenant raises nothing.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { alertingModule } from '../alerts/module.js';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import type { ReportContent } from '../reports/generate.js';
import { complianceModule } from '../compliance/module.js';
import { startTestExporter, postLogs, securityRecord, tempDir } from '@auditlens/test-support';

const dir = tempDir('scheduled-verification');
const TOKEN = 'scheduled-verification-admin';
let exporter: RunningExporter;
const base = Date.now() - 30 * 60_000;

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Polls until `check` returns a value (bounded: 30 s, then the test fails). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([[TOKEN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: {
      ...loadConfig({}).compliance,
      reportSchedule: undefined,
      archiveIntervalMinutes: 0,
      verifyIntervalMinutes: 0.01, // every 600 ms
      verifyWindowHours: 2,
      verifyTenants: ['acme', 'intact'],
    },
    modules: [complianceModule(), alertingModule()],
  });
  for (const tenant of ['acme', 'intact']) {
    const records = Array.from({ length: 5 }, (_, i) =>
      securityRecord({
        tenant,
        timeMs: base + i * 1000,
        attributes: { 'audit.security.event_type': 'LOGOUT' },
      }),
    );
    assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  }
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('a tampered row raises an INTEGRITY_VIOLATION security event and a firing built-in alert; the report shows it', async () => {
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE user_id = 'mallory'
     WHERE tenant_id = 'acme' AND event_type = 'LOGOUT' AND event_time = {t:DateTime64(3, 'UTC')}
     SETTINGS mutations_sync = 2`,
    { t: new Date(base + 2000).toISOString().replace('T', ' ').slice(0, 23) },
  );
  const violation = await eventually('the violation record', async () => {
    const [row] = await exporter.store.query<{
      description: string;
      risk_level: number;
      target_resource: string;
    }>(
      `SELECT description, risk_level, target_resource FROM audit.audit_security_log
       WHERE tenant_id = 'acme' AND event_type = 'INTEGRITY_VIOLATION' LIMIT 1`,
    );
    return row;
  });
  assert.equal(Number(violation.risk_level), 4);
  assert.equal(violation.target_resource, 'audit_security_log');
  assert.match(
    violation.description,
    /found 1 problems; first: row_altered in audit_security_log checkpoint 1/,
  );

  const firing = await eventually('the firing alert', async () => {
    const body = await api('/alerts?tenant=acme&rule=builtin.integrity-violation');
    const instances = body.instances as { state: string; severity: number; summary: string }[];
    return instances.find((i) => i.state === 'firing');
  });
  assert.equal(firing.severity, 4);
  assert.match(firing.summary, /integrity verification failed for audit_security_log/);

  // The intact tenant raised nothing.
  const [intact] = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = 'intact' AND event_type = 'INTEGRITY_VIOLATION'`,
  );
  assert.equal(Number(intact?.n), 0);

  const report = await api('/reports', {
    method: 'POST',
    body: JSON.stringify({
      tenant: 'acme',
      framework: 'mlps3',
      period: 'custom',
      from: base - 60_000,
      to: Date.now() + 60_000,
    }),
  });
  const integrity = (report.content as ReportContent).checks.integrity;
  assert.equal(integrity?.status, 'gap');
  assert.match(
    integrity?.summary ?? '',
    /the scheduled verification raised \d+ integrity violations in the period/,
  );
});
