// Alerts as incidents and security events as a triage queue, end to end on a running exporter:
// 150 privilege changes fire 150 instances of one built-in rule, which read as ONE incident with a
// count; the security events they raise, app-recorded failed logins and a triaged group read as a
// queue with the groups still to handle first. Also the Grafana Explore SQL of the list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import {
  postLogs,
  securityRecord,
  type TestRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';

const ADMIN = 'incidents-admin-token';
const ACME_READER = 'incidents-acme-reader';
const PRIVILEGE_CHANGES = 150;
const dir = tempDir('incidents-api');
let exporter: RunningExporter;
const start = Date.now() - 5 * 60_000;
let malwareIds: string[] = [];

async function api(method: string, path: string, body?: unknown, token = ADMIN) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const count = async (sql: string) => Number((await exporter.store.query<{ n: string }>(sql))[0]?.n ?? 0);

function privilegeChange(i: number): TestRecord {
  return {
    eventName: 'audit.admin',
    timeMs: start + i * 1000,
    attributes: {
      'log.record.uid': crypto.randomUUID(),
      'audit.tenant_id': 'acme',
      'user.id': 'root',
      'audit.operation': 'grant_role',
      'audit.admin.target_type': 'user_role',
      'audit.admin.target_id': `u-${i}`,
    },
  };
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [ACME_READER, { role: 'reader' as const, tenants: new Set(['acme']) }],
    ]),
  });
  // Rules that would fire or not depending on the time the test runs.
  for (const rule of ['builtin.off-hours-admin', 'builtin.pipeline-silence'])
    assert.equal((await api('POST', `/alert-rules/${rule}/disable`)).status, 200);
  const malwareRule = await api('POST', '/alert-rules', {
    id: 'custom.malware',
    name: 'Malware detected',
    kind: 'match',
    source: 'security',
    filter: [{ field: 'event_type', op: '=', value: 'MALWARE' }],
    groupBy: ['ip_address'],
    window: '1m',
    severity: 4,
    eventType: 'MALWARE_ALERT',
  });
  assert.equal(malwareRule.status, 201, JSON.stringify(malwareRule.body));
  const admin = Array.from({ length: PRIVILEGE_CHANGES }, (_, i) => privilegeChange(i));
  assert.equal((await postLogs(exporter.otlpUrl, admin)).status, 200);
  const failedLogins = Array.from({ length: 30 }, (_, i) =>
    securityRecord({
      timeMs: start + i * 2000,
      attributes: { 'client.address': `198.51.100.${i + 1}`, 'user.id': `user-${i}` },
    }),
  );
  const malware = [1, 2, 3].map((i) =>
    securityRecord({
      timeMs: Date.now() - i * 1000,
      attributes: {
        'audit.security.event_type': 'MALWARE',
        'audit.risk_level': 4,
        'client.address': `203.0.113.${i}`,
      },
    }),
  );
  malwareIds = malware.map((r) => String(r.attributes['log.record.uid']));
  assert.equal((await postLogs(exporter.otlpUrl, [...failedLogins, ...malware])).status, 200);
  await waitFor(
    'every instance firing and every raised security event stored',
    async () =>
      (await count(
        `SELECT count() AS n FROM audit.audit_alert_state FINAL WHERE state = 'firing' AND tenant_id = 'acme'`,
      )) ===
        PRIVILEGE_CHANGES + 3 &&
      (await count(
        `SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = 'acme' AND detection_method != ''`,
      )) ===
        PRIVILEGE_CHANGES + 3,
  );
  // The app-recorded malware reports are triaged and closed.
  for (const id of malwareIds) {
    const closed = await api('POST', `/security-events/${id}/status?tenant=acme`, {
      status: 'HANDLED',
      result: 'quarantined',
    });
    assert.equal(closed.status, 201, JSON.stringify(closed.body));
  }
});

after(async () => {
  await exporter.close();
  dir.remove();
});

interface Incident {
  ruleId: string;
  firing: number;
  severity: number;
  newestFiredAt: string;
  newestGroupKeys: string[];
  mitreTechnique: string;
}

test('hundreds of firing instances of one rule read as one incident with a count, newest first', async () => {
  const { status, body } = await api('GET', '/alerts/incidents?tenant=acme', undefined, ACME_READER);
  assert.equal(status, 200, JSON.stringify(body));
  const incidents = body.incidents as Incident[];
  assert.deepEqual(
    incidents.map((i) => [i.ruleId, i.firing]),
    [
      ['custom.malware', 3],
      ['builtin.privilege-change', PRIVILEGE_CHANGES],
    ],
  );
  const privilege = incidents[1];
  assert.equal(privilege?.severity, 3);
  assert.equal(privilege?.mitreTechnique, 'T1098');
  // The newest instances' group keys, newest first (fired together: the newest record first).
  assert.equal(privilege?.newestGroupKeys.length, 5);
  assert.match(privilege?.newestGroupKeys[0] ?? '', new RegExp(`target_id="u-${PRIVILEGE_CHANGES - 1}"`));
  assert.ok(incidents.every((i, n) => n === 0 || (incidents[n - 1]?.newestFiredAt ?? '') >= i.newestFiredAt));
  assert.equal((await api('GET', '/alerts/incidents?tenant=globex', undefined, ACME_READER)).status, 403);
  const none = await api('GET', '/alerts/incidents?tenant=globex');
  assert.deepEqual(none.body.incidents, []);
  const accessed = await count(
    "SELECT count() AS n FROM audit.audit_access_log WHERE resource = 'GET /api/v1/alerts/incidents'",
  );
  assert.ok(accessed >= 2, 'reads of incidents are audited');
});

interface QueueGroup {
  eventType: string;
  ruleId: string;
  events: number;
  open: number;
  maxRisk: number;
}

test('the triage queue: one row per event type and raising rule, groups still to handle first', async () => {
  const { status, body } = await api('GET', '/security-events/queue?tenant=acme', undefined, ACME_READER);
  assert.equal(status, 200, JSON.stringify(body));
  const groups = body.groups as QueueGroup[];
  const view = groups.map((g) => [g.eventType, g.ruleId, g.events, g.open]);
  assert.deepEqual(view, [
    ['MALWARE_ALERT', 'custom.malware', 3, 3],
    ['PRIVILEGE_CHANGE', 'builtin.privilege-change', PRIVILEGE_CHANGES, PRIVILEGE_CHANGES],
    ['LOGIN_FAILED', '', 30, 30],
    // Highest risk of all, but handled: after everything still open.
    ['MALWARE', '', 3, 0],
  ]);
  assert.equal(groups[3]?.maxRisk, 4);
  const filtered = await api('GET', '/security-events/queue?tenant=acme&detected=false');
  assert.deepEqual(
    (filtered.body.groups as QueueGroup[]).map((g) => g.eventType),
    ['LOGIN_FAILED', 'MALWARE'],
  );
});

test('the list filters open or closed events', async () => {
  const list = (filter: string) =>
    api('GET', `/security-events?tenant=acme&eventType=MALWARE&detected=false&${filter}`).then(
      (r) => (r.body.rows as { event_id: string; status: string }[]) ?? [],
    );
  assert.deepEqual(await list('open=true'), []);
  const closed = await list('open=false');
  assert.deepEqual(closed.map((r) => r.event_id).sort(), [...malwareIds].sort());
  assert.ok(closed.every((r) => r.status === 'HANDLED'));
  assert.equal((await list('open=true&eventType=LOGIN_FAILED')).length, 0, 'a repeated parameter is refused');
  const open = await api('GET', '/security-events?tenant=acme&eventType=LOGIN_FAILED&open=true&limit=1000');
  assert.equal((open.body.rows as unknown[]).length, 30);
});

test('the Grafana SQL of the list names the same filters, as literals and time macros', async () => {
  const { status, body } = await api(
    'GET',
    `/security-events/sql?tenant=acme&eventType=MALWARE&open=false&user=${encodeURIComponent("o'brien")}`,
  );
  assert.equal(status, 200, JSON.stringify(body));
  const sql = String(body.sql);
  assert.match(sql, /event_time >= \$__fromTime_ms AND event_time < \$__toTime_ms/);
  assert.match(sql, /event_type = 'MALWARE'/);
  assert.match(sql, /user_id = decodeURLComponent\('o%27brien'\)/);
  assert.doesNotMatch(sql, /\{\w+:/, 'no parameter left unbound');
  assert.equal(body.format, 'table');
  assert.equal((await api('GET', '/security-events/sql?tenant=globex', undefined, ACME_READER)).status, 403);
});
