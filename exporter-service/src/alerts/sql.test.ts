// Rules evaluated in memory and rules compiled to SQL must select the same records: the window
// rebuild after a restart and the dry run read ClickHouse with the SQL form. Runs on the
// embedded store with a varied set of stored rows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { AttributeValue } from '../otlp/values.js';
import { buildRow, type AuditRow } from '../mapping/row.js';
import type { AuditKind } from '../mapping/kinds.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { tempDir } from '@auditlens/test-support';
import { ALERT_SERVICE, compileRule, type EngineRow } from './compile.js';
import { dryRun } from './dry-run.js';
import { fetchRuleRows } from './history.js';
import { parseRule, type AlertRuleInput } from './rule-model.js';

const dir = tempDir('alerts-sql');
let store: EmbeddedStore;
const rows: AuditRow[] = [];
const BASE = Date.now() - 8 * 86_400_000;
const LIMITS = { maxAttributeBytes: 65536, maxFutureSkewMs: 60_000 };

function make(
  kind: AuditKind,
  i: number,
  tenant: string,
  attributes: Record<string, AttributeValue>,
  service = 'shop',
) {
  return buildRow(
    {
      kind,
      tenantId: tenant,
      eventId: randomUUID(),
      eventTimeMs: BASE + i * 37 * 60_000, // every 37 minutes: all hours and weekdays over 8 days
      traceId: '',
      spanId: '',
      parentSpanId: '',
      description: `record ${i}`,
      resource: new Map([['service.name', service]]),
    },
    new Map(Object.entries(attributes)),
    LIMITS,
  );
}

before(async () => {
  store = EmbeddedStore.inDataDir(dir.path, 'audit');
  await migrate(store);
  const ips = ['198.51.100.4', '198.51.100.77', '2001:db8::1', '10.1.2.3'];
  const types = ['LOGIN_FAILED', 'LOGIN_SUCCESS', 'PERMISSION_DENIED', 'BRUTE_FORCE'];
  for (let i = 0; i < 300; i++) {
    const tenant = i % 7 === 0 ? 'globex' : i % 11 === 0 ? '' : 'acme';
    rows.push(
      make(
        'security',
        i,
        tenant,
        {
          'audit.security.event_type': types[i % types.length] ?? '',
          'client.address': ips[i % ips.length] ?? '',
          'user.id': `u-${i % 5}`,
          'user.roles': i % 3 === 0 ? ['admin', 'ops'] : ['viewer'],
          'audit.risk_level': (i % 4) + 1,
          'audit.sensitive': i % 2 === 0,
          'app.tier': i % 2 === 0 ? 'gold-plus' : 'silver',
          ...(i % 10 === 0
            ? { 'audit.security.detection_method': 'x', 'audit.security.related_events': [randomUUID()] }
            : {}),
        },
        i % 13 === 0 ? ALERT_SERVICE : 'shop',
      ),
      make('admin', i, tenant, {
        'audit.operation': i % 2 === 0 ? 'GRANT_ROLE' : 'update_config',
        'audit.admin.target_type': i % 3 === 0 ? 'role' : 'setting',
        'user.id': `admin-${i % 3}`,
        'audit.risk_level': (i % 4) + 1,
        'http.response.status_code': i % 2 === 0 ? 200 : 403,
      }),
      make(
        'request',
        i,
        tenant,
        {
          'http.request.method': 'GET',
          'url.path': `/api/reports/${i}`,
          'audit.operation': i % 4 === 0 ? 'export' : 'read',
          'audit.duration_ms': i * 1.5,
          'user.id': `u-${i % 5}`,
        },
        i % 2 === 0 ? 'shop' : 'billing',
      ),
    );
  }
  const byTable = new Map<string, AuditRow[]>();
  for (const row of rows) byTable.set(row.table, [...(byTable.get(row.table) ?? []), row]);
  for (const [table, list] of byTable) {
    await store.insertJsonLines(table, list.map((r) => JSON.stringify(r.values)).join('\n'));
  }
});

after(async () => {
  await store.close();
  dir.remove();
});

const engineRow = (row: AuditRow): EngineRow => ({
  table: row.table,
  tenantId: row.tenantId,
  eventId: row.eventId,
  timeMs: row.eventTimeMs,
  values: row.values,
});

const base = { id: 'r', name: 'r', kind: 'match', window: '5m' } as const;
const RULES: AlertRuleInput[] = [
  { ...base, source: 'security', filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }] },
  { ...base, source: 'security', filter: [{ field: 'event_type', op: '!=', value: 'LOGIN_FAILED' }] },
  { ...base, source: 'security', filter: [{ field: 'ip_address', op: '=', value: '198.51.100.4' }] },
  {
    ...base,
    source: 'security',
    filter: [{ field: 'ip_address', op: 'in', values: ['2001:0db8:0:0::1', '10.1.2.3'] }],
  },
  { ...base, source: 'security', filter: [{ field: 'ip_address', op: 'prefix', value: '198.51.100.' }] },
  { ...base, source: 'security', filter: [{ field: 'ip_address', op: 'regex', pattern: '^2001:' }] },
  { ...base, source: 'security', filter: [{ field: 'user_roles', op: '=', value: 'admin' }] },
  { ...base, source: 'security', filter: [{ field: 'user_roles', op: 'not_in', values: ['admin', 'root'] }] },
  { ...base, source: 'security', filter: [{ field: 'user_roles', op: 'regex', pattern: '^v' }] },
  { ...base, source: 'security', filter: [{ field: 'risk_level', op: 'range', min: 2, max: 3 }] },
  { ...base, source: 'security', filter: [{ field: 'risk_level', op: 'in', values: [1, 4] }] },
  { ...base, source: 'security', filter: [{ field: 'is_sensitive', op: '=', value: true }] },
  { ...base, source: 'security', filter: [{ field: 'attributes.app.tier', op: 'prefix', value: 'gold' }] },
  { ...base, source: 'security', filter: [{ field: 'related_events', op: 'regex', pattern: '^[0-9a-f]' }] },
  { ...base, source: 'security', filter: [{ field: 'event_id', op: 'regex', pattern: '^[0-7]' }] },
  { ...base, source: 'security', tenant: 'globex', filter: [] },
  { ...base, source: 'security', tenant: '@system', filter: [] },
  {
    ...base,
    source: 'admin',
    filter: [
      {
        anyOf: [
          { field: 'target_type', op: '=', value: 'role' },
          { field: 'operation_name', op: 'regex', pattern: '(?i)grant' },
        ],
      },
      { field: 'status_code', op: 'range', max: 299 },
    ],
  },
  {
    ...base,
    source: 'admin',
    filter: [],
    schedule: {
      timezone: 'Asia/Shanghai',
      weekdays: [1, 2, 3, 4, 5],
      from: '09:00',
      to: '18:00',
      match: 'outside',
    },
  },
  {
    ...base,
    source: 'admin',
    filter: [],
    schedule: { timezone: 'America/New_York', weekdays: [6, 7], from: '22:00', to: '06:00', match: 'inside' },
  },
  { ...base, source: 'request', filter: [{ field: 'duration_ms', op: 'range', min: 100.5 }] },
  {
    ...base,
    source: '*',
    filter: [
      { field: 'risk_level', op: 'range', min: 3 },
      { field: 'service', op: 'in', values: ['shop'] },
    ],
  },
];

test('every operator, field type, anyOf, schedule and tenant scope selects the same rows in SQL as in memory', async () => {
  for (const input of RULES) {
    const rule = parseRule(input);
    const compiled = compileRule(rule);
    const expected = rows
      .filter((row) => compiled.tables.has(row.table))
      .map(engineRow)
      .filter((row) => !(row.values.service === ALERT_SERVICE && row.values.detection_method !== ''))
      .filter((row) => compiled.applies(row))
      .map((row) => row.eventId)
      .sort();
    const { rows: stored } = await fetchRuleRows(store, rule, BASE - 1, Date.now(), 100_000);
    const selected = stored.map((r) => r.eventId).sort();
    assert.ok(
      expected.length > 0 && expected.length < rows.length,
      `${JSON.stringify(input)} selects a proper subset`,
    );
    assert.deepEqual(selected, expected, JSON.stringify(input));
    // And the rows read back evaluate the same in memory (same normalization of every type).
    assert.ok(
      stored.every((r) => compiled.applies(r)),
      `read back: ${JSON.stringify(input)}`,
    );
  }
});

test('alert-generated security records are never read back for rules', async () => {
  const rule = parseRule({ ...base, source: 'security', filter: [] });
  const { rows: stored } = await fetchRuleRows(store, rule, BASE - 1, Date.now(), 100_000);
  const generated = rows.filter(
    (r) => r.values.service === ALERT_SERVICE && r.values.detection_method !== '',
  );
  assert.ok(generated.length > 0);
  const ids = new Set(stored.map((r) => r.eventId));
  assert.ok(generated.every((r) => !ids.has(r.eventId)));
});

test('a dry run over stored records returns the incidents the rule would have raised', async () => {
  // A LOGIN_FAILED every 148 minutes (fewer for acme, whose share is about 80%): more than 5
  // within 24 hours happens, for the tenant as a whole.
  const rule = parseRule({
    id: 'dry',
    name: 'failures per tenant',
    kind: 'threshold',
    source: 'security',
    tenant: 'acme',
    filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    groupBy: [],
    window: '24h',
    threshold: 5,
  });
  const result = await dryRun(store, rule, BASE + 86_400_000, Date.now());
  assert.ok(result.rowsScanned > 0);
  assert.ok(result.instances.length > 0);
  for (const instance of result.instances) {
    assert.equal(instance.tenant, 'acme');
    assert.ok(instance.matchCount >= 6);
    assert.ok(Date.parse(instance.firedAt) >= BASE + 86_400_000);
    const triggering = rows.filter((r) => instance.eventIds.includes(r.eventId));
    assert.equal(triggering.length, instance.eventIds.length, 'instances point at stored records');
    assert.ok(triggering.every((r) => r.values.event_type === 'LOGIN_FAILED' && r.tenantId === 'acme'));
  }
  const total = await dryRun(store, { ...rule, tenant: 'globex' }, BASE + 86_400_000, Date.now());
  assert.ok(total.instances.every((i) => i.tenant === 'globex'));
});

test('new-value and silence histories are read aggregated, one row per value or per minute', async () => {
  const newIp = parseRule({
    id: 'nv',
    name: 'new ip',
    kind: 'new_value',
    source: 'security',
    filter: [],
    groupBy: ['user_id'],
    window: '5m',
    newValue: { fields: ['ip_address'] },
  });
  const { rows: values } = await fetchRuleRows(store, newIp, BASE - 1, Date.now(), 100_000);
  const pairs = new Set(
    values.map((r) => `${r.tenantId}|${String(r.values.user_id)}|${String(r.values.ip_address)}`),
  );
  assert.ok(values.length <= pairs.size * 2);
  const silence = parseRule({
    id: 's',
    name: 's',
    kind: 'silence',
    source: '*',
    filter: [],
    groupBy: ['service'],
    window: '15m',
  });
  const { rows: minutes } = await fetchRuleRows(store, silence, BASE - 1, Date.now(), 100_000);
  assert.ok(minutes.length > 0 && minutes.length < rows.length);
  assert.ok(
    minutes.every((r, i) => i === 0 || (minutes[i - 1]?.timeMs ?? 0) <= r.timeMs),
    'in time order',
  );
});
