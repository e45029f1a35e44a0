/* global fetch, URLSearchParams */
// Every panel query of every bundled dashboard, expanded as Grafana and the ClickHouse data source
// would, run against ClickHouse filled by the real pipeline: an exporter on a temp dir (embedded
// ClickHouse), records sent over OTLP/HTTP, queries through exporter.store.query. Each must
// succeed, return the columns the panel expects, and return data. The dashboards' SQL names no
// tenant (the data source's ClickHouse user decides, see tenant-boundary.test.mjs) and splices
// every variable in a form that cannot carry SQL.
// Also the SQL of the app's "Open in Explore" links: run as Grafana would run it, it must return
// the rows the app shows for the same filters.
// Run: node --test grafana-plugin/tests/dashboards/ (after `npx tsc -b` at the root).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExporter } from '@auditlens/exporter';
import { tempDir } from '@auditlens/test-support';
import { seedAndWait } from '../support/seed.mjs';
import { ALL, expandQuery, percentEncode, splicedVariables } from './macros.mjs';

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

/** Every link of a dashboard: its own links and each panel field's data links, with where it is. */
const linksOf = (dashboard) => [
  ...(dashboard.links ?? []).map((link) => ({ where: `link "${link.title}"`, url: link.url ?? '' })),
  ...dashboard.panels.flatMap((panel) => {
    const config = panel.fieldConfig ?? {};
    const fieldLinks = [
      ...(config.defaults?.links ?? []).map((link) => ({ column: '*', link })),
      ...(config.overrides ?? []).flatMap((override) =>
        override.properties
          .filter((property) => property.id === 'links')
          .flatMap((property) => property.value.map((link) => ({ column: override.matcher.options, link }))),
      ),
    ];
    return fieldLinks.map(({ column, link }) => ({
      where: `"${panel.title}" ${column}`,
      url: link.url,
      column,
    }));
  }),
];

/** The app's pages a link may open, and where each takes the clicked value. */
const APP_PAGES = [
  { path: /^\/a\/auditlens-audit-app\/overview$/ },
  { path: /^\/a\/auditlens-audit-app\/explore$/, values: ['user', 'ip', 'action'] },
  { path: /^\/a\/auditlens-audit-app\/explore\/trace\/([^/]+)$/ },
  { path: /^\/a\/auditlens-audit-app\/security-events\/([^/]+)$/ },
  { path: /^\/a\/auditlens-audit-app\/ai-usage$/, values: ['user', 'model'] },
  { path: /^\/a\/auditlens-audit-app\/user-behaviour$/, values: ['user'] },
];

test('links into the app carry the period and the tenant, and the clicked value URL-encoded, to a page of the app', () => {
  // A value that would break a link spliced in raw: it ends a parameter, starts another and a fragment.
  const clicked = 'eve&ip=1.2.3.4#x/../ü';
  const problems = [];
  let links = 0;
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8'));
    for (const { where, url, column } of linksOf(dashboard).filter((l) => l.url.startsWith('/a/'))) {
      links++;
      const at = `${file} ${where}`;
      const variables = [...url.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
      if (!variables.includes('__url_time_range')) problems.push(`${at}: no \${__url_time_range}`);
      for (const variable of variables) {
        if (!['__url_time_range', 'tenant:percentencode', '__value.raw:percentencode'].includes(variable))
          problems.push(`${at}: \${${variable}} (values must be :percentencode)`);
      }
      // As Grafana interpolates it when `clicked` is clicked in tenant "@system" from 10:00 to 11:00.
      const href = url
        .replace('${__url_time_range}', 'from=1736935200000&to=1736938800000')
        .replace('${tenant:percentencode}', percentEncode('@system'))
        .replace('${__value.raw:percentencode}', percentEncode(clicked));
      const opened = new URL(href, 'http://grafana.example');
      const page = APP_PAGES.find((p) => p.path.test(opened.pathname));
      if (!page) {
        problems.push(`${at}: ${opened.pathname} is not a page of the app`);
        continue;
      }
      const read = { tenant: opened.searchParams.get('tenant'), from: opened.searchParams.get('from') };
      if (read.tenant !== '@system' || read.from !== '1736935200000')
        problems.push(`${at}: ${JSON.stringify(read)}`);
      if (url.includes('__value.raw')) {
        const fromPath = page.path.exec(opened.pathname)?.[1];
        const value =
          fromPath !== undefined
            ? decodeURIComponent(fromPath)
            : page.values?.map((n) => opened.searchParams.get(n)).find((v) => v !== null);
        if (value !== clicked) problems.push(`${at}: the app reads ${JSON.stringify(value)}`);
        if (
          fromPath === undefined &&
          opened.searchParams.get(column === 'user_id' ? 'user' : column) !== clicked
        )
          problems.push(`${at}: the value of column ${column} is not its filter`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(links >= 20, `${links} links into the app`);
});

/** GET on the exporter's API (no tokens configured: the open dev mode of the test exporter). */
async function apiGet(path, params) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}?${new URLSearchParams(params)}`);
  assert.equal(response.status, 200, `${path}: ${await response.clone().text()}`);
  return response.json();
}

/**
 * What the app shows and what its Explore SQL returns, read while the data is still: alerts the seed
 * fired can still add their security records, so a comparison counts only when the app's answer is
 * the same before and after the SQL ran (bounded: 40 tries).
 */
async function whenSettled(show, explore, key) {
  for (let attempt = 0; attempt < 40; attempt++) {
    const before = key(await show());
    const explored = key(await explore());
    const after = key(await show());
    if (JSON.stringify(before) === JSON.stringify(after)) return { shown: after, explored };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the records kept changing for 40 tries: nothing settled to compare');
}

test("the app's Open in Explore SQL, run as Grafana runs it, returns what the app shows", async () => {
  const period = { from: String(context.fromMs), to: String(context.toMs) };
  const run = async (sqlPath, params) => {
    const { sql } = await apiGet(sqlPath, params);
    return exporter.store.query(expandQuery(sql, { ...context, vars: {} }));
  };
  const ids = (rows) => rows.map((row) => row.event_id).sort();
  // Reads of audit data are themselves recorded (kind access) as the test reads: left out. The
  // exporter may still be writing its own records (alert detections) between the two reads (on a
  // loaded machine it was): both are read again, a few times, until they see the same moment.
  for (const filters of [
    { tenant: 'acme', kinds: 'request,db_operation,field_change,security,admin' },
    { tenant: 'acme', user: 'alice', kinds: 'request,security' },
    { tenant: 'acme', minRisk: '3', result: 'failure' },
    { tenant: 'acme', ip: '203.0.113.66', text: "o'brien" },
  ]) {
    const { shown, explored } = await whenSettled(
      async () => (await apiGet('/search', { ...filters, ...period, limit: '1000' })).rows,
      () => run('/search/sql', { ...filters, limit: '1000' }),
      ids,
    );
    assert.deepEqual(explored, shown, JSON.stringify(filters));
  }
  const events = await whenSettled(
    async () =>
      (await apiGet('/security-events', { tenant: 'acme', ...period, open: 'true', limit: '1000' })).rows,
    () => run('/security-events/sql', { tenant: 'acme', open: 'true', limit: '1000' }),
    ids,
  );
  assert.ok(events.shown.length > 0);
  assert.deepEqual(events.explored, events.shown);
  const total = (rows) => rows.reduce((n, row) => n + Number(row.all_events), 0);
  const trend = await whenSettled(
    async () => [{ all_events: (await apiGet('/stats', { tenant: 'acme', ...period })).total }],
    () => run('/stats/sql', { tenant: 'acme' }),
    total,
  );
  assert.equal(trend.explored, trend.shown);
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
