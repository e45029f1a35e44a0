// Compliance reports end to end: a tenant's records, alert rules and triage states; a report per
// framework with statuses computed from the data; storage, listing, PDF and CSV export, access
// records; the daily schedule; the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AccessLog } from '../api/access-log.js';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { BUILTIN_RULES } from '../alerts/builtin.js';
import { formatTime } from '../mapping/fields.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { InternalRecorder } from '../ingest/internal-records.js';
import { createLogger } from '../logger.js';
import { ExporterMetrics } from '../metrics.js';
import { selfAuditModule } from '../self-audit/self-audit.js';
import {
  postLogs,
  securityRecord,
  type TestRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';
import type { ReportContent } from './generate.js';
import { complianceModule } from '../compliance/module.js';
import { periodContaining, previousPeriod, resolvePeriod } from './periods.js';
import { ComplianceRuntime } from '../compliance/runtime.js';
import { ReportScheduler } from './scheduler.js';

const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));
const ADMIN = 'reports-admin';
const READER = 'reports-reader-acme';
const dir = tempDir('reports');
let exporter: RunningExporter;
const now = Date.now();
const from = now - 35 * 60_000;
const to = now + 5 * 60_000;
const reports = new Map<string, { id: string; sha256: string; content: ReportContent }>();
const timings: Record<string, number> = {};

async function api(method: string, path: string, body?: unknown, token = ADMIN) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response;
}

async function json(method: string, path: string, body?: unknown, token = ADMIN) {
  const response = await api(method, path, body, token);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const uid = (): string => randomUUID();
const at = (minutesAgo: number): number => now - minutesAgo * 60_000;

/** A day of a small application: logins, requests → db operations → field changes, admin work. */
function records(): TestRecord[] {
  const list: TestRecord[] = [];
  const user = (i: number) => ({
    'user.id': `u-${i % 4}`,
    'user.name': `user${i % 4}`,
    'client.address': `192.0.2.${i % 5}`,
  });
  for (let i = 0; i < 30; i++) {
    const minute = 30 - i;
    const traceId = randomBytes(16).toString('hex');
    const dbId = uid();
    list.push(
      {
        eventName: 'audit.request',
        timeMs: at(minute),
        traceId,
        attributes: {
          ...user(i),
          'log.record.uid': uid(),
          'audit.tenant_id': 'acme',
          'http.request.method': i % 3 === 0 ? 'PUT' : 'GET',
          'url.path': `/orders/${i}`,
          'http.response.status_code': i % 10 === 0 ? 403 : 200,
          'audit.duration_ms': i === 7 ? 40_000 : 20 + i,
          'audit.operation': i % 3 === 0 ? 'UPDATE_ORDER' : 'VIEW_ORDER',
        },
      },
      {
        eventName: 'audit.db_operation',
        timeMs: at(minute) + 10,
        traceId,
        attributes: {
          ...user(i),
          'log.record.uid': dbId,
          'audit.tenant_id': 'acme',
          'db.collection.name': 'orders',
          'db.operation.name': 'UPDATE',
          'audit.operation': 'UPDATE_ORDER',
        },
      },
    );
    if (i % 5 === 0) {
      list.push({
        eventName: 'audit.field_change',
        timeMs: at(minute) + 20,
        traceId,
        attributes: {
          ...user(i),
          'log.record.uid': uid(),
          'audit.tenant_id': 'acme',
          'db.collection.name': 'orders',
          'audit.change.record_id': String(i),
          'audit.change.field': 'status',
          'audit.change.type': 'UPDATE',
          'audit.change.db_event_id': i === 25 ? uid() : dbId, // one orphan (§6.2)
          'audit.operation': 'UPDATE_ORDER',
        },
      });
    }
  }
  // A request without user information (§6.2 missing_user_info).
  list.push({
    eventName: 'audit.request',
    timeMs: at(12),
    attributes: {
      'log.record.uid': uid(),
      'audit.tenant_id': 'acme',
      'http.request.method': 'GET',
      'url.path': '/health',
      'client.address': '192.0.2.9',
    },
  });
  const security = (type: string, minute: number, extra: Record<string, unknown> = {}) =>
    securityRecord({
      tenant: 'acme',
      timeMs: at(minute),
      attributes: { 'audit.security.event_type': type, 'user.id': 'u-1', 'user.name': 'user1', ...extra },
    });
  list.push(
    security('LOGIN_SUCCESS', 29),
    security('LOGIN_FAILED', 28, { 'audit.result': 'failure' }),
    security('LOGOUT', 27),
    security('PERMISSION_DENIED', 20, { 'audit.result': 'denied' }),
    security('PRIVILEGE_CHANGE', 15, { 'audit.risk_level': 3 }),
    security('SUSPICIOUS_ACTIVITY', 10, { 'audit.risk_level': 4 }),
  );
  for (const [operation, minute, target] of [
    ['GRANT_ROLE', 25, 'ROLE'],
    ['CREATE_USER', 18, 'USER'],
    ['UPDATE_CONFIG', 8, 'SYSTEM'],
  ] as const) {
    list.push({
      eventName: 'audit.admin',
      timeMs: at(minute),
      attributes: {
        'log.record.uid': uid(),
        'audit.tenant_id': 'acme',
        'audit.operation': operation,
        'audit.admin.target_type': target,
        'audit.admin.target_id': '42',
        'user.id': 'admin-1',
        'user.name': 'admin',
        'client.address': '192.0.2.1',
        'audit.risk_level': 3,
      },
    });
  }
  return list;
}

async function generate(framework: string, token = READER) {
  const started = performance.now();
  const response = await json(
    'POST',
    '/reports',
    { tenant: 'acme', framework, period: 'custom', from, to },
    token,
  );
  timings[framework] = performance.now() - started;
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const report = response.body as unknown as { id: string; sha256: string; content: ReportContent };
  reports.set(framework, report);
  return report.content;
}

const statusOf = (content: ReportContent, control: string) =>
  content.controls.find((c) => c.id === control)?.status;

before(async () => {
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [READER, { role: 'reader' as const, tenants: new Set(['acme']) }],
    ]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule(), selfAuditModule()],
  });
  const batch = records();
  assert.equal((await postLogs(exporter.otlpUrl, batch.slice(0, 40))).status, 200);
  assert.equal((await postLogs(exporter.otlpUrl, batch.slice(40))).status, 200);
  // Someone reads the tenant's audit data (logged as audit.access).
  assert.equal((await api('GET', '/search?tenant=acme&limit=5', undefined, READER)).status, 200);
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('periods: daily, ISO weekly, monthly, quarterly, annual in a fixed-offset zone; bad input names the field', () => {
  const t = Date.parse('2026-01-01T02:30:00Z'); // 10:30 on 1 January in UTC+8
  assert.equal(periodContaining('daily', t, 480).label, '2026-01-01');
  assert.equal(new Date(periodContaining('daily', t, 480).startMs).toISOString(), '2025-12-31T16:00:00.000Z');
  assert.equal(periodContaining('daily', t, 0).label, '2026-01-01');
  assert.equal(periodContaining('weekly', t, 0).label, '2026-W01');
  assert.equal(periodContaining('weekly', Date.parse('2027-01-01T00:00:00Z'), 0).label, '2026-W53');
  assert.equal(periodContaining('monthly', t, -300).label, '2025-12');
  assert.equal(periodContaining('quarterly', Date.parse('2026-05-17T00:00:00Z')).label, '2026-Q2');
  assert.equal(periodContaining('annual', t).label, '2026');
  assert.equal(previousPeriod('daily', t, 480).label, '2025-12-31');
  assert.throws(() => resolvePeriod('custom', { from: t }, 0), /^PeriodError: to: required/);
  assert.throws(() => resolvePeriod('daily', { from: t }, 0), /from: only for a custom period/);
  assert.throws(() => resolvePeriod('custom', { from: t, to: t - 1 }, 0), /from: must be before to/);
});

test('the built-in rule pack is the alert evidence, with its firings; all disabled it is a gap; an untriaged event is one', async () => {
  // One firing of a built-in rule in the period (the alert history).
  await exporter.store.insertJsonLines(
    'audit_alert_event',
    JSON.stringify({
      tenant_id: 'acme',
      rule_id: 'builtin.brute-force-ip',
      group_key: '192.0.2.1',
      transition: 'fired',
      severity: 3,
      event_time: formatTime(at(5)),
      event_ids: [],
      security_event_id: uid(),
      details: '{}',
    }),
  );
  const soc2 = await generate('soc2');
  const alerts = soc2.checks['alerts:failed_login,high_risk,silence'];
  assert.equal(alerts?.status, 'met', alerts?.summary);
  assert.match(
    alerts?.summary ?? '',
    new RegExp(
      `${BUILTIN_RULES.length} enabled rules apply \\(${BUILTIN_RULES.length} built-in, 0 custom\\).*; 1 alerts fired`,
    ),
  );
  const failedLogin = (alerts?.data.categories as Record<string, { id: string; firingsInPeriod: number }[]>)
    .failed_login;
  assert.equal(failedLogin?.find((r) => r.id === 'builtin.brute-force-ip')?.firingsInPeriod, 1);
  assert.equal(statusOf(soc2, 'CC7.2'), 'met');
  for (const [framework, controls] of [
    ['mlps3', ['8.1.4.3 d)', '8.1.5.4']],
    ['pci-dss-4', ['10.4.1', '10.7.2']],
  ] as const) {
    const content = await generate(framework);
    for (const control of controls) {
      const checks = content.controls.find((c) => c.id === control)?.checks ?? [];
      for (const check of checks.filter((c) => c.startsWith('alerts:')))
        assert.equal(content.checks[check]?.status, 'met', `${framework} ${control} ${check}`);
    }
  }
  // Every built-in disabled (stored over the pack): no rule is in force, a gap.
  const store = (enabled: boolean, version: number) =>
    exporter.store.insertJsonLines(
      'audit_alert_rule',
      BUILTIN_RULES.map((rule) =>
        JSON.stringify({
          id: rule.id,
          tenant_scope: rule.tenant,
          name: rule.name,
          definition: JSON.stringify({ ...rule, enabled }),
          enabled,
          version,
        }),
      ).join('\n'),
    );
  await store(false, 1);
  const disabled = await generate('soc2');
  assert.equal(disabled.status, 'gap');
  const none = disabled.checks['alerts:failed_login,high_risk,silence'];
  assert.equal(none?.status, 'gap');
  assert.match(
    none?.summary ?? '',
    /no enabled rule for: failed login, high risk, silence \(0 enabled rules apply\)/,
  );
  assert.equal(statusOf(disabled, 'CC7.3'), 'gap');
  assert.match(disabled.checks.triage?.summary ?? '', /0 of 2 high-risk/);
  await store(true, 2);
});

test('with alert rules and triage, MLPS 2.0 level 3 and PCI DSS v4.0 are met; the source figures are computed', async () => {
  const rules = [
    {
      id: 't.brute',
      name: 'Brute force',
      kind: 'threshold',
      tenant: '*',
      eventType: 'BRUTE_FORCE',
      filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    },
    {
      id: 't.priv',
      name: 'Privilege change',
      kind: 'match',
      tenant: '*',
      filter: [{ field: 'event_type', op: '=', value: 'PRIVILEGE_CHANGE' }],
    },
    {
      id: 't.risk',
      name: 'High-risk burst',
      kind: 'threshold',
      tenant: 'acme',
      filter: [{ field: 'risk_level', op: 'range', min: 3 }],
    },
    { id: 't.silence', name: 'Pipeline silence', kind: 'silence', tenant: '*', filter: [] },
    { id: 't.other', name: 'Other tenant', kind: 'silence', tenant: 'globex', enabled: true, filter: [] },
  ];
  await exporter.store.insertJsonLines(
    'audit_alert_rule',
    rules
      .map((r) =>
        JSON.stringify({
          id: r.id,
          tenant_scope: r.tenant,
          name: r.name,
          definition: JSON.stringify(r),
          enabled: true,
          version: 1,
        }),
      )
      .join('\n'),
  );
  const highRisk = await exporter.store.query<{ id: string }>(
    "SELECT toString(event_id) AS id FROM audit.audit_security_log WHERE tenant_id = 'acme' AND risk_level >= 3",
  );
  assert.equal(highRisk.length, 2);
  await exporter.store.insertJsonLines(
    'audit_security_event_status',
    highRisk
      .map((r) => JSON.stringify({ tenant_id: 'acme', event_id: r.id, status: 'HANDLED', changed_by: 'soc' }))
      .join('\n'),
  );

  const mlps = await generate('mlps3');
  // Every report names the legal floor in force and where it was set.
  assert.deepEqual(mlps.retentionFloor, {
    days: 180,
    statutoryMinimumDays: 180,
    setBy: 'statutory minimum (default)',
    basis: 'China Cybersecurity Law art. 23(3): network logs kept no less than six months',
  });
  assert.deepEqual(
    mlps.controls.map((c) => [c.id, c.status]),
    [
      ['8.1.4.3 a)', 'met'],
      ['8.1.4.3 b)', 'met'],
      ['8.1.4.3 c)', 'met'],
      ['8.1.4.3 d)', 'met'],
      ['8.1.4.7', 'met'],
      ['8.1.5.2', 'met'],
      ['8.1.5.4', 'met'],
      ['CSL 23(3)', 'met'],
    ],
    JSON.stringify(mlps.checks, null, 1),
  );
  // The source's report figures.
  const s = mlps.summary;
  assert.equal(s.total, 30 + 30 + 6 + 1 + 6 + 3);
  assert.equal(s.failed, 3 + 1 + 1, 'three 403s, a failed login, a denied permission');
  assert.equal(s.highRisk, 2 + 3, 'two security events, three admin operations');
  assert.equal(s.uniqueUsers, 6);
  assert.ok(Math.abs(s.errorRate - 5 / 76) < 1e-9);
  assert.equal(s.byKind.request, 31);
  assert.ok(s.byAction.some((a) => a.action === 'UPDATE_ORDER'));
  assert.deepEqual(mlps.anomalies, {
    missingUserInfo: 1,
    excessiveResponseTime: 1,
    orphanedFieldChanges: 1,
    unlinkedFieldChanges: 0,
    dataOperationsWithoutRequest: 0,
    changingRequestsWithoutDataOperation: 0,
    slowResponseMs: 30_000,
  });
  const integrity = mlps.checks.integrity;
  assert.equal(integrity?.status, 'met');
  assert.equal(integrity?.data.ok, true);
  // The report says which period its integrity verification covered: the report's own.
  assert.deepEqual(
    [integrity?.data.verifiedFrom, integrity?.data.verifiedTo],
    [mlps.period.start, mlps.period.end],
  );
  assert.match(
    integrity?.summary ?? '',
    new RegExp(`verified ${mlps.period.start} – ${mlps.period.end}: intact$`),
  );

  const pci = await generate('pci-dss-4');
  assert.equal(pci.status, 'met', JSON.stringify(pci.controls.filter((c) => c.status !== 'met')));
  assert.equal(pci.controls.length, 16);
  assert.equal(statusOf(pci, '10.2.1.6'), 'met', 'the exporter’s own start is recorded');
  assert.match(pci.checks.retention?.summary ?? '', /kept ≥ 365 days, ≥ 90 days immediately available/);
  assert.equal(statusOf(await generate('soc2'), 'CC7.3'), 'met');
});

test('request ↔ data-operation consistency (source §6.1.2): both directions counted, in the report and its CSV', async () => {
  const trace = () => randomBytes(16).toString('hex');
  const linked = trace();
  const record = (eventName: string, traceId: string, attributes: Record<string, unknown>): TestRecord => ({
    eventName,
    timeMs: at(3),
    traceId,
    attributes: {
      'log.record.uid': uid(),
      'audit.tenant_id': 'consistency',
      'user.id': 'u-9',
      ...attributes,
    },
  });
  const request = (method: string, status: number) => ({
    'http.request.method': method,
    'url.path': '/orders',
    'http.response.status_code': status,
  });
  const operation = { 'db.collection.name': 'orders', 'db.operation.name': 'UPDATE' };
  const batch = [
    record('audit.request', linked, request('PUT', 200)), // consistent: its data operation follows
    record('audit.db_operation', linked, operation),
    record('audit.db_operation', trace(), operation), // a data operation whose request is missing
    record('audit.request', trace(), request('POST', 201)), // claims a change, no data operation
    record('audit.request', trace(), request('DELETE', 204)), // likewise
    record('audit.request', trace(), request('GET', 200)), // a read: no data operation expected
    record('audit.request', trace(), request('POST', 400)), // refused: nothing changed
  ];
  assert.equal((await postLogs(exporter.otlpUrl, batch)).status, 200);
  const response = await json('POST', '/reports', {
    tenant: 'consistency',
    framework: 'mlps3',
    period: 'custom',
    from,
    to,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const report = response.body as unknown as { id: string; content: ReportContent };
  assert.equal(report.content.anomalies.dataOperationsWithoutRequest, 1);
  assert.equal(report.content.anomalies.changingRequestsWithoutDataOperation, 2);
  const csv = await api('GET', `/reports/${report.id}.csv?tenant=consistency`);
  const text = await csv.text();
  assert.match(text, /\r\nanomaly,data_operations_without_request,,1,/);
  assert.match(text, /\r\nanomaly,changing_requests_without_data_operation,,2,/);
});

test('ISO/IEC 27001: a record from a clock running ahead makes A.8.17 a gap', async () => {
  const ahead = securityRecord({ tenant: 'acme', timeMs: Date.now() + 3 * 60_000 });
  assert.equal((await postLogs(exporter.otlpUrl, [ahead])).status, 200);
  const iso = await generate('iso27001');
  assert.equal(statusOf(iso, 'A.8.15'), 'met');
  assert.equal(statusOf(iso, 'A.8.16'), 'met');
  assert.equal(statusOf(iso, 'A.8.17'), 'gap');
  assert.match(iso.checks.clock?.summary ?? '', /^1 of \d+ records/);
});

test('stored reports are listed, read back with their SHA-256, and exported as PDF and CSV', async () => {
  const list = await json('GET', '/reports?tenant=acme&limit=3', undefined, READER);
  assert.equal(list.status, 200);
  const page = list.body as {
    reports: { id: string; framework: string; periodLabel: string }[];
    nextCursor: string;
  };
  assert.equal(page.reports.length, 3);
  assert.equal(page.reports[0]?.framework, 'iso27001', 'newest first');
  const rest = await json('GET', `/reports?tenant=acme&cursor=${page.nextCursor}`, undefined, READER);
  // Five more: soc2 twice, mlps3 and pci-dss-4 for the alert evidence, then mlps3, pci-dss-4, soc2.
  assert.equal((rest.body.reports as unknown[]).length, 5);
  const onlyPci = await json('GET', '/reports?tenant=acme&framework=pci-dss-4', undefined, READER);
  assert.equal((onlyPci.body.reports as unknown[]).length, 2);

  const pci = reports.get('pci-dss-4');
  assert.ok(pci);
  const read = await json('GET', `/reports/${pci.id}?tenant=acme`, undefined, READER);
  assert.equal(read.status, 200);
  assert.equal(read.body.sha256, pci.sha256);
  assert.equal(read.body.sha256Verified, true);
  assert.deepEqual(read.body.content, pci.content);

  const pdf = await api('GET', `/reports/${pci.id}.pdf?tenant=acme`, undefined, READER);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.headers.get('x-content-sha256'), pci.sha256);
  const bytes = Buffer.from(await pdf.arrayBuffer());
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  assert.ok(
    (bytes.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length >= 2,
    'summary and controls pages',
  );

  const csv = await api('GET', `/reports/${pci.id}.csv?tenant=acme`, undefined, READER);
  assert.equal(csv.status, 200);
  const raw = Buffer.from(await csv.arrayBuffer());
  assert.equal(raw.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 BOM for spreadsheet programs');
  const text = raw.toString('utf8');
  assert.ok(text.startsWith('\ufeffsection,item,status,value,detail\r\n'));
  assert.match(text, /\r\ncontrol,10\.5\.1,met,"Retention: 12 months, three months immediately available",/);
  assert.match(text, new RegExp(`report,content_sha256,,${pci.sha256}`));
  assert.match(text, /\r\nsummary,total,,\d+/);
  assert.match(text, /\r\nanomaly,orphaned_field_changes,,1,/);

  const access = await exporter.store.query<{ type: string; n: string }>(
    "SELECT access_type AS type, count() AS n FROM audit.audit_access_log WHERE tenant_id = 'acme' GROUP BY type ORDER BY type",
  );
  const byType = Object.fromEntries(access.map((a) => [a.type, Number(a.n)]));
  assert.equal(byType.report, 8, 'every generated report');
  assert.equal(byType.export, 2, 'the PDF and the CSV');
  assert.ok((byType.read ?? 0) >= 4, 'search, lists and the report read');
});

test('bad requests are 400s naming the field; other tenants are 403; unknown reports 404', async () => {
  const noFrom = await json(
    'POST',
    '/reports',
    { tenant: 'acme', framework: 'soc2', period: 'custom', to },
    READER,
  );
  assert.equal(noFrom.status, 400);
  assert.equal(noFrom.body.error, 'from: required for a custom period');
  const badFramework = await json(
    'POST',
    '/reports',
    { tenant: 'acme', framework: 'hipaa', period: 'daily' },
    READER,
  );
  assert.equal(badFramework.status, 400);
  assert.match(String(badFramework.body.error), /^framework: /);
  const other = await json(
    'POST',
    '/reports',
    { tenant: 'globex', framework: 'soc2', period: 'daily' },
    READER,
  );
  assert.equal(other.status, 403);
  assert.equal((await json('GET', '/reports/not-a-report?tenant=acme', undefined, READER)).status, 400);
  assert.equal(
    (await json('GET', `/reports/${randomUUID()}.pdf?tenant=acme`, undefined, READER)).status,
    404,
  );
  const daily = await json(
    'POST',
    '/reports',
    { tenant: 'acme', framework: 'mlps3', period: 'daily', at: now },
    READER,
  );
  assert.equal(daily.status, 201);
  assert.equal((daily.body.content as ReportContent).period.label, new Date(now).toISOString().slice(0, 10));
});

test('the daily schedule generates yesterday’s reports once per tenant and framework', async () => {
  const yesterday = previousPeriod('daily', Date.now(), 0);
  const old = Array.from({ length: 3 }, (_, i) =>
    securityRecord({ tenant: 'sched', timeMs: yesterday.startMs + 3600_000 + i }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, old)).status, 200);
  const pipeline = new IngestPipeline(exporter.store, exporter.config.batch, new ExporterMetrics());
  const recorder = new InternalRecorder(pipeline);
  const logger = createLogger('silent');
  const runtime = await ComplianceRuntime.open({
    config: exporter.config,
    store: exporter.store,
    pipeline,
    recorder,
    logger,
    writerId: 'test-scheduler',
    journal: false,
  });
  try {
    const options = { time: '00:00', frameworks: ['mlps3', 'soc2'] as const, utcOffsetMinutes: 0 };
    const scheduler = new ReportScheduler(
      runtime,
      new AccessLog(recorder),
      { ...options, frameworks: [...options.frameworks] },
      logger,
    );
    await scheduler.tick();
    await scheduler.tick(); // same day: nothing more
    const again = new ReportScheduler(
      runtime,
      new AccessLog(recorder),
      { ...options, frameworks: [...options.frameworks] },
      logger,
    );
    assert.equal(await again.runDaily(yesterday), 0, 'existing reports are not generated twice');
    const stored = await exporter.store.query<{
      framework: string;
      generated_by: string;
      period_type: string;
    }>(
      "SELECT framework, generated_by, period_type FROM audit.audit_compliance_report WHERE tenant_id = 'sched' ORDER BY framework",
    );
    assert.deepEqual(stored, [
      { framework: 'mlps3', generated_by: 'auditlens-scheduler', period_type: 'daily' },
      { framework: 'soc2', generated_by: 'auditlens-scheduler', period_type: 'daily' },
    ]);
  } finally {
    await runtime.close();
    await pipeline.close();
  }
});

test('CLI: auditlens report writes PDF and CSV files; report generation time', async () => {
  await exporter.close();
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        // The CLI evaluates the configuration-based checks (API tokens) with the server's settings.
        env: {
          PATH: process.env.PATH ?? '',
          AUDITLENS_DATA_DIR: dir.path,
          AUDITLENS_API_TOKENS: `${ADMIN}:admin`,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const range = [
    '--period',
    'custom',
    '--from',
    new Date(from).toISOString(),
    '--to',
    new Date(to).toISOString(),
  ];
  const pdf = join(dir.path, 'pci.pdf');
  const result = await run([
    'report',
    '--tenant',
    'acme',
    '--framework',
    'pci-dss-4',
    ...range,
    '--out',
    pdf,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /pci-dss-4 .* tenant acme: MET/);
  assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');
  const csv = join(dir.path, 'iso.csv');
  const iso = await run([
    'report',
    '--tenant',
    'acme',
    '--framework',
    'iso27001',
    ...range,
    '--out',
    csv,
    '--fail-on-gap',
  ]);
  assert.equal(iso.code, 3, 'A.8.17 has a gap');
  assert.match(readFileSync(csv, 'utf8'), /control,A\.8\.17,gap,/);
  const bad = await run(['report', '--tenant', 'acme', '--framework', 'nist', '--period', 'daily']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--framework: one of mlps3, pci-dss-4, soc2, iso27001/);
  process.stdout.write(
    `# report generation over the API (ms): ${Object.entries(timings)
      .map(([f, ms]) => `${f} ${ms.toFixed(0)}`)
      .join(', ')}\n`,
  );
});
