/* global fetch */
// The Grafana side of docker-compose.yml and provisioning/, checked against the plugin and the
// exporter (no Docker engine runs on the build machines): the pinned Grafana is one the plugin
// supports, the ClickHouse data source plugin is pinned, the pipeline dashboard's Prometheus panels
// have a Prometheus that scrapes metrics the exporter really exports, AuditLens alerts have a
// contact point and a policy that routes them, the Grafana user reaches the exporter's access log,
// and every variable compose and the provisioning files use is set and documented.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestExporter, tempDir } from '@auditlens/test-support';
import semver from 'semver';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path) => readFileSync(join(ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true });
const grafana = compose.services.grafana;
const grafanaEnv = grafana.environment;
const plugin = JSON.parse(read('grafana-plugin/src/plugin.json'));
/** `${NAME:-default}` → default (what compose uses with nothing set). */
const withDefaults = (value) => String(value).replace(/\$\{[A-Z][A-Z0-9_]*:-([^}]*)\}/g, '$1');
/** The Grafana lines the browser test models (tests/browser/pages.test.mjs). */
const MODELLED = ['12.4.10', '13.2.3'];

const dir = tempDir('grafana-stack');
let exporter;
before(async () => {
  exporter = await startTestExporter(dir.path);
});
after(async () => {
  await exporter?.close();
  dir.remove();
});

test("the pinned Grafana, and both modelled lines, are versions the plugin's grafanaDependency admits", () => {
  const [, tag] = withDefaults(grafana.image).split(':');
  const range = plugin.dependencies.grafanaDependency;
  for (const version of [tag, ...MODELLED])
    assert.ok(semver.satisfies(version, range), `${version} in ${range}`);
  assert.ok(MODELLED.includes(tag), `compose runs a modelled line (${tag})`);
  assert.match(read('.env.example'), /GRAFANA_VERSION=12\.4\.\d+/);
  assert.match(read('.env.example'), /13\.2\.x/);
});

test('the ClickHouse data source plugin is installed at a pinned version before provisioning', () => {
  const installs = String(grafanaEnv.GF_PLUGINS_PREINSTALL_SYNC).split(',');
  const clickhouse = installs.find((entry) => entry.startsWith('grafana-clickhouse-datasource@'));
  assert.ok(clickhouse, 'grafana-clickhouse-datasource is preinstalled synchronously');
  assert.ok(semver.valid(clickhouse.split('@')[1]), `${clickhouse} names an exact version`);
  assert.equal(grafanaEnv.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, plugin.id);
});

test("the Prometheus panels read a Prometheus that scrapes the exporter's /metrics", async () => {
  const datasource = parse(read('provisioning/grafana/datasources/auditlens-prometheus.yaml')).datasources[0];
  assert.equal(datasource.type, 'prometheus');
  const variable = /^\$\{([A-Z][A-Z0-9_]*)\}$/.exec(datasource.url)?.[1];
  assert.equal(grafanaEnv[variable], 'http://prometheus:9090');
  assert.ok(compose.services.prometheus, 'compose runs prometheus');
  const scrape = parse(read('provisioning/prometheus/prometheus.yml')).scrape_configs;
  const target = scrape.find((job) => job.metrics_path === '/metrics')?.static_configs[0].targets[0];
  assert.equal(target, `exporter:${compose.services.exporter.environment.AUDITLENS_API_PORT}`);
  // Every metric the dashboards' Prometheus queries use is one the exporter exports.
  const exported = await (await fetch(`${exporter.apiUrl}/metrics`)).text();
  const dashboards = readdirSync(join(ROOT, 'grafana-plugin/src/dashboards')).map((f) =>
    read(`grafana-plugin/src/dashboards/${f}`),
  );
  const metrics = dashboards.flatMap((text) =>
    [...text.matchAll(/"expr": "([^"]*)"/g)].flatMap(([, expr]) => expr.match(/auditlens_[a-z_]+/g) ?? []),
  );
  assert.ok(metrics.length > 0);
  // (A labelled counter with no sample yet is still declared by its TYPE line.)
  for (const metric of metrics) assert.match(exported, new RegExp(`^# TYPE ${metric} `, 'm'), metric);
});

test('AuditLens alerts reach a contact point through a notification policy', () => {
  const notifications = parse(read('provisioning/alerting/auditlens-notifications.yaml'));
  const contactPoint = notifications.contactPoints[0];
  const route = notifications.policies[0].routes.find((r) => r.receiver === contactPoint.name);
  assert.ok(route, `a policy routes to ${contactPoint.name}`);
  assert.deepEqual(route.object_matchers, [['auditlens_managed', '=', 'true']]);
  const rules = parse(read('provisioning/alerting/auditlens-alert-rules.yaml')).groups.flatMap(
    (g) => g.rules,
  );
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    assert.equal(rule.labels.auditlens_managed, 'true', `${rule.uid} matches the policy`);
    assert.equal(rule.notification_settings, undefined, `${rule.uid} is routed by the policy`);
  }
});

test('Grafana sends the signed-in user to the exporter, whose access log records it', () => {
  assert.equal(grafanaEnv.GF_DATAPROXY_SEND_USER_HEADER, 'true');
  // The exporter's side: tests/browser/pages.test.mjs finds the Grafana login in audit_access_log.
});

test('every variable compose and the Grafana provisioning use is set and documented in .env.example', () => {
  const documented = new Set([...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  for (const [, name] of read('docker-compose.yml').matchAll(/\$\{([A-Z][A-Z0-9_]*)/g))
    assert.ok(documented.has(name), `.env.example documents ${name}`);
  for (const folder of [
    'provisioning/grafana/datasources',
    'provisioning/plugins',
    'provisioning/alerting',
  ]) {
    for (const file of readdirSync(join(ROOT, folder))) {
      for (const [, name] of read(`${folder}/${file}`).matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)\}/g))
        assert.ok(name in grafanaEnv, `${folder}/${file}: grafana sets ${name}`);
    }
  }
});
