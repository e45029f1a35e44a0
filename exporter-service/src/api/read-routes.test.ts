// The read API end to end: records arrive over OTLP, are read back through /api/v1 with
// tenant-scoped tokens, and every read leaves an audit.access record.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import {
  postLogs,
  securityRecord,
  type TestRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';
import { sqlLiteral } from './grafana-sql.js';

const ADMIN = 'api-admin-token-1';
const ACME_READER = 'api-acme-reader-2';
const dir = tempDir('api');
let exporter: RunningExporter;
const base = Date.now() - 60 * 60_000;
const traceId = randomBytes(16).toString('hex');
const dbEventId = randomUUID();

async function api(path: string, token = ADMIN, headers: Record<string, string> = {}) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function chainRecords(): TestRecord[] {
  const shared = { 'audit.tenant_id': 'acme', 'user.id': 'alice', 'client.address': '192.0.2.10' };
  const spanId = randomBytes(8).toString('hex');
  return [
    {
      eventName: 'audit.request',
      timeMs: base + 1000,
      traceId,
      spanId,
      attributes: {
        ...shared,
        'log.record.uid': randomUUID(),
        'http.request.method': 'PUT',
        'url.path': '/users/7',
        'http.response.status_code': 200,
      },
    },
    {
      eventName: 'audit.db_operation',
      timeMs: base + 1001,
      traceId,
      spanId,
      attributes: {
        ...shared,
        'log.record.uid': dbEventId,
        'db.collection.name': 'users',
        'db.operation.name': 'UPDATE',
        'audit.db.affected_rows': 1,
      },
    },
    ...['email', 'phone'].map((field, i) => ({
      eventName: 'audit.field_change',
      timeMs: base + 1002 + i,
      traceId,
      spanId,
      attributes: {
        ...shared,
        'log.record.uid': randomUUID(),
        'db.collection.name': 'users',
        'audit.change.record_id': '7',
        'audit.change.field': field,
        'audit.change.type': 'UPDATE',
        'audit.change.db_event_id': dbEventId,
      },
    })),
  ];
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    // The read API alone: no alert rules firing on the seeded failures add rows to the figures.
    modules: [],
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [ACME_READER, { role: 'reader' as const, tenants: new Set(['acme']) }],
    ]),
  });
  // 250 security events for acme spread over an hour (some failures, some high risk), 5 for globex.
  const events = Array.from({ length: 250 }, (_, i) =>
    securityRecord({
      tenant: 'acme',
      timeMs: base + i * 10_000,
      attributes: {
        'user.id': i % 2 === 0 ? 'alice' : 'bob',
        'client.address': i % 5 === 0 ? '198.51.100.1' : '198.51.100.2',
        'audit.result': i % 4 === 0 ? 'failure' : 'success',
        'audit.risk_level': i % 10 === 0 ? 3 : 1,
      },
    }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, events)).status, 200);
  assert.equal((await postLogs(exporter.otlpUrl, chainRecords())).status, 200);
  const globex = Array.from({ length: 5 }, () => securityRecord({ tenant: 'globex', timeMs: base + 5000 }));
  assert.equal((await postLogs(exporter.otlpUrl, globex)).status, 200);
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('search pages through every matching row exactly once with keyset cursors', async () => {
  const seen = new Set<string>();
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `/search?tenant=acme&kinds=security&from=${base - 1}&limit=40${cursor ? `&cursor=${cursor}` : ''}`;
    const { status, body } = await api(query);
    assert.equal(status, 200, JSON.stringify(body));
    const rows = body.rows as { event_id: string; event_time: string }[];
    for (const row of rows) {
      assert.ok(!seen.has(row.event_id), 'no row twice');
      seen.add(row.event_id);
    }
    cursor = body.nextCursor as string | null;
    pages++;
  } while (cursor);
  assert.equal(seen.size, 250);
  assert.equal(pages, 7);
});

test('search filters by user, IP, result and risk, across kinds, newest first', async () => {
  const byIp = await api(`/search?tenant=acme&from=${base - 1}&ip=198.51.100.1&limit=1000`);
  assert.equal((byIp.body.rows as unknown[]).length, 50);
  const failedAlice = await api(`/search?tenant=acme&from=${base - 1}&user=alice&result=failure&limit=1000`);
  const rows = failedAlice.body.rows as { user_id: string; result: string; event_time: string }[];
  assert.equal(rows.length, 63); // i ≡ 0 mod 4 among 0..249 (all even, so all alice)
  assert.ok(rows.every((r) => r.user_id === 'alice' && r.result === 'failure'));
  assert.ok(rows.every((r, i) => i === 0 || (rows[i - 1]?.event_time ?? '') >= r.event_time));
  const highRisk = await api(`/search?tenant=acme&from=${base - 1}&minRisk=3&limit=1000`);
  assert.equal((highRisk.body.rows as unknown[]).length, 25);
  const allKinds = await api(`/search?tenant=acme&from=${base - 1}&trace=${traceId}`);
  assert.deepEqual((allKinds.body.rows as { kind: string }[]).map((r) => r.kind).sort(), [
    'db_operation',
    'field_change',
    'field_change',
    'request',
  ]);
});

test('a trace reads as one chain: request → db operation → its field changes', async () => {
  const { status, body } = await api(`/traces/${traceId}?tenant=acme`);
  assert.equal(status, 200);
  assert.equal((body.requests as unknown[]).length, 1);
  const [operation] = body.dbOperations as { event_id: string; changes: { summary: string }[] }[];
  assert.equal(operation?.event_id, dbEventId);
  assert.deepEqual(
    operation?.changes.map((c) => c.summary),
    ['UPDATE users#7.email', 'UPDATE users#7.phone'],
  );
  assert.deepEqual(body.orphanChanges, []);
});

test('one record is read whole, and only within its tenant', async () => {
  const found = await api(`/records/db_operation/${dbEventId}?tenant=acme`);
  assert.equal(found.status, 200);
  assert.equal(found.body.db_table, 'users');
  assert.equal((await api(`/records/db_operation/${dbEventId}?tenant=globex`)).status, 404);
});

test('stats give the source report figures for the period', async () => {
  const { status, body } = await api(`/stats?tenant=acme&from=${base - 60_000}&to=${Date.now() + 1000}`);
  assert.equal(status, 200);
  assert.equal(body.total, 254);
  assert.equal(body.failed, 63);
  assert.equal(body.highRisk, 25);
  assert.equal(body.uniqueUsers, 2);
  assert.equal(body.uniqueIps, 3);
  assert.equal((body.byKind as Record<string, number>).security, 250);
  assert.ok(Math.abs((body.errorRate as number) - 63 / 254) < 1e-9);
});

test('stats of a long period read whole hours from the hour view and the partial ends by the minute', async () => {
  // Events every 7 minutes over 30 hours; periods that start and end inside an hour.
  const start = Math.floor((Date.now() - 40 * 3_600_000) / 3_600_000) * 3_600_000;
  const times = Array.from({ length: (30 * 60) / 7 }, (_, i) => start + i * 7 * 60_000 + 1234);
  const events = times.map((timeMs, i) =>
    securityRecord({
      tenant: 'hourly',
      timeMs,
      attributes: { 'user.id': `u-${i % 3}`, 'audit.result': i % 5 === 0 ? 'failure' : 'success' },
    }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, events)).status, 200);
  const minute = (ms: number) => Math.floor(ms / 60_000) * 60_000;
  for (const [from, to] of [
    [start + 17 * 60_000 + 30_500, start + 23 * 3_600_000 + 41 * 60_000 + 10],
    [start + 3_600_000, start + 9 * 3_600_000],
    [start - 5_000, start + 30 * 3_600_000 + 59_000],
  ] as const) {
    // The figures count whole minutes: the minutes in which the period starts and ends count whole.
    const inPeriod = times.flatMap((t, i) => (minute(t) >= minute(from) && minute(t) < to ? [i] : []));
    const { status, body } = await api(`/stats?tenant=hourly&from=${from}&to=${to}`);
    assert.equal(status, 200);
    assert.deepEqual(
      [body.total, body.failed, body.uniqueUsers],
      [inPeriod.length, inPeriod.filter((i) => i % 5 === 0).length, 3],
      `${new Date(from).toISOString()} – ${new Date(to).toISOString()}`,
    );
    const trend = body.trend as { events: number }[];
    assert.equal(
      trend.reduce((n, b) => n + b.events, 0),
      inPeriod.length,
    );
  }
});

test('the stats trend has every bucket of the period, quiet ones as zeros, and names its width', async () => {
  // 250 events 10 s apart from `base`, in a 3-hour period by the minute (the started minute counts).
  const from = base - 60 * 60_000;
  const to = base + 2 * 60 * 60_000;
  const minute = (ms: number) => Math.floor(ms / 60_000);
  const { body } = await api(`/stats?tenant=acme&from=${from}&to=${to}`);
  const trend = body.trend as { bucket: string; events: number }[];
  assert.equal(body.trendStepMs, 60_000);
  assert.equal(trend.length, Math.ceil(to / 60_000) - minute(from));
  const times = trend.map((b) => Date.parse(`${b.bucket.replace(' ', 'T')}Z`));
  assert.ok(
    times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === 60_000),
    'one bucket per minute',
  );
  assert.equal(times[0], Math.floor(from / 60_000) * 60_000);
  const busyMinutes = new Set(Array.from({ length: 250 }, (_, i) => minute(base + i * 10_000)));
  assert.equal(trend.filter((b) => b.events > 0).length, busyMinutes.size);
  assert.equal(
    trend.reduce((n, b) => n + b.events, 0),
    body.total,
  );
  const week = await api(`/stats?tenant=acme&from=${to - 3 * 86_400_000}&to=${to}`);
  assert.equal(week.body.trendStepMs, 3_600_000);
  const hour = (ms: number) => Math.floor(ms / 3_600_000);
  assert.equal((week.body.trend as unknown[]).length, Math.ceil(to / 3_600_000) - hour(to - 3 * 86_400_000));
});

test('the Grafana Explore SQL of a search and of the trend: literals, time macros, the tenant checked', async () => {
  const search = await api(`/search/sql?tenant=acme&kinds=security,request&user=alice&minRisk=3&limit=1000`);
  assert.equal(search.status, 200, JSON.stringify(search.body));
  const sql = String(search.body.sql);
  assert.match(sql, /FROM .*audit_security_log/);
  assert.match(sql, /user_id = 'alice' OR username = 'alice'/);
  assert.match(sql, /event_time >= \$__fromTime_ms AND event_time < \$__toTime_ms/);
  assert.match(sql, /LIMIT 1000$/);
  assert.doesNotMatch(sql, /\{\w+:/);
  const trend = await api('/stats/sql?tenant=acme');
  assert.equal(trend.body.format, 'timeseries');
  assert.match(
    String(trend.body.sql),
    /^SELECT \$__timeInterval\(bucket\) AS time, sum\(events\) AS all_events/,
  );
  assert.equal((await api('/search/sql?tenant=globex', ACME_READER)).status, 403);
  assert.equal((await api('/stats/sql?tenant=globex', ACME_READER)).status, 403);
});

test('ClickHouse reads every literal of the Grafana SQL back as exactly the value', async () => {
  const values = ["o'brien\\'); DROP TABLE x; --", '${__from}', '[[tenant]]', 'tab\tline\n审计', 'alice', ''];
  for (const value of values) {
    const [row] = await exporter.store.query<{ v: string }>(`SELECT ${sqlLiteral(value)} AS v`);
    assert.equal(row?.v, value);
  }
});

test('tenant isolation and authentication: a reader of acme cannot read globex; no token, no data', async () => {
  const own = await api(`/search?tenant=acme&from=${base - 1}&limit=1`, ACME_READER);
  assert.equal(own.status, 200);
  const other = await api(`/search?tenant=globex&from=${base - 1}`, ACME_READER);
  assert.equal(other.status, 403);
  assert.match(String(other.body.error), /may not access tenant "globex"/);
  assert.equal((await api(`/stats?tenant=globex`, ACME_READER)).status, 403);
  assert.equal((await api(`/traces/${traceId}?tenant=globex`, ACME_READER)).status, 403);
  const anonymous = await fetch(`${exporter.apiUrl}/api/v1/search?tenant=acme`);
  assert.equal(anonymous.status, 401);
  assert.equal((await api('/search', ACME_READER)).status, 400, 'tenant is required');
});

test('bad parameters are 400s naming the parameter; injection payloads are only ever values', async () => {
  const badKind = await api('/search?tenant=acme&kinds=users;DROP');
  assert.equal(badKind.status, 400);
  assert.match(String(badKind.body.error), /kinds/);
  const badCursor = await api('/search?tenant=acme&cursor=abc');
  assert.equal(badCursor.status, 400);
  assert.match(String(badCursor.body.error), /cursor/);
  const badIp = await api('/search?tenant=acme&ip=1.2.3.999');
  assert.equal(badIp.status, 400);
  const repeated = await api('/search?tenant=acme&tenant=globex');
  assert.equal(repeated.status, 400);
  for (const payload of [
    "' OR 1=1 --",
    "alice'); DROP TABLE audit.audit_security_log; --",
    '{tenant:String}',
  ]) {
    const result = await api(
      `/search?tenant=acme&from=${base - 1}&user=${encodeURIComponent(payload)}&text=${encodeURIComponent(payload)}`,
    );
    assert.equal(result.status, 200);
    assert.deepEqual(result.body.rows, []);
  }
  const [count] = await exporter.store.query<{ n: string }>(
    "SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = 'acme'",
  );
  assert.equal(Number(count?.n), 250);
});

test('every read is itself audited: who, which filter, how many rows', async () => {
  await api(`/search?tenant=acme&from=${base - 1}&user=bob&limit=7`, ACME_READER, {
    'x-grafana-user': 'auditor-jane',
  });
  const rows = await exporter.store.query<Record<string, unknown>>(
    `SELECT access_type, resource, query_filter, rows_returned, username, user_id, user_roles
     FROM audit.audit_access_log WHERE tenant_id = 'acme' AND username = 'auditor-jane'`,
  );
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.equal(row?.access_type, 'search');
  assert.equal(row?.resource, 'GET /api/v1/search');
  assert.equal(row?.rows_returned, '7');
  assert.deepEqual(row?.user_roles, ['reader']);
  assert.match(String(row?.user_id), /^api-token:[0-9a-f]{12}$/);
  assert.deepEqual(JSON.parse(String(row?.query_filter)), {
    from: String(base - 1),
    user: 'bob',
    limit: '7',
  });
  // The access log itself is searchable (the auditors are audited).
  const { body } = await api(`/search?tenant=acme&kinds=access&limit=1000`);
  assert.ok((body.rows as unknown[]).length >= 1);
});
