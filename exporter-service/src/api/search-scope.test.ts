// Search as an operator meets it (issue 20): unknown parameters refused, relative times, access
// records left out unless asked for, reads across tenants with `*` and tenant lists, and a
// resource's history across kinds. Records arrive over OTLP and are read back through /api/v1.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { alertingModule } from '../alerts/module.js';
import type { RunningExporter } from '../exporter.js';
import {
  postLogs,
  securityRecord,
  tempDir,
  startTestExporter,
  type TestRecord,
} from '@auditlens/test-support';

const OPERATOR = 'api-operator-token-1';
const ACME_READER = 'api-acme-reader-2';
const ACME_SYSTEM_READER = 'api-acme-system-reader-3';
const dir = tempDir('search-scope');
let exporter: RunningExporter;
const base = Date.now() - 30 * 60_000;

interface Row {
  kind: string;
  tenant_id: string;
  event_id: string;
  event_time: string;
  summary: string;
}

async function api(path: string, token = OPERATOR) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const rowsOf = (body: Record<string, unknown>) => body.rows as Row[];

/** What happened to sys_user#1001 (and, as decoys, to #1002 and to another table's #1001), in time order. */
function resourceRecords(): TestRecord[] {
  const record = (
    eventName: string,
    offsetMs: number,
    attributes: Record<string, unknown>,
    id = randomUUID(),
  ) => ({
    eventName,
    timeMs: base + offsetMs,
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    attributes: { 'log.record.uid': id, 'audit.tenant_id': 'acme', 'user.id': 'admin', ...attributes },
  });
  const update = randomUUID();
  const decoyUpdate = randomUUID();
  return [
    record('audit.admin', 1000, {
      'audit.operation': 'CREATE_USER',
      'audit.admin.target_type': 'sys_user',
      'audit.admin.target_id': '1001',
    }),
    record(
      'audit.db_operation',
      2000,
      { 'db.collection.name': 'sys_user', 'db.operation.name': 'UPDATE', 'audit.db.affected_rows': 1 },
      update,
    ),
    record('audit.field_change', 2001, {
      'db.collection.name': 'sys_user',
      'audit.change.record_id': '1001',
      'audit.change.field': 'email',
      'audit.change.type': 'UPDATE',
      'audit.change.db_event_id': update,
    }),
    record('audit.security', 3000, {
      'audit.security.event_type': 'PRIVILEGE_CHANGE',
      'audit.security.target_resource': 'sys_user#1001',
    }),
    record('audit.admin', 4000, {
      'audit.operation': 'DISABLE_USER',
      'audit.admin.target_type': 'sys_user',
      'audit.admin.target_id': '1001',
    }),
    // Decoys: another record of the same table, and the same id in another table.
    record(
      'audit.db_operation',
      2500,
      { 'db.collection.name': 'sys_user', 'db.operation.name': 'UPDATE', 'audit.db.affected_rows': 1 },
      decoyUpdate,
    ),
    record('audit.field_change', 2501, {
      'db.collection.name': 'sys_user',
      'audit.change.record_id': '1002',
      'audit.change.field': 'phone',
      'audit.change.type': 'UPDATE',
      'audit.change.db_event_id': decoyUpdate,
    }),
    record('audit.admin', 3500, {
      'audit.operation': 'DELETE_ROLE',
      'audit.admin.target_type': 'sys_role',
      'audit.admin.target_id': '1001',
    }),
  ];
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    // The triage routes, without rules: no alert adds security events to the figures.
    modules: [alertingModule()],
    alerts: { enabled: false, maxGroupsPerRule: 1000, minFiringMs: 0 },
    apiTokens: new Map([
      [OPERATOR, { role: 'admin' as const, tenants: new Set(['*']) }],
      [ACME_READER, { role: 'reader' as const, tenants: new Set(['acme']) }],
      [ACME_SYSTEM_READER, { role: 'reader' as const, tenants: new Set(['acme', '@system']) }],
    ]),
  });
  const events = [
    ...Array.from({ length: 3 }, (_, i) => securityRecord({ tenant: 'acme', timeMs: base + i })),
    ...Array.from({ length: 2 }, (_, i) => securityRecord({ tenant: 'globex', timeMs: base + 10 + i })),
    securityRecord({ tenant: '', timeMs: base + 20, attributes: { 'audit.tenant_id': '' } }),
  ];
  assert.equal((await postLogs(exporter.otlpUrl, events)).status, 200);
  assert.equal((await postLogs(exporter.otlpUrl, resourceRecords())).status, 200);
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('unknown search parameters are a 400 naming them, with a hint for a near miss', async () => {
  const misspelt = await api('/search?tenant=acme&kind=security');
  assert.equal(misspelt.status, 400);
  assert.match(String(misspelt.body.error), /unknown parameter: kind \(did you mean kinds\?\)/);
  const two = await api('/search?tenant=acme&colour=red&userr=alice');
  assert.equal(two.status, 400);
  assert.match(String(two.body.error), /unknown parameters: colour, userr \(did you mean user\?\)/);
  assert.equal((await api('/security-events?tenant=acme&kind=security')).status, 400);
  assert.equal((await api('/stats?tenant=acme&period=1h')).status, 400);
});

test('to=now and relative times like now-1h are accepted; nonsense is a 400 saying what is expected', async () => {
  const relative = await api('/search?tenant=acme&kinds=security&from=now-1h&to=now');
  assert.equal(relative.status, 200, JSON.stringify(relative.body));
  assert.equal(rowsOf(relative.body).length, 4);
  const tooRecent = await api('/search?tenant=acme&kinds=security&from=now-5m&to=now');
  assert.equal(rowsOf(tooRecent.body).length, 0, 'the seeded records are 30 minutes old');
  const bad = await api('/search?tenant=acme&from=now-1y');
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /from: .*now-<n><s\|m\|h\|d\|w>/);
  assert.equal((await api('/stats?tenant=acme&from=now-2d&to=now')).status, 200);
});

test('access records are left out of a search unless asked for, so that searching does not fill the next search', async () => {
  // Each search leaves an audit.access record in acme; none of them shows up in the next search.
  for (let i = 0; i < 2; i++) {
    const { body } = await api('/search?tenant=acme&from=now-1h&limit=1000');
    assert.ok(rowsOf(body).every((row) => row.kind !== 'access'));
  }
  const asked = await api('/search?tenant=acme&kinds=access&from=now-1h&limit=1000');
  assert.ok(rowsOf(asked.body).length >= 2, 'asked for, they are there');
});

test('tenant=* searches, aggregates and triages across tenants, every row labelled with its tenant', async () => {
  const search = await api(`/search?tenant=*&kinds=security&from=${base - 1}&limit=1000`);
  assert.equal(search.status, 200, JSON.stringify(search.body));
  const tenants = rowsOf(search.body).map((row) => row.tenant_id);
  assert.deepEqual([...new Set(tenants)].sort(), ['', 'acme', 'globex']);
  assert.equal(tenants.filter((t) => t === 'globex').length, 2);
  const stats = await api(`/stats?tenant=*&from=${base - 60_000}&to=now`);
  assert.equal(stats.status, 200);
  assert.equal((stats.body.byKind as Record<string, number>).security, 3 + 2 + 1 + 1);
  const triage = await api(`/security-events?tenant=*&from=${base - 1}`);
  assert.equal(triage.status, 200, JSON.stringify(triage.body));
  const triageRows = rowsOf(triage.body);
  assert.deepEqual([...new Set(triageRows.map((row) => row.tenant_id))].sort(), ['', 'acme', 'globex']);
  const queue = await api(`/security-events/queue?tenant=*&from=${base - 1}`);
  const groups = queue.body.groups as { eventType: string; events: number }[];
  assert.equal(groups.find((g) => g.eventType === 'LOGIN_FAILED')?.events, 6);
  // A status change names the row's own tenant; the cross-tenant list then shows it.
  const globexEvent = triageRows.find((row) => row.tenant_id === 'globex');
  const changed = await fetch(
    `${exporter.apiUrl}/api/v1/security-events/${globexEvent?.event_id}/status?tenant=globex`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'HANDLED' }),
    },
  );
  assert.equal(changed.status, 201);
  const handled = await api(`/security-events?tenant=*&from=${base - 1}&status=HANDLED`);
  assert.deepEqual(
    rowsOf(handled.body).map((row) => row.event_id),
    [globexEvent?.event_id],
  );
  const sql = await api('/search/sql?tenant=*&kinds=security');
  assert.doesNotMatch(String(sql.body.sql), /tenant_id (=|IN)/);
});

test('"this tenant or system-level" is one query: tenant=acme,@system', async () => {
  const { status, body } = await api(
    `/search?tenant=acme,@system&kinds=security&from=${base - 1}&to=now`,
    ACME_SYSTEM_READER,
  );
  assert.equal(status, 200, JSON.stringify(body));
  const tenants = rowsOf(body).map((row) => row.tenant_id);
  assert.deepEqual([...new Set(tenants)].sort(), ['', 'acme']);
  assert.equal(tenants.length, 3 + 1 + 1);
  const sql = await api('/search/sql?tenant=acme,@system&kinds=security', ACME_SYSTEM_READER);
  assert.match(String(sql.body.sql), /tenant_id IN \['acme', ''\]/);
  // The read is in the access log of each tenant it read.
  const logged = await exporter.store.query<{ tenant_id: string; query_filter: string }>(
    `SELECT tenant_id, query_filter FROM audit.audit_access_log
     WHERE resource = 'GET /api/v1/search' AND query_filter LIKE '%"tenants":["acme",""]%'`,
  );
  assert.deepEqual(logged.map((row) => row.tenant_id).sort(), ['', 'acme']);
});

test('a tenant-bound token gets a 403 naming the problem for * and for a list with a tenant it may not read', async () => {
  const all = await api('/search?tenant=*', ACME_READER);
  assert.equal(all.status, 403);
  assert.equal(all.body.reason, 'tenant-not-allowed');
  assert.match(String(all.body.error), /tenant=\* needs a token bound to all tenants/);
  const triage = await api('/security-events?tenant=*', ACME_READER);
  assert.equal(triage.status, 403);
  const list = await api('/search?tenant=acme,globex', ACME_READER);
  assert.equal(list.status, 403);
  assert.match(String(list.body.error), /may not access tenant "globex"/);
  const system = await api('/stats?tenant=acme,@system', ACME_READER);
  assert.equal(system.status, 403);
  assert.equal((await api('/search?tenant=acme,,globex')).status, 400);
  assert.equal((await api('/search?tenant=acme,*')).status, 400);
});

test("a resource's history: everything that happened to sys_user#1001, in order, across kinds", async () => {
  const { status, body } = await api(
    `/search?tenant=acme&resourceType=sys_user&resourceId=1001&order=asc&from=${base - 1}`,
  );
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(
    rowsOf(body).map((row) => row.kind),
    ['admin', 'db_operation', 'field_change', 'security', 'admin'],
  );
  // Paged oldest first with the cursor, the same rows in the same order.
  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: Record<string, unknown> } = await api(
      `/search?tenant=acme&resourceType=sys_user&resourceId=1001&order=asc&from=${base - 1}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    paged.push(...rowsOf(page.body).map((row) => row.event_id));
    cursor = page.body.nextCursor as string | null;
  } while (cursor);
  assert.deepEqual(
    paged,
    rowsOf(body).map((row) => row.event_id),
  );
  // The type alone: every record of the table or target type.
  const table = await api(`/search?tenant=acme&resourceType=sys_user&from=${base - 1}`);
  assert.equal(rowsOf(table.body).length, 5 + 2);
  const bad = await api('/search?tenant=acme&resourceId=1001');
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /resourceId: give resourceType too/);
  const noResource = await api('/search?tenant=acme&resourceType=sys_user&kinds=request');
  assert.equal(noResource.status, 400);
  assert.match(
    String(noResource.body.error),
    /resourceType: only admin, field_change, db_operation, security/,
  );
});

test('a call about one tenant refuses * and lists with a 400 instead of answering with no rows', async () => {
  for (const path of [
    '/traces/0123456789abcdef0123456789abcdef?tenant=*',
    '/alert-rules?tenant=acme,globex',
  ]) {
    const { status, body } = await api(path);
    assert.equal(status, 400, path);
    assert.match(String(body.error), /this call reads one tenant/);
  }
});
