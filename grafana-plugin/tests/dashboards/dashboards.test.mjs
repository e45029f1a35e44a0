// Every panel query of every bundled dashboard, expanded as Grafana and the ClickHouse data source
// would, run against ClickHouse filled by the real pipeline: an exporter on a temp dir (embedded
// ClickHouse), records sent over OTLP/HTTP, queries through exporter.store.query. Each must
// succeed, return the columns the panel expects, and return data. The dashboards' SQL names no
// tenant (the data source's ClickHouse user decides, see tenant-boundary.test.mjs) and splices
// every variable in a form that cannot carry SQL.
// Run: node --test grafana-plugin/tests/dashboards/ (after `npx tsc -b` at the root).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExporter } from '@auditlens/exporter';
import { tempDir } from '@auditlens/test-support';
import { seedAndWait } from '../support/seed.mjs';
import { ALL, expandQuery, splicedVariables } from './macros.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const dashboardsDir = join(here, '..', '..', 'src', 'dashboards');
const expected = JSON.parse(readFileSync(join(here, 'expected-columns.json'), 'utf8'));
const files = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const CLICKHOUSE = 'grafana-clickhouse-datasource';

const dir = tempDir('dashboards');
let exporter;
const now = Date.now();
const context = {
  fromMs: now - 24 * 3_600_000,
  toMs: now + 60_000,
  intervalS: 300,
  vars: { service: ALL, user: '', db_table: ALL, record: '', slow_ms: '3000' },
};

before(async () => {
  exporter = await startExporter(
    { dataDir: dir.path, otlpPort: 0, otlpGrpcPort: 0, apiPort: 0, host: '127.0.0.1', logLevel: 'silent' },
    {},
  );
  await seedAndWait(exporter, now);
});

after(async () => {
  await exporter?.close();
  dir.remove();
});

/** Every SQL text of a dashboard: panel queries and variable queries. */
const sqlOf = (dashboard) => [
  ...dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `$${v.name}`, sql: v.query })),
  ...dashboard.panels.flatMap((p) =>
    (p.targets ?? []).filter((t) => t.rawSql).map((t) => ({ where: `"${p.title}"`, sql: t.rawSql })),
  ),
];

test('every dashboard file is valid, takes its tenant from the data source variable and has expectations', () => {
  assert.deepEqual(
    files,
    Object.keys(expected)
      .map((n) => `${n}.json`)
      .sort(),
  );
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8'));
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    assert.equal(ds?.query, CLICKHOUSE, `${file}: datasource variable`);
    assert.equal(ds?.regex, '/^AuditLens/', `${file}: offers the AuditLens data sources (one per reader)`);
    assert.deepEqual(
      ds?.current,
      {},
      `${file}: no fixed data source: the first AuditLens one of the organisation`,
    );
    for (const name of ['service', 'user']) {
      assert.ok(
        dashboard.templating.list.some((v) => v.name === name),
        `${file}: $${name} variable`,
      );
    }
    // The $tenant variable only feeds links to the app: hidden, read from the data source.
    const tenant = dashboard.templating.list.find((v) => v.name === 'tenant');
    assert.equal(tenant?.hide, 2, `${file}: $tenant is hidden`);
    assert.match(tenant?.query ?? '', /FROM audit\.audit_summary_hour/);
    assert.match(dashboard.uid, /^auditlens-/);
  }
});

test('no query names a tenant or splices a variable in a form that could carry SQL', () => {
  const problems = [];
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8'));
    for (const { where, sql } of sqlOf(dashboard)) {
      // Tenants only in the $tenant list itself and as `tenant_id = ''` (the system-level panel).
      if (where !== '$tenant' && /tenant/i.test(sql.replace(/tenant_id = ''/g, ''))) {
        problems.push(`${file} ${where}: names a tenant`);
      }
      for (const spliced of splicedVariables(sql)) {
        if (
          spliced.format !== 'percentencode' ||
          spliced.context !== `decodeURLComponent('${spliced.text}')`
        ) {
          problems.push(`${file} ${where}: ${spliced.text} in "${spliced.context}"`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

for (const file of files) {
  const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8'));
  const name = file.replace(/\.json$/, '');
  describe(`dashboard ${dashboard.title}`, () => {
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      test(`variable $${variable.name} lists values`, async () => {
        const sql = expandQuery(variable.query, context);
        const rows = await exporter.store.query(sql);
        assert.ok(rows.length > 0, `no values for $${variable.name}: ${sql}`);
      });
    }
    for (const panel of dashboard.panels) {
      const targets = panel.targets ?? [];
      const clickhouse = targets.filter((t) => (t.datasource?.type ?? panel.datasource?.type) === CLICKHOUSE);
      if (clickhouse.length === 0) {
        test(`panel "${panel.title}" (${targets[0]?.datasource?.type} data source: not a ClickHouse query)`, {
          skip: 'reads the exporter metrics through a Prometheus data source',
        });
        continue;
      }
      test(`panel "${panel.title}"`, async () => {
        assert.equal(panel.datasource.uid, '${datasource}');
        for (const target of clickhouse) {
          const sql = expandQuery(target.rawSql, context);
          let rows;
          try {
            rows = await exporter.store.query(sql);
          } catch (error) {
            assert.fail(`${error.message}\n${sql}`);
          }
          assert.ok(rows.length > 0, `no rows:\n${sql}`);
          assert.deepEqual(Object.keys(rows[0]), expected[name][panel.title], `columns of "${panel.title}"`);
          const values = rows.flatMap((row) => Object.values(row));
          assert.ok(
            values.some(
              (v) => v !== null && v !== '' && v !== 0 && v !== '0' && !(Array.isArray(v) && v.length === 0),
            ),
            `only empty values:\n${JSON.stringify(rows[0])}`,
          );
          if (target.queryType === 'timeseries') {
            assert.equal(Object.keys(rows[0])[0], 'time', 'a time series query starts with its time column');
          }
        }
      });
    }
  });
}
