// The SQL of the Grafana-managed rules, run against ClickHouse (the embedded store) with the
// ClickHouse data source's macros expanded as the plugin expands them: it must return exactly the
// firing instances of its rule, one labelled row per instance.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BUILTIN_RULES } from '../alerts/builtin.js';
import { parseRule } from '../alerts/rule-model.js';
import { formatTime } from '../mapping/fields.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { tempDir } from '@auditlens/test-support';
import { firingInstancesSql, grafanaRulePayload, INSTANCE_LABELS } from './rules.js';
import { DEFAULT_GRAFANA_SETTINGS } from './settings.js';

const dir = tempDir('grafana-sql');
let store: EmbeddedStore;
const NOW = Date.now();

/**
 * The time macros of grafana-clickhouse-datasource (pkg/macros/macros.go): $__fromTime/$__toTime
 * → toDateTime(<seconds>), the _ms forms → fromUnixTimestamp64Milli(<ms>), $__timeFilter(col) and
 * $__timeFilter_ms(col) → col >= from AND col <= to.
 */
function expandMacros(sql: string, fromMs: number, toMs: number): string {
  const seconds = (ms: number) => `toDateTime(${Math.floor(ms / 1000)})`;
  const millis = (ms: number) => `fromUnixTimestamp64Milli(${ms})`;
  return sql
    .replace(
      /\$__timeFilter_ms\(([^)]+)\)/g,
      (_, c: string) => `${c} >= ${millis(fromMs)} AND ${c} <= ${millis(toMs)}`,
    )
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, c: string) => `${c} >= ${seconds(fromMs)} AND ${c} <= ${seconds(toMs)}`,
    )
    .replaceAll('$__fromTime_ms', millis(fromMs))
    .replaceAll('$__toTime_ms', millis(toMs))
    .replaceAll('$__fromTime', seconds(fromMs))
    .replaceAll('$__toTime', seconds(toMs));
}

interface StateInput {
  tenant: string;
  rule: string;
  group: Record<string, string>;
  state: 'firing' | 'resolved';
  version: number;
  firedAt?: number;
  matches?: number;
}

const key = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');

const states: StateInput[] = [
  // builtin.brute-force-ip: three firing instances in two tenants …
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '198.51.100.4' },
    state: 'firing',
    version: 1,
    matches: 60,
  },
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '2001:db8::7' },
    state: 'firing',
    version: 1,
  },
  {
    tenant: 'globex',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '198.51.100.4' },
    state: 'firing',
    version: 1,
  },
  // … one that fired, then resolved (a newer version of the same instance: FINAL keeps only it) …
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '203.0.113.1' },
    state: 'firing',
    version: 1,
  },
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '203.0.113.1' },
    state: 'resolved',
    version: 2,
  },
  // … one resolved then firing again (newest version firing) …
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '203.0.113.2' },
    state: 'resolved',
    version: 1,
  },
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '203.0.113.2' },
    state: 'firing',
    version: 2,
  },
  // … and one that fired after the evaluated instant.
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-ip',
    group: { ip_address: '203.0.113.3' },
    state: 'firing',
    version: 1,
    firedAt: NOW + 60_000,
  },
  // Other rules, firing or not: never returned by this rule's query.
  {
    tenant: 'acme',
    rule: 'builtin.brute-force-account',
    group: { user_id: 'alice' },
    state: 'firing',
    version: 1,
  },
  {
    tenant: 'acme',
    rule: 'builtin.new-admin-ip',
    group: { user_id: 'root', ip_address: '10.0.0.9' },
    state: 'firing',
    version: 1,
  },
  { tenant: '', rule: 'builtin.failed-logins-hourly', group: {}, state: 'firing', version: 1 },
];

before(async () => {
  store = EmbeddedStore.inDataDir(dir.path, 'audit');
  await migrate(store);
  // Separate inserts (separate parts) so that FINAL, not a merge that already happened, decides.
  for (const s of states) {
    await store.insertJsonLines(
      'audit_alert_state',
      JSON.stringify({
        tenant_id: s.tenant,
        rule_id: s.rule,
        group_key: key(s.group),
        state: s.state,
        severity: 3,
        rule_name: s.rule,
        mitre_tactic: 'TA0006',
        mitre_technique: 'T1110',
        contact_point: '',
        summary: 'summary',
        match_count: s.matches ?? 11,
        first_seen: formatTime(NOW - 60_000),
        last_seen: formatTime(NOW - 1000),
        event_ids: [randomUUID()],
        version: s.version,
        security_event_id: randomUUID(),
        group_labels: s.group,
        fired_at: formatTime(s.firedAt ?? NOW - 30_000),
        resolved_at: formatTime(s.state === 'resolved' ? NOW - 5000 : 0),
      }),
    );
  }
});

after(async () => {
  await store.close();
  dir.remove();
});

async function run(ruleId: string): Promise<Record<string, unknown>[]> {
  const rule = BUILTIN_RULES.find((r) => r.id === ruleId);
  assert.ok(rule);
  const payload = grafanaRulePayload(rule, DEFAULT_GRAFANA_SETTINGS);
  const sql = String(payload.data[0]?.model.rawSql);
  assert.equal(sql, firingInstancesSql(rule, 'audit'));
  assert.match(sql, /\$__toTime_ms/, 'uses the data source macro');
  return store.query<Record<string, unknown>>(expandMacros(sql, NOW - 600_000, NOW));
}

test("a rule's query returns exactly its firing instances, across tenants, newest version only", async () => {
  const rows = await run('builtin.brute-force-ip');
  const got = rows.map((r) => `${String(r.tenant)} ${String(r.ip_address)}`).sort();
  assert.deepEqual(got, ['acme 198.51.100.4', 'acme 2001:db8::7', 'acme 203.0.113.2', 'globex 198.51.100.4']);
});

test('each row is labelled (string columns) with one numeric value, for Grafana multi-dimensional alerts', async () => {
  const rows = await run('builtin.brute-force-ip');
  const row = rows.find((r) => r.tenant === 'acme' && r.ip_address === '198.51.100.4');
  assert.ok(row);
  for (const label of INSTANCE_LABELS) assert.equal(typeof row[label], 'string', label);
  assert.equal(row.auditlens_rule, 'builtin.brute-force-ip');
  assert.equal(row.group_key, 'ip_address="198.51.100.4"');
  assert.equal(row.severity, '3');
  assert.equal(row.mitre_technique, 'T1110');
  assert.match(String(row.incident_id), /^[0-9a-f-]{36}$/);
  assert.equal(row.matches, 60);
  const numeric = Object.entries(row).filter(([, v]) => typeof v === 'number');
  assert.deepEqual(
    numeric.map(([k]) => k),
    ['matches'],
    'one value column: the condition is matches > 0',
  );
});

test('group fields of every kind become labels (new-value fields too; no group at all works)', async () => {
  const [admin] = await run('builtin.new-admin-ip');
  assert.equal(admin?.user_id, 'root');
  assert.equal(admin?.ip_address, '10.0.0.9');
  const system = await run('builtin.failed-logins-hourly');
  assert.deepEqual(
    system.map((r) => [r.tenant, r.group_key]),
    [['', '']],
  );
  assert.deepEqual(await run('builtin.mass-export'), [], 'nothing firing: no rows (noDataState OK)');
});

test('attribute group fields become valid label names', async () => {
  const rule = parseRule({
    id: 'custom.tier',
    name: 'tier',
    kind: 'match',
    source: 'security',
    groupBy: ['attributes.app.tier'],
    window: '1m',
  });
  const sql = expandMacros(firingInstancesSql(rule, 'audit'), NOW - 1000, NOW);
  assert.match(sql, /group_labels\['attributes\.app\.tier'\] AS `attr_app_tier`/);
  assert.deepEqual(await store.query(sql), []);
});
