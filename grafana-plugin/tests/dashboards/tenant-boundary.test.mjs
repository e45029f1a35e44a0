// The tenant boundary of the dashboards is ClickHouse's, not the SQL's (DESIGN §8). Two tenants'
// records go through the real pipeline (an exporter on a temp dir, embedded ClickHouse); then
// every panel and variable query of every dashboard, with every variable set to hostile values,
// runs as tenant A's reader: a chdb session whose users.xml makes its `default` user the reader
// that `npx auditlens tenants add acme` defines (rendered by the same code as the server DDL).
// Each answer must equal the answer of the same query on a copy of the data that holds tenant A's
// rows only, errors included: no row of tenant B, no error that tells anything about B.
// Run: node --test grafana-plugin/tests/dashboards/ (after `npx tsc -b` at the root).
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { drainPending, Session } from 'chdb';
import { startExporter, READER_TABLES, readerUsersXml, tenantReader } from '@auditlens/exporter';
import { tempDir } from '@auditlens/test-support';
import { seedAndWait, TENANT } from '../support/seed.mjs';
import { ALL, expandQuery, percentEncode } from './macros.mjs';

const OTHER = 'globex';
const here = dirname(fileURLToPath(import.meta.url));
const dashboardsDir = join(here, '..', '..', 'src', 'dashboards');
const dashboards = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) }));

/**
 * Values an attacker can give any variable (from the URL, `var-user=…`, or a text box): quotes,
 * backslashes (ClickHouse honours both escapes), comments, OR 1=1, the other tenant's name,
 * look-alike quotes and backslashes, data-source macros, control characters, very long values.
 */
const HOSTILE = [
  "' OR 1=1 --",
  "\\' = '') OR 1=1 --",
  '\\',
  "\\\\' OR '1'='1",
  "x') OR tenant_id != 'acme' OR ('1'='1",
  '*/ OR 1=1 /*',
  "acme' UNION ALL SELECT * FROM audit.audit_admin_log --",
  OTHER,
  '@system',
  'ʼ OR 1=1 --',
  '＇ OR 1=1 --',
  '‘ OR 1=1 ’',
  "＼' OR 1=1 --",
  '$__timeFilter(event_time) OR 1=1',
  '${__from} ${tenant}',
  "\u0000' OR 1=1 --",
  "\n' OR 1=1 --\n",
  '%27 OR 1=1 --',
  "%' OR 1=1 --",
  'x'.repeat(10_000),
  `${"'".repeat(4000)}${'\\'.repeat(4000)}`,
  // Longer than a query may be (max_query_size, 256 KiB) once percent-encoded: ClickHouse refuses it.
  "'\\".repeat(50_000),
];
/** ClickHouse's default max_query_size. */
const MAX_QUERY_BYTES = 262_144;

const dir = tempDir('tenant-boundary');
const dataPath = join(dir.path, 'clickhouse');
const onlyAPath = join(dir.path, 'only-a', 'clickhouse');
const readerConfig = join(dir.path, 'reader', 'config.xml');
const now = Date.now();
const context = (vars) => ({ fromMs: now - 24 * 3_600_000, toMs: now + 60_000, intervalS: 300, vars });
const DEFAULTS = { tenant: TENANT, service: ALL, user: '', db_table: ALL, record: '', slow_ms: '3000' };
/** Rows of tenant B per table, counted while the exporter ran. */
let otherRows;

/** One chdb session at a time (chdb holds one data directory per process). */
async function withSession(path, connectionArgs, work) {
  const session = new Session(path, { connectionArgs });
  try {
    return await work((sql, params) => {
      const text = (params ? session.queryBind(sql, params, 'JSON') : session.query(sql, 'JSON')).toString();
      return text ? JSON.parse(text).data : [];
    });
  } finally {
    session.close();
    await drainPending();
  }
}

/** A query's answer: its rows (in a canonical order: LIMIT ties and parts may order them differently) or its error. */
function answer(run, sql) {
  try {
    return {
      rows: run(sql)
        .map((row) => JSON.stringify(row))
        .sort(),
    };
  } catch (error) {
    return { error: error.message.replace(/\(version [^)]*\)/g, '') };
  }
}

/** Every query of the dashboards with the variables of `vars`, `now()` pinned so two runs compare. */
function expandedQueries(vars) {
  const to = Math.floor(context(vars).toMs / 1000);
  return dashboards
    .flatMap((d) => [
      ...d.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `${d.file} $${v.name}`, sql: v.query })),
      ...d.panels.flatMap((p) =>
        (p.targets ?? [])
          .filter((t) => t.rawSql)
          .map((t) => ({ where: `${d.file} "${p.title}"`, sql: t.rawSql })),
      ),
    ])
    .map(({ where, sql }) => ({
      where,
      sql: expandQuery(sql, context(vars)).replaceAll('now()', `toDateTime(${to})`),
    }));
}

before(async () => {
  const exporter = await startExporter(
    { dataDir: dir.path, otlpPort: 0, otlpGrpcPort: 0, apiPort: 0, host: '127.0.0.1', logLevel: 'silent' },
    {},
  );
  try {
    const db = exporter.store.database;
    for (const tenant of [TENANT, OTHER]) await seedAndWait(exporter, now, tenant);
    otherRows = Object.fromEntries(
      await Promise.all(
        READER_TABLES.map(async (table) => {
          const [row] = await exporter.store.query(
            `SELECT count() AS n FROM ${db}.${table} WHERE tenant_id = {tenant:String}`,
            { tenant: OTHER },
          );
          return [table, Number(row.n)];
        }),
      ),
    );
  } finally {
    await exporter.close();
    await drainPending();
  }
  // Tenant A's reader, as the exporter's tenant-reader definition renders it for chdb.
  mkdirSync(dirname(readerConfig), { recursive: true });
  const usersXml = join(dirname(readerConfig), 'users.xml');
  writeFileSync(usersXml, readerUsersXml(tenantReader([TENANT]), { inProcess: true }, { database: 'audit' }));
  writeFileSync(
    readerConfig,
    `<clickhouse><user_directories><users_xml><path>${usersXml}</path></users_xml></user_directories></clickhouse>\n`,
  );
  // The oracle: the same data without any row that is not tenant A's.
  cpSync(dataPath, onlyAPath, { recursive: true });
  await withSession(onlyAPath, [], async (run) => {
    for (const table of READER_TABLES) {
      run(`ALTER TABLE audit.${table} DELETE WHERE tenant_id != '${TENANT}' SETTINGS mutations_sync = 2`);
    }
  });
});

after(() => dir.remove());

test('tenant B has rows in the tables the dashboards read, so a leak would show', () => {
  for (const table of [
    'audit_request_log',
    'audit_admin_log',
    'audit_change_log',
    'audit_security_log',
    'audit_summary_minute',
    'audit_summary_hour',
    'audit_alert_state',
  ]) {
    assert.ok(otherRows[table] > 0, `${table} holds rows of ${OTHER}`);
  }
});

test("tenant A's reader sees tenant A's rows only, whatever its SQL says, and cannot change that", async () => {
  await withSession(dataPath, [`--config-file=${readerConfig}`], async (run) => {
    for (const table of READER_TABLES) {
      const rows = run(
        `SELECT DISTINCT tenant_id FROM audit.${table} WHERE 1 = 1 OR 1 = 1 OR tenant_id = '${OTHER}'`,
      );
      assert.ok(
        rows.every((r) => r.tenant_id === TENANT),
        `${table}: ${JSON.stringify(rows)}`,
      );
    }
    for (const sql of [
      `SELECT count() AS n FROM merge('audit', '^audit_admin_log$') WHERE tenant_id = '${OTHER}'`,
      `SELECT count() AS n FROM (SELECT * FROM audit.audit_request_log UNION ALL SELECT * FROM audit.audit_request_log) WHERE tenant_id = '${OTHER}'`,
      `SELECT count() AS n FROM audit.audit_summary_hour WHERE tenant_id = '${OTHER}' SETTINGS max_execution_time = 30`,
    ]) {
      assert.deepEqual(run(sql), [{ n: 0 }], sql);
    }
    for (const [sql, refusal] of [
      [`INSERT INTO audit.audit_admin_log (tenant_id) VALUES ('${TENANT}')`, /ACCESS_DENIED|READONLY/],
      ['SELECT * FROM audit.audit_alert_rule', /ACCESS_DENIED/],
      ['SELECT * FROM audit.audit_retention_policy', /ACCESS_DENIED/],
      ['SELECT 1 SETTINGS readonly = 0', /READONLY/],
      ['SELECT 1 SETTINGS max_execution_time = 100000', /SETTING_CONSTRAINT_VIOLATION/],
      ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /ACCESS_DENIED/],
      ["SELECT * FROM remote('127.0.0.1', audit.audit_admin_log)", /ACCESS_DENIED/],
      ['SELECT * FROM system.row_policies', /ACCESS_DENIED/],
      ['DROP ROW POLICY IF EXISTS auditlens_reader_acme ON audit.audit_admin_log', /ACCESS_DENIED|READONLY/],
    ]) {
      assert.throws(() => run(sql), refusal, sql);
    }
  });
});

test('every dashboard query, with every variable hostile, answers as on tenant A’s rows alone', async () => {
  // Every variable gets every hostile value once (a rotation), plus the defaults.
  const contexts = [
    DEFAULTS,
    ...HOSTILE.map((_, i) => {
      const names = Object.keys(DEFAULTS);
      return Object.fromEntries(names.map((name, k) => [name, HOSTILE[(i + k) % HOSTILE.length]]));
    }),
  ];
  const queries = contexts.flatMap((vars) => expandedQueries(vars));
  const asReader = await withSession(dataPath, [`--config-file=${readerConfig}`], async (run) =>
    queries.map(({ sql }) => answer(run, sql)),
  );
  const onTenantAOnly = await withSession(onlyAPath, [], async (run) =>
    queries.map(({ sql }) => answer(run, sql)),
  );
  const differences = [];
  queries.forEach(({ where, sql }, i) => {
    const got = asReader[i];
    if (JSON.stringify(got) !== JSON.stringify(onTenantAOnly[i])) {
      differences.push(
        `${where}: ${JSON.stringify(got).slice(0, 300)} ≠ ${JSON.stringify(onTenantAOnly[i]).slice(0, 300)}`,
      );
    }
    // An error only for a query too long to be one, saying nothing about tenant B.
    if (got.error && (Buffer.byteLength(sql) <= MAX_QUERY_BYTES || got.error.includes(OTHER))) {
      differences.push(`${where}: ${got.error.slice(0, 300)}`);
    }
  });
  assert.deepEqual(differences, [], `${queries.length} queries`);
  const failed = asReader.filter((a) => a.error);
  assert.ok(
    failed.length > 0 && failed.every((a) => /max_query_size|Max query size/.test(a.error)),
    failed[0]?.error,
  );
});

// The original report: on admin-operations, `$user` set to this returned both tenants' rows,
// because `${user:sqlstring}` only doubles quotes and ClickHouse also honours backslash escapes.
const ATTACK = "\\' = '') OR 1=1 --";
/** The predicate shape of the old admin-operations panels (tenant from a variable, user via :sqlstring). */
const OLD_ADMIN_OPERATIONS =
  "SELECT tenant_id, username FROM audit.audit_admin_log WHERE tenant_id = if(${tenant:sqlstring} = '@system', '', ${tenant:sqlstring}) " +
  "AND (${user:sqlstring} = '' OR user_id = ${user:sqlstring} OR username = ${user:sqlstring})";

test('the original attack leaked with the old SQL and a reader of every tenant, and leaks no more', async () => {
  const old = expandQuery(OLD_ADMIN_OPERATIONS, context({ tenant: TENANT, user: ATTACK }));
  const recent = dashboards
    .find((d) => d.file === 'admin-operations.json')
    .panels.find((p) => p.title === 'Recent admin operations').targets[0].rawSql;
  const current = expandQuery(recent, context({ ...DEFAULTS, service: 'admin-portal', user: ATTACK }));
  // A session without row policies: the old shared reader, which could read every tenant.
  await withSession(dataPath, [], async (run) => {
    const tenants = new Set(run(old).map((r) => r.tenant_id));
    assert.ok(tenants.has(OTHER), `the old SQL alone leaked ${OTHER}: ${[...tenants]}`);
    // The SQL is safe on its own now: the value is one user name that matches nobody.
    assert.deepEqual(run(current), []);
    for (const value of HOSTILE.filter((v) => percentEncode(v).length < MAX_QUERY_BYTES - 100)) {
      const [row] = run(`SELECT decodeURLComponent('${percentEncode(value)}') = {value:String} AS same`, {
        value,
      });
      assert.equal(row.same, 1, `round trip of ${JSON.stringify(value.slice(0, 40))}`);
    }
  });
  // Defence in depth: even the old, injectable SQL cannot leave tenant A under A's reader.
  await withSession(dataPath, [`--config-file=${readerConfig}`], async (run) => {
    const rows = run(old);
    assert.ok(rows.length > 0, 'the injection still widens the predicate…');
    assert.deepEqual(new Set(rows.map((r) => r.tenant_id)), new Set([TENANT]), '…but only within tenant A');
  });
});
