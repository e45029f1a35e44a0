// Storage growth (source 004, issue 20): snapshots of bytes and rows per table and tenant taken
// from the real store, read through the API per tenant and across tenants, the forecast of when
// the disk fills, and the built-in rule that fires before it does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { alertingModule } from '../alerts/module.js';
import type { RunningExporter } from '../exporter.js';
import { formatTime } from '../mapping/fields.js';
import { at, postLogs, securityRecord, tempDir, startTestExporter, waitUntil } from '@auditlens/test-support';
import { forecastDiskFull, storageWarning } from './forecast.js';
import { storageGrowthModule } from './module.js';

const OPERATOR = 'storage-operator-token';
const ACME = 'storage-acme-token';
const GIB = 1024 ** 3;
const DAY_MS = 86_400_000;
const dirs = [tempDir('storage-growth'), tempDir('storage-forecast')];
let live: RunningExporter;
let liveOpen = false;
let seeded: RunningExporter | undefined;

const apiTokens = new Map([
  [OPERATOR, { role: 'admin' as const, tenants: new Set(['*']) }],
  [ACME, { role: 'reader' as const, tenants: new Set(['acme']) }],
]);

async function api(exporter: RunningExporter, path: string, token = OPERATOR) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Point {
  table: string;
  tenant: string;
  rows: number;
  bytes: number;
}

before(async () => {
  // Snapshots every 0.6 s; "nearly full" at 1% used, which the test machine's disk is.
  live = await startTestExporter(at(dirs, 0).path, {
    modules: [alertingModule(), storageGrowthModule()],
    storageGrowth: { snapshotMinutes: 0.01, alertDays: 30, alertPercent: 1 },
    apiTokens,
  });
  liveOpen = true;
});

after(async () => {
  if (liveOpen) await live.close();
  await seeded?.close();
  for (const dir of dirs) dir.remove();
});

test('snapshots measure rows and bytes per table and tenant; a tenant sees its own, * sees all and the disk', async () => {
  // Logouts: no built-in rule raises security events of its own on them.
  const logout = { 'audit.security.event_type': 'LOGOUT' };
  const records = [
    ...Array.from({ length: 30 }, () => securityRecord({ tenant: 'acme', attributes: logout })),
    ...Array.from({ length: 10 }, () => securityRecord({ tenant: 'globex', attributes: logout })),
  ];
  assert.equal((await postLogs(live.otlpUrl, records)).status, 200);
  let points: Point[] = [];
  await waitUntil(
    async () => {
      const { body } = await api(live, '/storage/growth?tenant=*&from=now-1h');
      points = body.points as Point[];
      const rows = (tenant: string) =>
        points.find((p) => p.table === 'audit_security_log' && p.tenant === tenant)?.rows;
      return rows('acme') === 30 && rows('globex') === 10;
    },
    60_000,
    'a snapshot with the security records of acme and globex',
  );
  const acme = points.find((p) => p.table === 'audit_security_log' && p.tenant === 'acme');
  const globex = points.find((p) => p.table === 'audit_security_log' && p.tenant === 'globex');
  assert.ok(acme && globex && acme.bytes > 0 && globex.bytes > 0);
  assert.ok(acme.bytes > globex.bytes, 'bytes apportioned by rows');
  assert.ok(
    points.some((p) => p.table === 'audit_integrity_checkpoint' || p.table === 'schema_migrations'),
    'tables not kept per tenant appear as *',
  );
  const all = await api(live, '/storage/growth?tenant=*&from=now-1h');
  const forecast = all.body.forecast as {
    diskTotalBytes: number;
    diskFreeBytes: number;
    databaseBytes: number;
  };
  assert.ok(forecast.diskTotalBytes > 0 && forecast.diskFreeBytes > 0 && forecast.databaseBytes > 0);

  const own = await api(live, '/storage/growth?tenant=acme&from=now-1h', ACME);
  assert.equal(own.status, 200);
  assert.deepEqual([...new Set((own.body.points as Point[]).map((p) => p.tenant))], ['acme']);
  assert.equal(own.body.forecast, null, 'disk figures are the platform operators');
  assert.equal((await api(live, '/storage/growth?tenant=*', ACME)).status, 403);
  assert.equal((await api(live, '/storage/growth?tenant=globex', ACME)).status, 403);
  const unknown = await api(live, '/storage/growth?tenant=*&period=1h');
  assert.equal(unknown.status, 400);
});

test('a disk past the threshold raises STORAGE_EXHAUSTION and the built-in rule fires', async () => {
  await waitUntil(
    async () => {
      const { body } = await api(live, '/alerts?tenant=@system');
      return (body.instances as { ruleId: string }[]).some((i) => i.ruleId === 'builtin.storage-exhaustion');
    },
    60_000,
    'the storage-exhaustion alert',
  );
  const [event] = await live.store.query<{
    description: string;
    target_resource: string;
    risk_level: number;
  }>(
    `SELECT description, target_resource, risk_level FROM audit.audit_security_log
     WHERE tenant_id = '' AND event_type = 'STORAGE_EXHAUSTION' LIMIT 1`,
  );
  assert.match(String(event?.description), /disk is [\d.]+% full \(threshold 1%\)/);
  assert.equal(event?.target_resource, 'database audit');
});

test('the forecast: growth per day over the stored snapshots, and when the free space runs out', async () => {
  // An exporter without snapshots of its own (one embedded store per process: the live one closes
  // first), its history written by the test: four days of hourly snapshots, the database growing
  // by 2 GiB a day, 10 GiB left at the end.
  await live.close();
  liveOpen = false;
  seeded = await startTestExporter(at(dirs, 1).path, {
    modules: [storageGrowthModule()],
    storageGrowth: { snapshotMinutes: 0, alertDays: 30, alertPercent: 90 },
    apiTokens,
  });
  const seededExporter = seeded;
  const now = Date.now();
  const hours = 4 * 24;
  const lines = Array.from({ length: hours + 1 }, (_, i) => {
    const at = now - (hours - i) * 3_600_000;
    const database = 100 * GIB + (2 * GIB * (at - (now - hours * 3_600_000))) / DAY_MS;
    return JSON.stringify({
      taken_at: formatTime(at).slice(0, 19),
      table_name: 'audit_request_log',
      tenant_id: 'acme',
      row_count: 1000 + i,
      bytes_on_disk: Math.round(database),
      database_bytes: Math.round(database),
      disk_free_bytes: Math.round(18 * GIB - (database - 100 * GIB)),
      disk_total_bytes: 200 * GIB,
    });
  });
  await seededExporter.store.insertJsonLines('audit_storage_snapshot', lines.join('\n'));
  const { status, body } = await api(seededExporter, '/storage/growth?tenant=*&from=now-5d&to=now');
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.stepMs, 3_600_000);
  assert.equal((body.points as unknown[]).length, hours + 1);
  const forecast = body.forecast as {
    bytesPerDay: number;
    daysLeft: number;
    fullAt: string;
    basis: { snapshots: number };
  };
  assert.ok(Math.abs(forecast.bytesPerDay / GIB - 2) < 0.01, String(forecast.bytesPerDay / GIB));
  assert.ok(Math.abs(forecast.daysLeft - 5) < 0.05, String(forecast.daysLeft));
  assert.ok(Math.abs(Date.parse(forecast.fullAt) - (now + 5 * DAY_MS)) < DAY_MS / 10);
  assert.equal(forecast.basis.snapshots, hours + 1);
  const daily = await api(seededExporter, '/storage/growth?tenant=*&from=now-30d&to=now');
  assert.equal(daily.body.stepMs, DAY_MS);
  assert.ok((daily.body.points as unknown[]).length <= 6);
});

test('when to warn: nearly full, or full within the configured days; not when shrinking or too little history', () => {
  const point = (atMs: number, databaseBytes: number, free: number) => ({
    atMs,
    databaseBytes,
    diskFreeBytes: free,
    diskTotalBytes: 100 * GIB,
  });
  const growing = forecastDiskFull([point(0, 10 * GIB, 20 * GIB), point(DAY_MS, 14 * GIB, 16 * GIB)]);
  assert.ok(growing);
  assert.equal(growing.daysLeft, 4);
  assert.match(String(storageWarning(growing, { alertDays: 7, alertPercent: 90 })), /fills in 4\.0 days/);
  assert.equal(storageWarning(growing, { alertDays: 3, alertPercent: 90 }), undefined);
  assert.match(String(storageWarning(growing, { alertDays: 3, alertPercent: 80 })), /84\.0% full/);
  const shrinking = forecastDiskFull([point(0, 14 * GIB, 16 * GIB), point(DAY_MS, 10 * GIB, 20 * GIB)]);
  assert.equal(shrinking?.daysLeft, null);
  assert.equal(shrinking?.fullAt, null);
  const young = forecastDiskFull([point(0, 10 * GIB, 20 * GIB), point(60_000, 11 * GIB, 19 * GIB)]);
  assert.equal(young?.bytesPerDay, null, 'a minute of history is no trend');
  assert.equal(forecastDiskFull([]), undefined);
});
