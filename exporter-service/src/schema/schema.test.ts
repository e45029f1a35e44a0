// The schema against the real engine: migrations are idempotent, every mapped attribute has its
// column with a fitting type, the seed retention policies are in place, and the cluster variant
// parses as ClickHouse SQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EmbeddedStore } from '../store/embedded.js';
import { KINDS } from '../mapping/kinds.js';
import { tempDir } from '@auditlens/test-support';
import { appliedVersions, migrate, schemaStatements } from './migrate.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';

const dir = tempDir('schema');
let store: EmbeddedStore;

before(async () => {
  store = new EmbeddedStore(dir.path, 'audit');
  await migrate(store);
});
after(async () => {
  await store.close();
  dir.remove();
});

test('migrating again applies nothing and changes nothing', async () => {
  const again = await migrate(store);
  assert.deepEqual(again.applied, []);
  assert.equal(again.current, LATEST_SCHEMA_VERSION);
  assert.ok((await appliedVersions(store)).has(LATEST_SCHEMA_VERSION));
  const [policies] = await store.query<{ n: string }>(
    'SELECT count() AS n FROM audit.audit_retention_policy FINAL',
  );
  assert.equal(Number(policies?.n), 8, 'seed policies are not duplicated');
});

test('every mapped attribute has a column of a fitting ClickHouse type', async () => {
  const columns = await store.query<{ table: string; name: string; type: string }>(
    "SELECT table, name, type FROM system.columns WHERE database = 'audit'",
  );
  const typeOf = new Map(columns.map((c) => [`${c.table}.${c.name}`, c.type]));
  const expected: Record<string, RegExp> = {
    text: /String/,
    json: /^String$/,
    int: /^Int64$/,
    uint: /^UInt\d+$/,
    float: /^Float64$/,
    bool: /^Bool$/,
    textArray: /^Array\(.*String.*\)$/,
    uuid: /^UUID$/,
    uuidArray: /^Array\(UUID\)$/,
    ip: /^IPv6$/,
    risk: /^UInt8$/,
    status: /^UInt16$/,
    time: /^DateTime64\(3, 'UTC'\)$/,
  };
  for (const spec of Object.values(KINDS)) {
    for (const mapping of spec.columns) {
      const type = typeOf.get(`${spec.table}.${mapping.column}`);
      assert.ok(type, `${spec.table}.${mapping.column} exists (for ${mapping.attribute})`);
      const pattern = typeof mapping.kind === 'object' ? /String/ : expected[mapping.kind];
      assert.match(
        type,
        pattern ?? /./,
        `${spec.table}.${mapping.column} has a type for ${JSON.stringify(mapping.kind)}`,
      );
    }
    for (const common of [
      'tenant_id',
      'event_time',
      'event_id',
      'trace_id',
      'span_id',
      'attributes',
      'retention_days',
    ]) {
      assert.ok(typeOf.has(`${spec.table}.${common}`), `${spec.table}.${common}`);
    }
  }
});

test('audit tables: tenant first in ORDER BY, monthly partitions, per-row TTL, bloom filter on trace_id', async () => {
  const tables = await store.query<{
    name: string;
    sorting_key: string;
    partition_key: string;
    create_table_query: string;
  }>(
    "SELECT name, sorting_key, partition_key, create_table_query FROM system.tables WHERE database = 'audit' AND name LIKE 'audit\\_%\\_log'",
  );
  assert.equal(tables.length, 6);
  for (const table of tables) {
    assert.match(table.sorting_key, /^tenant_id, /, table.name);
    assert.equal(table.partition_key, 'toYYYYMM(event_time)', table.name);
    assert.match(
      table.create_table_query,
      /TTL toDateTime\(event_time\) \+ toIntervalDay\(retention_days\)/,
      table.name,
    );
    assert.match(table.create_table_query, /INDEX idx_trace_id trace_id TYPE bloom_filter/, table.name);
  }
});

test('summary views count committed rows per minute and hour', async () => {
  await store.insertJsonLines(
    'audit_admin_log',
    JSON.stringify({
      tenant_id: 'sum',
      event_time: '2026-01-01 10:00:01.000',
      event_id: '01900000-0000-7000-8000-000000000001',
      operation_name: 'grant_role',
      user_id: 'u1',
      result: 'success',
      risk_level: 3,
      attributes: {},
    }),
  );
  const rows = await store.query<{ events: string; users: string }>(
    `SELECT sum(events) AS events, uniqMerge(users) AS users FROM audit.audit_summary_minute
     WHERE tenant_id = 'sum' AND kind = 'admin'`,
  );
  assert.deepEqual(rows, [{ events: '1', users: '1' }]);
});

test('storage tuning (migration 4): LowCardinality user agents and field labels, ZSTD(6) event ids', async () => {
  const columns = await store.query<{ table: string; name: string; type: string; codec: string }>(
    `SELECT table, name, type, compression_codec AS codec FROM system.columns
     WHERE database = 'audit' AND table LIKE 'audit\\_%\\_log' AND name IN ('user_agent', 'field_label', 'event_id')`,
  );
  const of = (table: string, name: string) => columns.find((c) => c.table === table && c.name === name);
  for (const spec of Object.values(KINDS)) {
    assert.equal(of(spec.table, 'user_agent')?.type, 'LowCardinality(String)', spec.table);
    assert.equal(of(spec.table, 'event_id')?.codec, 'CODEC(ZSTD(6))', spec.table);
  }
  assert.equal(of('audit_change_log', 'field_label')?.type, 'LowCardinality(String)');
});

test('every audit table keeps per tenant-day counts and oldest/newest times in a projection that queries use', async () => {
  const projections = await store.query<{ table: string }>(
    "SELECT table FROM system.projections WHERE database = 'audit' AND name = 'p_tenant_day'",
  );
  assert.deepEqual(
    projections.map((p) => p.table).sort(),
    Object.values(KINDS)
      .map((k) => k.table)
      .sort(),
  );
  const rows = ['2026-02-01 10:00:00.000', '2026-02-01 23:59:59.999', '2026-02-03 08:30:00.250'].map(
    (time, i) =>
      JSON.stringify({
        tenant_id: 'proj',
        event_time: time,
        event_id: `01900000-0000-7000-8000-00000000010${i}`,
        service: i === 2 ? 'auditlens-exporter' : 'shop',
        http_method: 'GET',
        url_path: '/',
        attributes: {},
      }),
  );
  await store.insertJsonLines('audit_request_log', rows.join('\n'));
  const sql = `SELECT count() AS n, min(event_time) AS oldest, max(event_time) AS newest
    FROM audit.audit_request_log WHERE tenant_id = 'proj' AND service NOT IN ('auditlens-exporter')`;
  const expected = [{ n: '2', oldest: '2026-02-01 10:00:00.000', newest: '2026-02-01 23:59:59.999' }];
  assert.deepEqual(await store.query(sql), expected);
  assert.deepEqual(await store.query(`${sql} SETTINGS optimize_use_projections = 0`), expected);
  const plan = await store.query<{ explain: string }>(`EXPLAIN projections = 1 ${sql}`);
  assert.ok(
    plan.some((line) => line.explain.includes('ReadFromMergeTree (p_tenant_day)')),
    plan.map((l) => l.explain).join('\n'),
  );
});

test('the cluster variant (ReplicatedMergeTree + Distributed, ON CLUSTER) parses as ClickHouse SQL', async () => {
  const statements = schemaStatements({ database: 'audit', cluster: 'auditlens' }).filter(
    (s): s is string => typeof s === 'string',
  );
  assert.ok(statements.some((s) => /ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{shard\}/.test(s)));
  assert.ok(
    statements.some((s) =>
      /ENGINE = Distributed\(auditlens, audit, audit_request_log_local, cityHash64\(event_id\)\)/.test(s),
    ),
  );
  assert.ok(
    statements.some((s) =>
      /MATERIALIZED VIEW .*audit_request_log_summary_minute_mv_local ON CLUSTER auditlens TO audit\.audit_summary_minute_local/.test(
        s,
      ),
    ),
  );
  // Migration 4: the storage tables take codecs, types and the projection; the Distributed table
  // only the type change.
  assert.ok(
    statements.includes(
      'ALTER TABLE audit.audit_change_log ON CLUSTER auditlens MODIFY COLUMN user_agent LowCardinality(String), ' +
        'MODIFY COLUMN field_label LowCardinality(String)',
    ),
  );
  assert.ok(
    statements.some((s) =>
      /^ALTER TABLE audit\.audit_security_log_local ON CLUSTER auditlens ADD PROJECTION IF NOT EXISTS p_tenant_day /.test(
        s,
      ),
    ),
  );
  for (const statement of statements) {
    const [parsed] = await store.query<{ sql: string }>('SELECT formatQuery({statement:String}) AS sql', {
      statement,
    });
    assert.ok(parsed?.sql.includes('ON CLUSTER auditlens'), statement.slice(0, 80));
  }
});
