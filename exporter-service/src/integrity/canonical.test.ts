// The canonical row encoding: a row hashes the same as inserted (JSONEachRow values) and as read
// back from ClickHouse (JSON output), for every column type the audit tables use.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { EmbeddedStore } from '../store/embedded.js';
import { buildRow, type AuditRow } from '../mapping/row.js';
import { AUDIT_TABLES, type AuditKind } from '../mapping/kinds.js';
import type { AttributeValue } from '../otlp/values.js';
import { migrate } from '../schema/migrate.js';
import { tempDir } from '@auditlens/test-support';
import { canonicalIpv6, CanonicalSchema } from './canonical.js';

const dir = tempDir('canonical');
let store: EmbeddedStore;
let schema: CanonicalSchema;
const limits = { maxAttributeBytes: 1024 * 1024, maxFutureSkewMs: 60_000 };
const resource = new Map<string, AttributeValue>([
  ['service.name', 'svc'],
  ['service.version', '1.2.3'],
  ['host.name', 'h1'],
]);

function row(kind: AuditKind, attributes: Record<string, AttributeValue>, description = 'x'): AuditRow {
  return buildRow(
    {
      kind,
      tenantId: 'acme',
      eventId: randomUUID(),
      eventTimeMs: Date.now() - 5000 + Math.floor(Math.random() * 1000),
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      parentSpanId: '',
      description,
      resource,
    },
    new Map(Object.entries(attributes)),
    limits,
  );
}

async function readBack(r: AuditRow): Promise<Record<string, unknown>> {
  const [stored] = await store.query<Record<string, unknown>>(
    `SELECT * FROM audit.${r.table} WHERE tenant_id = 'acme' AND event_id = {id:UUID}`,
    { id: r.eventId },
  );
  assert.ok(stored, `row ${r.eventId} stored`);
  return stored;
}

before(async () => {
  store = new EmbeddedStore(dir.path, 'audit');
  await migrate(store);
  schema = await CanonicalSchema.load(store, AUDIT_TABLES);
});
after(async () => {
  await store.close();
  dir.remove();
});

const samples = (): AuditRow[] => [
  row(
    'request',
    {
      'user.id': 'u-1',
      'user.name': '张三',
      'user.roles': ['admin', 'ops'],
      'client.address': '2001:DB8:0:0::1',
      'http.request.method': 'PUT',
      'url.path': '/users/7',
      'http.response.status_code': 404,
      'audit.duration_ms': 0.1 + 0.2,
      'audit.risk_level': 3,
      'audit.sensitive': true,
      'audit.compliance_tags': ['PCI', 'MLPS'],
      'audit.request.body': '{"a":1,"b":"\\u0000 \\n"}',
      'zeta.custom': 'z',
      'alpha.custom': 'a',
      'mid.custom': true,
    },
    'PUT /users/7 by 张三 ✓ "quoted" \\ back\nslash',
  ),
  row('db_operation', {
    'client.address': '10.0.0.1',
    'db.collection.name': 'users',
    'db.operation.name': 'UPDATE',
    'audit.db.affected_rows': 2 ** 60,
    'audit.duration_ms': 1e-7,
    'audit.db.before': '{"email":"***"}',
  }),
  row('field_change', {
    'client.address': '::ffff:192.0.2.10',
    'db.collection.name': 'users',
    'audit.change.record_id': '7',
    'audit.change.field': 'email',
    'audit.change.type': 'UPDATE',
    'audit.change.db_event_id': '0190ABCD-0000-7000-8000-00000000000F',
    'audit.change.encrypted': true,
    'audit.approval.time': '2026-01-02T03:04:05.6Z',
    'audit.approval.status': 'APPROVED',
  }),
  row('security', {
    'client.address': 'fe80::1:2:3:4',
    'audit.security.event_type': 'LOGIN_FAILED',
    'audit.security.related_events': [
      '0190ABCD-0000-7000-8000-000000000001',
      '0190abcd-0000-7000-8000-000000000002',
    ],
    'audit.result': 'failure',
  }),
  row('admin', {
    'audit.operation': 'GRANT_ROLE',
    'audit.admin.target_type': 'ROLE',
    'audit.approval.required': true,
    'audit.duration_ms': 12345.678,
  }),
  row('access', {
    'audit.access.type': 'export',
    'audit.access.resource': 'GET /api/v1/search',
    'audit.access.rows': 2 ** 40 + 3,
  }),
];

/** First 16 hex digits of the digests of samples() with fixed ids and time (row format v1). */
const GOLDEN_DIGESTS = [
  '8f736b4d8cbad9b4',
  '7f2f6734aab49c57',
  '157b137b83808c84',
  '99b0c6be3746be2a',
  'ef9f3058a24fceda',
  '0c5f8d7831eefc40',
];

test('every kind hashes the same as inserted and as read back (DateTime64, UUID, IPv6, floats, maps, bools, 64-bit ints)', async () => {
  const rows = samples();
  for (const r of rows) await store.insertJsonLines(r.table, JSON.stringify(r.values));
  for (const r of rows) {
    const stored = await readBack(r);
    assert.equal(
      schema.encode(r.table, stored),
      schema.encode(r.table, r.values),
      `${r.kind} canonical form`,
    );
    assert.equal(schema.digest(r.table, stored), schema.digest(r.table, r.values), `${r.kind} digest`);
  }
  // What the read-back looked like is really different from what was sent: the normalising matters.
  const request = rows[0];
  assert.ok(request);
  const stored = await readBack(request);
  assert.equal(stored.ip_address, '2001:db8::1');
  assert.notDeepEqual(
    Object.keys(stored.attributes as object),
    Object.keys(request.values.attributes as object).sort(),
  );
  const access = rows[5];
  assert.ok(access);
  assert.equal(typeof (await readBack(access)).rows_returned, 'string', '64-bit integers come back quoted');
});

test('the row format does not drift: digests of fixed rows of every kind are what they were', () => {
  // Stored checkpoints hold these digests: a change of the encoding must be a new row format.
  const digests = samples().map((r, i) =>
    schema
      .digest(r.table, {
        ...r.values,
        event_id: `0190abcd-0000-7000-8000-${String(i).padStart(12, '0')}`,
        event_time: '2026-01-02 03:04:05.678',
      })
      .slice(0, 16),
  );
  assert.deepEqual(digests, GOLDEN_DIGESTS);
});

test('random doubles and long texts survive the round trip (2000 rows)', async () => {
  const rows: AuditRow[] = [];
  for (let i = 0; i < 2000; i++) {
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    words[0] = Math.floor(Math.random() * 2 ** 32);
    words[1] = Math.floor(Math.random() * 0x7fe00000);
    const value = Number.isFinite(bits[0]) ? Math.abs(bits[0] ?? 0) : Math.random();
    rows.push(
      row(
        'request',
        {
          'http.request.method': 'GET',
          'url.path': `/p/${i}`,
          'audit.duration_ms': i % 3 === 0 ? Math.random() * 1000 : value,
          'client.address': `192.0.2.${i % 250}`,
          [`k${i % 7}`]: 'x'.repeat(i % 50),
        },
        `row ${i} ${'€'.repeat(i % 5)}`,
      ),
    );
  }
  await store.insertJsonLines('audit_request_log', rows.map((r) => JSON.stringify(r.values)).join('\n'));
  const stored = await store.query<Record<string, unknown>>(
    "SELECT * FROM audit.audit_request_log WHERE tenant_id = 'acme' AND startsWith(url_path, '/p/')",
  );
  const byId = new Map(stored.map((s) => [String(s.event_id), s]));
  let mismatches = 0;
  for (const r of rows) {
    const s = byId.get(r.eventId);
    if (!s || schema.digest(r.table, s) !== schema.digest(r.table, r.values)) mismatches++;
  }
  assert.equal(mismatches, 0);
});

test('a changed value changes the digest; retention and a column added later do not', async () => {
  const r = row('security', { 'audit.security.event_type': 'LOGOUT', 'client.address': '198.51.100.7' });
  await store.insertJsonLines(r.table, JSON.stringify(r.values));
  const sealed = schema.digest(r.table, r.values);
  await store.command(
    `ALTER TABLE audit.audit_security_log UPDATE retention_days = 400, online_days = 30
     WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id: r.eventId },
  );
  assert.equal(schema.digest(r.table, await readBack(r)), sealed, 'retention is not part of the form');
  await store.command('ALTER TABLE audit.audit_security_log ADD COLUMN IF NOT EXISTS later_field String');
  const widened = await CanonicalSchema.load(store, AUDIT_TABLES);
  assert.equal(
    widened.digest(r.table, await readBack(r)),
    sealed,
    'a new column at its default changes nothing',
  );
  await store.command(
    `ALTER TABLE audit.audit_security_log UPDATE description = 'edited' WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id: r.eventId },
  );
  assert.notEqual(widened.digest(r.table, await readBack(r)), sealed);
  const { later_field: _ignored, ...values } = await readBack(r);
  assert.notEqual(widened.digest(r.table, { ...values, description: 'x', risk_level: 2 }), sealed);
});

test('IPv6 spellings of one address are one canonical text', () => {
  assert.equal(canonicalIpv6('::ffff:192.0.2.1'), canonicalIpv6('::FFFF:C000:0201'));
  assert.equal(canonicalIpv6('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(canonicalIpv6(''), '::');
  assert.equal(canonicalIpv6('not-an-ip'), 'not-an-ip');
});
