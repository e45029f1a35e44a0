// User behaviour profiles and the suspicious-activity list end to end (issue 19): a scenario is
// sent over OTLP (a user who goes rogue, an account taken over, a privilege change followed by
// sensitive reads, a dormant account), then read back through /api/v1/behaviour with tenant-bound
// tokens; every finding's alert rule is accepted by the alert API and, tested over the same
// records, fires for the same user.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  RECORD_OF_EACH_KIND,
  postLogs,
  tempDir,
  startTestExporter,
  waitUntil,
  type TestRecord,
} from '@auditlens/test-support';
import type { Finding, Profile, Suspicious, UserLookup } from '@auditlens/contract/rest';
import type { RunningExporter } from '../exporter.js';
import { alertingModule } from '../alerts/module.js';
import { BUILTIN_RULES } from '../alerts/builtin.js';
import { DETECTIONS } from '../alerts/detections.js';
import { parseRule } from '../alerts/rule-model.js';
import { behaviourModule } from './module.js';
import { PROJECTION_QUERIES, peersSql, wholeDays } from './profile.js';
import { DETECTION_QUERIES, score } from './suspicious.js';

const ADMIN = 'behaviour-admin-token';
const GLOBEX_READER = 'behaviour-globex-reader';
const PROBE_READER = 'behaviour-probe-reader';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dir = tempDir('behaviour');
let exporter: RunningExporter;

/** The period under test: the 7 days before the current hour; the baseline is the 7 days before. */
const periodEnd = Math.floor(Date.now() / HOUR) * HOUR;
const periodStart = periodEnd - 7 * DAY;
/** `hour`:`minute` UTC on the day that was `daysAgo` days before the period's end. */
const on = (daysAgo: number, hour: number, minute = 0, second = 0): number =>
  Math.floor((periodEnd - daysAgo * DAY) / DAY) * DAY + hour * HOUR + minute * 60_000 + second * 1000;

const records: TestRecord[] = [];

function add(eventName: string, user: string, timeMs: number, attributes: Record<string, unknown>): void {
  records.push({
    eventName,
    timeMs,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    attributes: {
      'log.record.uid': randomUUID(),
      'audit.tenant_id': 'acme',
      'user.id': user,
      ...attributes,
    },
  });
}

const request = (user: string, timeMs: number, extra: Record<string, unknown> = {}) =>
  add('audit.request', user, timeMs, {
    'http.request.method': 'GET',
    'url.path': '/cases',
    'http.route': '/cases',
    'http.response.status_code': 200,
    ...extra,
  });
const login = (user: string, timeMs: number, type: string, extra: Record<string, unknown> = {}) =>
  add('audit.security', user, timeMs, { 'audit.security.event_type': type, ...extra });

const ALICE = {
  'user.roles': ['analyst'],
  'client.address': '198.51.100.7',
  'user_agent.original': 'Mozilla/5.0 desk',
};
const BOB = {
  'user.roles': ['analyst'],
  'client.address': '198.51.100.8',
  'user_agent.original': 'Mozilla/5.0 bob',
};
const BERLIN = { 'geo.country.iso_code': 'DE', 'geo.location.lat': 52.52, 'geo.location.lon': 13.4 };
const CAROL = {
  'user.roles': ['analyst'],
  'client.address': '198.51.100.9',
  'user_agent.original': 'Mozilla/5.0 carol',
  ...BERLIN,
};
const ROGUE = {
  ...ALICE,
  'client.address': '203.0.113.9',
  'user_agent.original': 'curl/8.5.0',
  'session.id': 's-alice-rogue',
};
const ATTACKER = {
  ...CAROL,
  'client.address': '203.0.113.50',
  'user_agent.original': 'python-requests/2.31',
  'geo.country.iso_code': 'BR',
  'geo.location.lat': -23.55,
  'geo.location.lon': -46.63,
};

function scenario(): void {
  // Habits: alice works at 10:00, bob at 14:00, carol logs in at 09:00 from Berlin; each day of
  // the baseline and of the period.
  for (const day of [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]) {
    const session = { 'session.id': `s-alice-${day}` };
    login('alice', on(day, 10), 'LOGIN_SUCCESS', { ...ALICE, ...session });
    for (let i = 0; i < 10; i++) request('alice', on(day, 10, 5 + i), { ...ALICE, ...session });
    login('bob', on(day, 14), 'LOGIN_SUCCESS', BOB);
    for (let i = 0; i < 10; i++) request('bob', on(day, 14, 5 + i), BOB);
    if (day !== 4) login('carol', on(day, 9), 'LOGIN_SUCCESS', CAROL);
  }
  // Alice goes rogue two days ago at 03:00 UTC: a new client, 25 exports, 40 sensitive reads, 12 refusals.
  login('alice', on(2, 3), 'LOGIN_SUCCESS', ROGUE);
  for (let i = 0; i < 25; i++)
    request('alice', on(2, 3, 1, i * 2), {
      ...ROGUE,
      'audit.operation': 'export',
      'url.path': '/cases/export',
    });
  for (let i = 0; i < 40; i++) request('alice', on(2, 3, 5, i), { ...ROGUE, 'audit.sensitive': true });
  for (let i = 0; i < 12; i++)
    request('alice', on(2, 3, 40, i * 10), {
      ...ROGUE,
      'url.path': '/admin/users',
      'http.route': '/admin/users',
      'http.response.status_code': 403,
      'audit.result': 'denied',
    });
  // Carol's account is taken over four days ago: her own login from Berlin, then 12 failed
  // logins within three minutes and a success from São Paulo half an hour later.
  login('carol', on(4, 9), 'LOGIN_SUCCESS', CAROL);
  for (let i = 0; i < 12; i++)
    login('carol', on(4, 9, 30, i * 15), 'LOGIN_FAILED', { ...ATTACKER, 'audit.result': 'failure' });
  login('carol', on(4, 9, 34), 'LOGIN_SUCCESS', ATTACKER);
  // Root gives bob a role three days ago; bob reads sensitive records within the hour.
  add('audit.admin', 'root', on(3, 15), {
    'user.roles': ['admin'],
    'audit.operation': 'grant_role',
    'audit.admin.target_type': 'user_role',
    'audit.admin.target_id': 'bob',
    'http.request.method': 'POST',
    'url.path': '/admin/users/bob/roles',
  });
  for (let i = 0; i < 4; i++) request('bob', on(3, 15, 10 + i * 10), { ...BOB, 'audit.sensitive': true });
  // Dave logged in 40 days ago and not since, until yesterday.
  login('dave', on(40, 10), 'LOGIN_SUCCESS', { 'client.address': '198.51.100.20' });
  login('dave', on(1, 11), 'LOGIN_SUCCESS', { 'client.address': '198.51.100.20' });
  // Users an auditor knows by name, in tenant initech (acme's figures stay as they are): Wang Wu
  // (u-1042, who also signed once as "W. Wu"), a different account whose id contains "wang",
  // Wang Fang active only in the baseline; and a Wang Wu of another tenant.
  const initech = { 'audit.tenant_id': 'initech' };
  for (const [i, name] of ['Wang Wu', 'Wang Wu', 'W. Wu'].entries())
    request('u-1042', on(1, 10, i), {
      ...initech,
      'user.name': name,
      'user.roles': [i === 2 ? 'auditor' : 'analyst'],
    });
  request('wangwu', on(2, 10), { ...initech, 'user.name': 'wangwu' });
  request('u-2001', on(9, 10), { ...initech, 'user.name': 'Wang Fang' });
  records.push({
    eventName: 'audit.request',
    timeMs: on(1, 10),
    attributes: {
      'log.record.uid': randomUUID(),
      'audit.tenant_id': 'globex',
      'user.id': 'u-9',
      'user.name': 'Wang Wu',
      'http.request.method': 'GET',
      'url.path': '/x',
    },
  });
  // Another tenant's user of the same name: never part of acme's figures.
  for (let i = 0; i < 30; i++)
    records.push({
      eventName: 'audit.request',
      timeMs: on(2, 3, 1, i),
      attributes: {
        'log.record.uid': randomUUID(),
        'audit.tenant_id': 'globex',
        'user.id': 'alice',
        'http.request.method': 'GET',
        'url.path': '/x',
        'audit.operation': 'export',
      },
    });
}

async function api<T>(
  path: string,
  token = ADMIN,
  init: RequestInit = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as T };
}

const period = `from=${periodStart}&to=${periodEnd}`;

before(async () => {
  exporter = await startTestExporter(dir.path, {
    modules: [alertingModule(), behaviourModule()],
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [GLOBEX_READER, { role: 'reader' as const, tenants: new Set(['globex']) }],
      [PROBE_READER, { role: 'reader' as const, tenants: new Set(['probe']) }],
    ]),
  });
  scenario();
  for (let i = 0; i < records.length; i += 200) {
    const answer = await postLogs(exporter.otlpUrl, records.slice(i, i + 200));
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
  }
  // The built-in mass-export rule fires on alice's exports in both tenants; its security record
  // names her (an alert involving the user). Wait for both, so that the figures are settled.
  for (const tenant of ['acme', 'globex'])
    await waitUntil(
      async () =>
        (await api<Profile>(`/behaviour/profile?tenant=${tenant}&user=alice&${period}`)).body.alerts === 1,
      30_000,
      `the mass-export alert for alice in ${tenant}`,
    );
});

after(async () => {
  await exporter.close();
  dir.remove();
});

/** MITRE fields of the vocabulary's detection, or a sub-technique of its technique (T1110.001 of T1110). */
function assertSameTechnique(mitre: { tactic?: string; technique?: string }, type: string): void {
  const expected: { tactic?: string; technique?: string } = DETECTIONS[type as keyof typeof DETECTIONS].mitre;
  assert.equal(mitre.tactic, expected.tactic, type);
  assert.equal(mitre.technique?.split('.')[0], expected.technique, type);
}

/** What the records sent say about one acme user in [fromMs, toMs). */
function sent(user: string, fromMs: number, toMs: number): TestRecord[] {
  return records.filter(
    (r) =>
      r.attributes['audit.tenant_id'] === 'acme' &&
      r.attributes['user.id'] === user &&
      (r.timeMs ?? 0) >= fromMs &&
      (r.timeMs ?? 0) < toMs,
  );
}

test("a profile counts the user's records of the period and the previous one, by kind, action, result and hour", async () => {
  const { status, body } = await api<Profile>(`/behaviour/profile?tenant=acme&user=alice&${period}`);
  assert.equal(status, 200, JSON.stringify(body));
  const current = sent('alice', periodStart, periodEnd);
  const baseline = sent('alice', periodStart - 7 * DAY, periodStart);
  // Her records and the security record of the mass-export alert.
  assert.equal(body.totals.events, current.length + 1);
  assert.equal(body.alerts, 1);
  assert.ok(
    body.securityEvents.some(
      (e) => e.event_type === 'MASS_EXPORT' && e.detection_method === 'builtin.mass-export',
    ),
  );
  assert.equal(body.baseline.events, baseline.length);
  assert.equal(body.totals.denied, 12);
  assert.equal(body.totals.sensitive, 40);
  assert.equal(body.baseline.sensitive, 0);
  // Sessions: one per working day of the period (five) and the rogue one.
  assert.equal(body.totals.sessions, 6);
  assert.deepEqual(body.roles, ['analyst']);
  const byKind = Object.fromEntries(body.byKind.map((k) => [k.name, k.events]));
  assert.equal(byKind.security, current.filter((r) => r.eventName === 'audit.security').length + 1);
  assert.equal(body.byAction.find((a) => a.kind === 'request' && a.action === 'export')?.events, 25);
  const denied = body.byResult.find((r) => r.name === 'denied');
  assert.equal(denied?.events, 12);
  // The 03:00 hour of the rogue day in the heat map (ISO weekday, UTC hour).
  const rogueDay = new Date(on(2, 3));
  const weekday = rogueDay.getUTCDay() === 0 ? 7 : rogueDay.getUTCDay();
  // The login, exports, sensitive reads, refusals, and the alert raised at the 21st export.
  assert.equal(body.heatmap.find((c) => c.weekday === weekday && c.hour === 3)?.events, 1 + 25 + 40 + 12 + 1);
  assert.equal(body.resources.find((r) => r.resource === '/admin/users')?.events, 12);
  assert.equal(
    body.sensitiveOperations.reduce((n, s) => n + s.events, 0),
    40,
  );
  // Clients: the desk is known from before the period, the rogue client is new.
  const desk = body.clients.find((c) => c.ip === '::ffff:198.51.100.7');
  const rogue = body.clients.find((c) => c.ip === '::ffff:203.0.113.9');
  assert.equal(desk?.isNew, false);
  assert.equal(rogue?.isNew, true);
  assert.equal(rogue?.userAgent, 'curl/8.5.0');
  assert.equal(rogue?.events, 1 + 25 + 40 + 12);
  assert.equal(body.securityEvents.filter((e) => e.event_type === 'LOGIN_SUCCESS').length, 6);
});

test("a profile reads the per-user projections; the audit rows only for the peers' partial days, by primary key", async () => {
  // Two users with a record of every kind in a tenant of their own (ClickHouse reads a table
  // directly when its skip indexes already show the user has no rows there, so the plans are
  // checked where every table has some).
  // The users are API tokens (their subjects): their reads of the tenant are its access records.
  const subject = (token: string): string =>
    `api-token:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
  const [p, q] = [subject(ADMIN), subject(PROBE_READER)];
  // Noon UTC of the last weekday before today: inside the built-in off-hours rule's business
  // hours, so the admin record raises no alert of its own.
  let daysAgo = 1;
  while ([0, 6].includes(new Date(on(daysAgo, 12)).getUTCDay())) daysAgo++;
  const weekdayNoon = on(daysAgo, 12);
  const probe: TestRecord[] = [p, q].flatMap((user) =>
    RECORD_OF_EACH_KIND.map(([eventName, attributes]) => ({
      eventName,
      timeMs: weekdayNoon,
      attributes: {
        'log.record.uid': randomUUID(),
        'audit.tenant_id': 'probe',
        'user.id': user,
        'user.roles': ['analyst'],
        'session.id': `s-${user}`,
        ...attributes,
      },
    })),
  );
  assert.equal((await postLogs(exporter.otlpUrl, probe)).status, 200);
  const recent = `from=${weekdayNoon - HOUR}&to=${Date.now()}`;
  for (const token of [ADMIN, PROBE_READER])
    assert.equal((await api(`/search?tenant=probe&${recent}`, token)).status, 200);
  const params = {
    tenant: 'probe',
    user: p,
    // Partial first and last days: the peers read their hours from the audit rows.
    from: '2020-01-01 05:00:00',
    to: '2030-01-01 07:00:00',
    ...wholeDays(Date.parse('2020-01-01T05:00:00Z'), Date.parse('2030-01-01T07:00:00Z')),
    roles: ['analyst'],
    userEvents: 1,
  };
  const planOf = async (sql: string): Promise<string> =>
    (await exporter.store.query<{ explain: string }>(`EXPLAIN indexes = 1, projections = 1 ${sql}`, params))
      .map((row) => row.explain)
      .join('\n');
  for (const [name, sql] of Object.entries(PROJECTION_QUERIES)) {
    const plan = await planOf(sql(exporter.store));
    const reads = plan.split('ReadFromMergeTree (').slice(1);
    assert.ok(reads.length >= 6, `${name}: ${plan}`);
    for (const read of reads) {
      const source = read.slice(0, read.indexOf(')'));
      assert.equal(source, name, `${name} reads ${source}:\n${plan}`);
    }
  }
  // The peers: whole days from audit_user_day by its key (tenant, day), the partial first and
  // last day from the audit rows by a primary key range of their hours.
  const peersPlan = await planOf(peersSql(exporter.store, 'role'));
  const peerReads = peersPlan.split('ReadFromMergeTree (').slice(1);
  const summaryReads = peerReads.filter((read) =>
    read.startsWith(`${exporter.store.database}.audit_user_day)`),
  );
  assert.equal(summaryReads.length, 1, peersPlan);
  assert.match(
    summaryReads[0] ?? '',
    /PrimaryKey[\s│]+Keys:[\s│]+tenant_id[\s│]+day\b[^]*?Condition: [^\n]*day in [^\n]*tenant_id in/,
  );
  const byTime = /PrimaryKey[\s│]+Keys:[\s│]+tenant_id[\s│]+event_time[\s│]+Condition: [^\n]*event_time in/;
  const edgeReads = peerReads.filter((read) => !summaryReads.includes(read));
  assert.equal(edgeReads.length, 6, peersPlan);
  for (const read of edgeReads) assert.match(read, byTime, peersPlan);
  const { body } = await api<Profile>(
    `/behaviour/profile?tenant=probe&user=${encodeURIComponent(q)}&${recent}`,
  );
  assert.equal(body.totals.events, 6, 'five records over OTLP and the access record of its search');
  assert.equal(body.totals.sessions, 1);
  assert.deepEqual(body.byKind.map((k) => k.name).sort(), [
    'access',
    'admin',
    'db_operation',
    'field_change',
    'request',
    'security',
  ]);
});

test('a profile compares the user with peers of the same role and calls out the deviations', async () => {
  const { body } = await api<Profile>(`/behaviour/profile?tenant=acme&user=alice&${period}`);
  assert.equal(body.peers.basis, 'role');
  assert.equal(body.peers.users, 2, 'bob and carol share the analyst role; root and dave do not');
  assert.equal(body.peers.eventsPercentile, 1);
  const metrics = body.deviations.map((d) => d.metric);
  for (const metric of ['sensitive', 'denied', 'offHoursEvents', 'events'])
    assert.ok(metrics.includes(metric), `${metric} called out: ${JSON.stringify(body.deviations)}`);
  // Bob's quiet profile has no deviation of its own activity beyond his four sensitive reads.
  const tenantWide = await api<Profile>(`/behaviour/profile?tenant=acme&user=alice&peers=tenant&${period}`);
  assert.equal(tenantWide.body.peers.basis, 'tenant');
  assert.equal(tenantWide.body.peers.users, 4);
});

test('the suspicious-activity list ranks what each user did, with evidence records and MITRE', async () => {
  const { status, body } = await api<Suspicious>(`/behaviour/suspicious?tenant=acme&${period}`);
  assert.equal(status, 200, JSON.stringify(body));
  const found = (user: string): string[] =>
    body.findings
      .filter((f) => f.userId === user)
      .map((f) => f.eventType)
      .sort();
  assert.deepEqual(found('alice'), [
    'ACCESS_DENIED_STREAK',
    'MASS_EXPORT',
    'NEW_IP',
    'NEW_USER_AGENT',
    'UNUSUAL_HOUR_LOGIN',
  ]);
  assert.deepEqual(found('carol'), [
    'ACCOUNT_TAKEOVER',
    'BRUTE_FORCE',
    'IMPOSSIBLE_TRAVEL',
    'NEW_COUNTRY',
    'NEW_IP',
    'NEW_USER_AGENT',
  ]);
  assert.deepEqual(found('bob'), ['PRIVILEGE_THEN_SENSITIVE_READ']);
  assert.deepEqual(found('dave'), ['DORMANT_ACCOUNT_ACTIVE']);
  assert.deepEqual(found('root'), []);
  // Ranked by score, highest first.
  const scores = body.findings.map((f) => f.score);
  assert.deepEqual(
    scores,
    [...scores].sort((a, b) => b - a),
  );
  // Evidence: records that were sent, of the right user; MITRE from the shared vocabulary.
  const sentIds = new Map(records.map((r) => [r.attributes['log.record.uid'], r]));
  for (const finding of body.findings) {
    assert.ok(finding.evidence.length > 0, `${finding.eventType} has evidence`);
    for (const e of finding.evidence) {
      const record = sentIds.get(e.event_id);
      assert.ok(record, `${finding.eventType}: evidence ${e.event_id} is a sent record`);
      assert.equal(record.traceId, e.trace_id);
    }
    assertSameTechnique(finding.mitre, finding.eventType);
  }
  const takeover = body.findings.find((f) => f.eventType === 'ACCOUNT_TAKEOVER');
  assert.equal(takeover?.mitre.technique, 'T1078');
  const brute = body.findings.find((f) => f.eventType === 'BRUTE_FORCE');
  assert.equal(brute?.count, 12);
  const travel = body.findings.find((f) => f.eventType === 'IMPOSSIBLE_TRAVEL');
  assert.deepEqual(
    travel?.evidence.map((e) => e.ip_address),
    ['::ffff:198.51.100.9', '::ffff:203.0.113.50'],
  );
  // One user only.
  const alice = await api<Suspicious>(`/behaviour/suspicious?tenant=acme&user=alice&${period}`);
  assert.deepEqual([...new Set(alice.body.findings.map((f) => f.userId))], ['alice']);
});

test("every finding's alert rule is accepted, and tested over the same records fires for the same user", async () => {
  const { body } = await api<Suspicious>(`/behaviour/suspicious?tenant=acme&${period}`);
  const byType = new Map<string, Finding>();
  for (const finding of body.findings)
    if (!byType.has(finding.eventType)) byType.set(finding.eventType, finding);
  for (const type of ['MASS_EXPORT', 'ACCESS_DENIED_STREAK', 'BRUTE_FORCE', 'ACCOUNT_TAKEOVER', 'NEW_IP']) {
    const finding = byType.get(type);
    assert.ok(finding, type);
    // Made from acme's list, the rule watches acme (not every tenant, as a built-in one does).
    assert.equal(finding.rule.tenant, 'acme', type);
    const tested = await api<{ instances: { groupLabels: Record<string, string> }[] }>(
      '/alert-rules/test?tenant=acme',
      ADMIN,
      { method: 'POST', body: JSON.stringify({ hours: 168, rule: finding.rule }) },
    );
    assert.equal(tested.status, 200, `${type}: ${JSON.stringify(tested.body)}`);
    assert.ok(
      tested.body.instances.some((i) => i.groupLabels.user_id === finding.userId),
      `${type}: the rule fires for ${finding.userId}: ${JSON.stringify(tested.body.instances)}`,
    );
  }
  const created = await api<{ rule: { id: string; eventType: string } }>('/alert-rules', ADMIN, {
    method: 'POST',
    body: JSON.stringify(byType.get('MASS_EXPORT')?.rule),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.rule.eventType, 'MASS_EXPORT');
});

test('the detections and the built-in rules share one vocabulary', () => {
  for (const rule of BUILTIN_RULES)
    assert.ok(rule.eventType in DETECTIONS, `built-in ${rule.id}: ${rule.eventType} is in the vocabulary`);
  for (const query of DETECTION_QUERIES) {
    const parsed = parseRule({ ...query.rule, tenant: 'acme' });
    assert.equal(parsed.eventType, query.type);
    assertSameTechnique(parsed.mitre, query.type);
  }
  assert.equal(score(3, 1), 60);
  assert.equal(score(3, 4), 80);
  assert.equal(score(4, 100), 100);
});

test('the user lookup finds users of the tenant and period by a part of their id or name, any case', async () => {
  const lookup = async (query: string) => {
    const answer = await api<UserLookup>(`/behaviour/users?tenant=initech&${period}&${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const wang = await lookup('q=WaNg');
  // Wang Fang had records only in the baseline, the other Wang Wu is globex's.
  assert.deepEqual(
    wang.users.map((u) => [u.id, u.names, u.roles, u.records, u.exact]),
    [
      ['u-1042', ['Wang Wu', 'W. Wu'], ['auditor'], 3, false],
      ['wangwu', ['wangwu'], [], 1, false],
    ],
  );
  assert.equal(wang.truncated, false);
  assert.equal(wang.users.find((u) => u.id === 'u-1042')?.lastSeen, new Date(on(1, 10, 2)).toISOString());
  // An exact name comes first; an id matches by a part of it; a name only by what it holds.
  assert.deepEqual(
    (await lookup('q=wang%20wu')).users.map((u) => [u.id, u.exact]),
    [['u-1042', true]],
  );
  assert.deepEqual(
    (await lookup('q=1042')).users.map((u) => u.id),
    ['u-1042'],
  );
  assert.deepEqual(
    (await lookup('q=WANGWU')).users.map((u) => [u.id, u.exact]),
    [['wangwu', true]],
  );
  // The list is bounded and says so; the text is a text, not a pattern or SQL.
  const one = await lookup('q=wang&limit=1');
  assert.equal(one.users.length, 1);
  assert.equal(one.truncated, true);
  for (const text of ['%', '_', "'; SELECT 1 --"])
    assert.deepEqual((await lookup(`q=${encodeURIComponent(text)}`)).users, [], text);
  // The baseline period finds Wang Fang.
  const earlier = await api<UserLookup>(
    `/behaviour/users?tenant=initech&q=wang&from=${periodStart - 7 * DAY}&to=${periodStart}`,
  );
  assert.deepEqual(
    earlier.body.users.map((u) => u.id),
    ['u-2001'],
  );
  // Globex's reader finds globex's Wang Wu only, and may not look into acme.
  const globex = await api<UserLookup>(`/behaviour/users?tenant=globex&q=wang&${period}`, GLOBEX_READER);
  assert.deepEqual(
    globex.body.users.map((u) => u.id),
    ['u-9'],
  );
  const refused = await api<{ error: string }>(
    `/behaviour/users?tenant=initech&q=wang&${period}`,
    GLOBEX_READER,
  );
  assert.equal(refused.status, 403);
  const missing = await api<{ error: string }>(`/behaviour/users?tenant=acme&${period}`);
  assert.equal(missing.status, 400);
  assert.match(missing.body.error, /q/);
  const tooMany = await api<{ error: string }>(`/behaviour/users?tenant=acme&q=wang&limit=1000`);
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.body.error, /limit/);
});

test('behaviour calls refuse a parameter they do not take, naming the one meant', async () => {
  const lookup = await api<{ error: string }>(`/behaviour/users?tenant=acme&name=wang`);
  assert.equal(lookup.status, 400);
  assert.match(lookup.body.error, /unknown parameter: name; this call takes tenant, from, to, q, limit/);
  const profile = await api<{ error: string }>(`/behaviour/profile?tenant=acme&user=alice&peer=tenant`);
  assert.equal(profile.status, 400);
  assert.match(profile.body.error, /peer \(did you mean peers\?\)/);
  const suspicious = await api<{ error: string }>(`/behaviour/suspicious?tenant=acme&users=alice`);
  assert.equal(suspicious.status, 400);
  assert.match(suspicious.body.error, /users \(did you mean user\?\)/);
});

test('behaviour calls are tenant-bound, checked and recorded', async () => {
  const refused = await api<{ error: string }>(
    `/behaviour/profile?tenant=acme&user=alice&${period}`,
    GLOBEX_READER,
  );
  assert.equal(refused.status, 403);
  const globex = await api<Profile>(`/behaviour/profile?tenant=globex&user=alice&${period}`, GLOBEX_READER);
  assert.equal(globex.status, 200);
  assert.equal(globex.body.byKind.find((k) => k.name === 'request')?.events, 30);
  assert.equal(globex.body.alerts, 1);
  const missingUser = await api<{ error: string }>(`/behaviour/profile?tenant=acme&${period}`);
  assert.equal(missingUser.status, 400);
  assert.match(missingUser.body.error, /user/);
  const backwards = await api<{ error: string }>(
    `/behaviour/suspicious?tenant=acme&from=${periodEnd}&to=${periodStart}`,
  );
  assert.equal(backwards.status, 400);
  assert.match(backwards.body.error, /from/);
  const access = await api<{ rows: { operation_name: string; description: string }[] }>(
    `/search?tenant=globex&kinds=access&from=${Date.now() - HOUR}&limit=50`,
    ADMIN,
  );
  assert.ok(
    access.body.rows.some((r) => r.description.includes('/behaviour/profile')),
    JSON.stringify(access.body.rows.map((r) => r.description)),
  );
  assert.ok(
    access.body.rows.some((r) => r.description.includes('search GET /api/v1/behaviour/users')),
    JSON.stringify(access.body.rows.map((r) => r.description)),
  );
});
