// Every panel query of every bundled dashboard, expanded as Grafana and the ClickHouse data source
// would, run against ClickHouse filled by the real pipeline: an exporter on a temp dir (embedded
// ClickHouse), records sent over OTLP/HTTP, queries through exporter.store.query. Each must
// succeed, return the columns the panel expects, and return data.
// Run: node --test grafana-plugin/tests/dashboards/ (after `npx tsc -b` at the root).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExporter } from '@auditlens/exporter';
import { tempDir } from '@auditlens/exporter/testing';
import { seed, TENANT, waitForRows } from '../support/seed.mjs';
import { expandQuery } from './macros.mjs';

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
  vars: {
    tenant: TENANT,
    service: { all: "'__all'" },
    user: '',
    db_table: { all: "'__all'" },
    record: '',
    slow_ms: '3000',
  },
};

before(async () => {
  exporter = await startExporter(
    { dataDir: dir.path, otlpPort: 0, otlpGrpcPort: 0, apiPort: 0, host: '127.0.0.1', logLevel: 'silent' },
    {},
  );
  const sent = await seed(exporter.otlpUrl, now);
  const db = exporter.store.database;
  await waitForRows(
    exporter.store,
    `SELECT sum(events) FROM ${db}.audit_summary_minute WHERE tenant_id = '${TENANT}' AND kind != 'access'`,
    sent,
  );
  // The built-in brute-force rule raises its security event as records stream in.
  await waitForRows(
    exporter.store,
    `SELECT count() FROM ${db}.audit_security_log WHERE tenant_id = '${TENANT}' AND detection_method != ''`,
    1,
  );
});

after(async () => {
  await exporter?.close();
  dir.remove();
});

test('every dashboard file is valid, uses the data source variable and has expectations', () => {
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
    assert.equal(ds?.current?.value, 'auditlens-clickhouse', `${file}: default data source uid`);
    for (const name of ['tenant', 'service', 'user']) {
      assert.ok(
        dashboard.templating.list.some((v) => v.name === name),
        `${file}: $${name} variable`,
      );
    }
    assert.match(dashboard.uid, /^auditlens-/);
  }
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
