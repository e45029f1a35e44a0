// No Docker engine runs on the build machines, so the deployment files are checked against the
// code instead: variable names, ports, users and grants, queue settings, cluster names, plugin id
// and data source uid must agree, so the files cannot drift from what the code expects.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../config.js';
import {
  dashboardProviderYaml,
  readerDatasource,
  readerDatasourceYaml,
  readerFileName,
} from '../grafana/reader-datasource.js';
import { schemaStatements } from '../schema/migrate.js';
import { platformReader, readerUsersXml, tenantReader, type TenantReader } from '../tenants/reader.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  assert.ok(found, `docker-compose.yml has a ${name} service`);
  return found;
};
/** `${NAME:-default}` → default (what compose would use with nothing set). */
const withDefaults = (value: string): string => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

test('every AUDITLENS_* variable given to the exporter exists, and the values pass validation', () => {
  for (const name of ['exporter', 'migrate']) {
    const environment = service(name).environment ?? {};
    for (const key of Object.keys(environment).filter((k) => k.startsWith('AUDITLENS_'))) {
      assert.ok(CONFIG_VARIABLES.includes(key), `${name}: ${key} is a variable the exporter reads`);
    }
    const env = Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, withDefaults(String(v))]));
    const config = loadConfig(env);
    assert.equal(config.clickhouse.url, 'http://clickhouse:8123');
    assert.equal(config.clickhouse.database, 'audit');
  }
  const exporterConfig = loadConfig(
    Object.fromEntries(
      Object.entries(service('exporter').environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]),
    ),
  );
  assert.equal(exporterConfig.migrateOnStart, false, 'the least-privilege exporter does not migrate');
  assert.equal(exporterConfig.clickhouse.user, 'auditlens_exporter');
  assert.ok(exporterConfig.ingestTokens.size > 0 && exporterConfig.apiTokens.size > 0, 'not in dev mode');
  assert.deepEqual(service('migrate').command, ['migrate']);
  const migrateEnv = Object.entries(service('migrate').environment ?? {}).map(([k, v]) => [
    k,
    withDefaults(String(v)),
  ]);
  assert.equal(loadConfig(Object.fromEntries(migrateEnv)).clickhouse.user, 'auditlens_migrator');
});

/**
 * The compose stack's Grafana readers, as `npx auditlens tenants add <tenant> --password-env …
 * --cluster auditlens --no-ddl --users-xml provisioning/clickhouse/users.d --grafana-dir
 * provisioning/grafana` (and add-platform-reader) write them: with the cluster's `_local` tables,
 * so that the cluster profile is covered too.
 */
const COMPOSE_READERS: { reader: TenantReader; passwordEnv: string }[] = [
  { reader: platformReader(), passwordEnv: 'AUDITLENS_CH_PLATFORM_READER_PASSWORD' },
  ...['tenant_001', 'tenant_002'].map((tenant) => ({
    reader: tenantReader([tenant]),
    passwordEnv: `AUDITLENS_CH_READER_${tenant.toUpperCase()}_PASSWORD`,
  })),
];
const COMPOSE_TARGET = { database: 'audit', cluster: 'auditlens' };
/** A generated file without its leading comment (which says how it was generated). */
const body = (text: string): string => text.replace(/^(<!--[\s\S]*?-->\n|(#[^\n]*\n)+)/, '');

test('ClickHouse users: the exporter may only insert and select; Grafana reads as tenant readers', () => {
  const users = read('provisioning/clickhouse/users.d/auditlens-users.xml');
  const grants = (user: string): string[] => {
    const block = new RegExp(`<${user}>([\\s\\S]*?)</${user}>`).exec(users)?.[1] ?? '';
    return [...block.matchAll(/<query>(.*?)<\/query>/g)].map((m) => m[1] ?? '');
  };
  assert.deepEqual(grants('auditlens_exporter'), ['GRANT INSERT, SELECT ON audit.*']);
  assert.ok(grants('auditlens_migrator').some((g) => /CREATE TABLE/.test(g)));
  // No shared reader of every tenant: every other user is a generated reader, equal to what the
  // reader definition renders now (so a schema change that adds a table shows up here).
  const usersDir = 'provisioning/clickhouse/users.d';
  assert.deepEqual(
    readdirSync(join(ROOT, usersDir)).sort(),
    ['auditlens-users.xml', ...COMPOSE_READERS.map(({ reader }) => readerFileName(reader, 'xml'))].sort(),
  );
  const usersOf = (xml: string): string[] =>
    [...(/<users>([\s\S]*)<\/users>/.exec(xml)?.[1] ?? '').matchAll(/^ {8}<(\w+)>$/gm)].map(
      (m) => m[1] ?? '',
    );
  assert.deepEqual(usersOf(users), ['auditlens_migrator', 'auditlens_exporter']);
  for (const { reader, passwordEnv } of COMPOSE_READERS) {
    const file = read(`${usersDir}/${readerFileName(reader, 'xml')}`);
    assert.equal(body(file), body(readerUsersXml(reader, { env: passwordEnv }, COMPOSE_TARGET)), reader.user);
  }
  // Every password the users files take from the environment is given to every ClickHouse node.
  const clickhouseEnv = service('clickhouse').environment ?? {};
  for (const file of readdirSync(join(ROOT, usersDir))) {
    for (const [, variable] of read(`${usersDir}/${file}`).matchAll(/from_env="([A-Z0-9_]+)"/g)) {
      for (const node of ['clickhouse', 'clickhouse-s1r2', 'clickhouse-s2r1', 'clickhouse-s2r2']) {
        assert.ok(variable && variable in (service(node).environment ?? {}), `${node} sets ${variable}`);
      }
    }
  }
  // The passwords the exporter and the migrator use are the ones ClickHouse was given.
  assert.equal(
    service('exporter').environment?.AUDITLENS_CLICKHOUSE_PASSWORD,
    clickhouseEnv.AUDITLENS_CH_EXPORTER_PASSWORD,
  );
  assert.equal(
    service('migrate').environment?.AUDITLENS_CLICKHOUSE_PASSWORD,
    clickhouseEnv.AUDITLENS_CH_MIGRATOR_PASSWORD,
  );
  // The access control the readers rely on is set, not left to the server's defaults.
  const server = read('provisioning/clickhouse/config.d/auditlens.xml');
  assert.match(server, /<users_without_row_policies_can_read_rows>true</);
  assert.match(server, /<select_from_system_db_requires_grant>true</);
});

interface CollectorQueue {
  enabled: boolean;
  storage?: string;
  block_on_overflow?: boolean;
  batch?: { sizer: string; max_size: number; partition?: { metadata_keys: string[] } };
}
interface CollectorExporter {
  endpoint?: string;
  auth?: { authenticator: string };
  retry_on_failure: { enabled: boolean; max_elapsed_time?: number };
  sending_queue: CollectorQueue;
  protocol?: { otlp: Omit<CollectorExporter, 'protocol' | 'resolver'> };
  resolver?: { dns: { hostname: string; port: string } };
}
interface CollectorConfig {
  extensions: Record<string, Record<string, unknown>>;
  receivers: {
    otlp: { protocols: Record<string, { include_metadata?: boolean; auth?: { authenticator: string } }> };
  };
  exporters: Record<string, CollectorExporter>;
  service: {
    extensions: string[];
    pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
  };
}
const COLLECTOR_CONFIGS = {
  single: 'provisioning/otel-collector/config.yaml',
  loadBalancing: 'provisioning/otel-collector/config.loadbalancing.yaml',
};
const collectorConfig = (path: string): CollectorConfig => parse(read(path)) as CollectorConfig;
/** The one exporter both pipelines (logs, traces) of a collector configuration send to. */
function pipelineExporter(config: CollectorConfig): CollectorExporter {
  assert.deepEqual(Object.keys(config.service.pipelines).sort(), ['logs', 'traces']);
  const names = new Set(Object.values(config.service.pipelines).flatMap((p) => p.exporters));
  assert.equal(names.size, 1, 'logs and traces go to one exporter');
  const exporter = config.exporters[[...names][0] ?? ''];
  assert.ok(exporter);
  return exporter;
}

test('the collector configurations never drop audit data: persistent queue, blocking when full, endless retries', () => {
  const exporterEnv = service('exporter').environment ?? {};
  const maxBodyBytes = loadConfig({}).maxBodyBytes;
  for (const path of Object.values(COLLECTOR_CONFIGS)) {
    const config = collectorConfig(path);
    const exporter = pipelineExporter(config);
    const queue = exporter.sending_queue;
    assert.equal(queue.enabled, true, path);
    assert.equal(queue.block_on_overflow, true, `${path}: a full queue blocks the receivers`);
    assert.ok(queue.storage && queue.storage.startsWith('file_storage/'), `${path}: the queue is on disk`);
    assert.equal(config.extensions[queue.storage]?.fsync, true, `${path}: fsync after each write`);
    assert.ok(config.service.extensions.includes(queue.storage));
    assert.equal(exporter.retry_on_failure.enabled, true, path);
    assert.equal(exporter.retry_on_failure.max_elapsed_time, 0, `${path}: retries never give up`);
    // Batches are sized in bytes, under the largest body the exporter accepts.
    assert.equal(queue.batch?.sizer, 'bytes');
    assert.ok(
      (queue.batch?.max_size ?? Infinity) <= maxBodyBytes / 2,
      `${path}: batches under the body limit`,
    );
    // No batch processor: it acknowledges records before they are on disk.
    for (const pipeline of Object.values(config.service.pipelines)) {
      assert.ok(
        !(pipeline.processors ?? []).some((p) => p.startsWith('batch')),
        `${path}: no batch processor`,
      );
    }
  }
  const single = pipelineExporter(collectorConfig(COLLECTOR_CONFIGS.single));
  assert.equal(single.endpoint, `http://exporter:${exporterEnv.AUDITLENS_OTLP_PORT}`);
  const balancing = pipelineExporter(collectorConfig(COLLECTOR_CONFIGS.loadBalancing));
  assert.deepEqual(
    balancing.resolver?.dns,
    { hostname: 'exporter', port: String(exporterEnv.AUDITLENS_OTLP_GRPC_PORT) },
    'each exporter’s gRPC port, the protocol the load-balancing exporter speaks',
  );
  // Its per-exporter senders have no queue of their own (an in-memory one would acknowledge to
  // the persistent queue before the exporter stored the records).
  assert.equal(balancing.protocol?.otlp.sending_queue.enabled, false);
});

test('the collector keeps each application’s identity: its own token is checked and passed on, no `*` token', () => {
  for (const path of Object.values(COLLECTOR_CONFIGS)) {
    const config = collectorConfig(path);
    // Receivers: every protocol authenticates with the application tokens and keeps the headers.
    const protocols = Object.entries(config.receivers.otlp.protocols);
    assert.deepEqual(protocols.map(([name]) => name).sort(), ['grpc', 'http']);
    for (const [name, protocol] of protocols) {
      assert.equal(protocol.include_metadata, true, `${path}: ${name} keeps the request headers`);
      const authenticator = protocol.auth?.authenticator ?? '';
      assert.ok(authenticator.startsWith('bearertokenauth/'), `${path}: ${name} checks the token`);
      assert.deepEqual(config.extensions[authenticator], {
        tokens: '${env:AUDITLENS_COLLECTOR_INGEST_TOKENS}',
      });
    }
    // Exporter: the incoming Authorization header goes on unchanged; the queue's batches never
    // mix two applications' tokens.
    const exporter = pipelineExporter(config);
    const client = exporter.protocol?.otlp ?? exporter;
    const forwarder = client.auth?.authenticator ?? '';
    assert.ok(
      forwarder.startsWith('headers_setter/'),
      `${path}: the exporter authenticates with headers_setter`,
    );
    assert.deepEqual(config.extensions[forwarder], {
      headers: [{ key: 'Authorization', from_context: 'authorization', action: 'upsert' }],
    });
    assert.deepEqual(exporter.sending_queue.batch?.partition?.metadata_keys, ['authorization']);
    assert.ok(!read(path).includes('AUDITLENS_COLLECTOR_TOKEN'), `${path}: no collector-wide token`);
  }

  // Compose: the demo sends with its own token; the collector accepts exactly the applications'
  // tokens; the exporter binds each to tenants (never `*`), and the demo's covers what it writes.
  const ingestTokens = loadConfig({
    AUDITLENS_INGEST_TOKENS: withDefaults(String(service('exporter').environment?.AUDITLENS_INGEST_TOKENS)),
  }).ingestTokens;
  const accepted = parse(
    withDefaults(String(service('otel-collector').environment?.AUDITLENS_COLLECTOR_INGEST_TOKENS)),
  ) as string[];
  assert.ok(accepted.length > 0);
  for (const token of accepted) {
    const tenants = [...(ingestTokens.get(token)?.tenants ?? [])];
    assert.ok(tenants.length > 0 && !tenants.includes('*'), `${token} is bound to tenants, not *`);
  }
  const demoHeaders = withDefaults(String(service('demo-app').environment?.OTEL_EXPORTER_OTLP_HEADERS));
  const demoToken = /^Authorization=Bearer%20(\S+)$/.exec(demoHeaders)?.[1] ?? '';
  assert.ok(accepted.includes(demoToken), 'the collector accepts the demo’s token');
  assert.deepEqual(
    [...(ingestTokens.get(demoToken)?.tenants ?? [])].sort(),
    ['@system', 'tenant_001', 'tenant_002'],
    'the demo writes two tenants and system-level records',
  );
});

test('the cluster profile matches the cluster DDL: names, nodes, macros', () => {
  const cluster = read('provisioning/clickhouse/cluster/cluster.xml');
  const clusterName = /<remote_servers>\s*<(\w+)>/.exec(cluster)?.[1];
  assert.equal(clusterName, 'auditlens');
  const hosts = [...cluster.matchAll(/<host>([\w-]+)<\/host>/g)].map((m) => m[1] ?? '');
  for (const host of hosts) {
    const node = service(host);
    assert.ok(host === 'clickhouse-keeper' || node.image?.startsWith('clickhouse/clickhouse-server'), host);
  }
  const nodes = hosts.filter((h) => h !== 'clickhouse-keeper');
  assert.equal(nodes.length, 4, '2 shards × 2 replicas');
  const replicas = nodes.map((h) => service(h).environment?.AUDITLENS_CH_REPLICA);
  assert.deepEqual(replicas, nodes, 'each node’s replica macro is its own name');
  assert.ok(service('clickhouse-keeper').profiles?.includes('cluster'));
  const ddl = schemaStatements({ database: 'audit', cluster: clusterName }).filter(
    (s): s is string => typeof s === 'string',
  );
  assert.ok(ddl.every((s) => !s.startsWith('CREATE') || s.includes(`ON CLUSTER ${clusterName}`)));
  assert.ok(
    ddl.some((s) =>
      s.includes("ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')"),
    ),
  );
  assert.match(cluster, /<shard from_env="AUDITLENS_CH_SHARD"\/>/);
});

test('Dockerfiles copy files that exist, run as non-root and expose the configured ports', () => {
  const defaults = loadConfig({});
  for (const [path, entry] of [
    ['exporter-service/Dockerfile', 'exporter-service/bin/auditlens.js'],
    ['examples/demo-app/Dockerfile', 'examples/demo-app/src/serve.ts'],
  ] as const) {
    const dockerfile = read(path);
    for (const [, source] of dockerfile.matchAll(/^COPY (?!--from)(\S+) /gm)) {
      assert.ok(existsSync(join(ROOT, source ?? '')), `${path}: ${source} exists`);
    }
    assert.match(dockerfile, /^USER node$/m, `${path} runs as non-root`);
    assert.match(dockerfile, /^FROM .* AS build$/m, `${path} is multi-stage`);
    assert.ok(existsSync(join(ROOT, entry)), entry);
  }
  const exporterDockerfile = read('exporter-service/Dockerfile');
  for (const port of [defaults.otlpPort, defaults.otlpGrpcPort, defaults.apiPort]) {
    assert.match(exporterDockerfile, new RegExp(`EXPOSE .*\\b${port}\\b`));
  }
  assert.match(exporterDockerfile, /--omit=optional/, 'the server-mode image leaves the embedded engine out');
});

test('Grafana loads the plugin and provisioning the repository ships', () => {
  const grafana = service('grafana');
  const pluginJsonPath = 'grafana-plugin/src/plugin.json';
  const pluginId = (JSON.parse(read(pluginJsonPath)) as { id: string }).id;
  assert.ok(grafana.volumes?.includes(`./grafana-plugin/dist:/var/lib/grafana/plugins/${pluginId}:ro`));
  assert.equal(grafana.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, pluginId);
  for (const volume of grafana.volumes ?? []) {
    const source = volume.split(':')[0] ?? '';
    if (source.startsWith('./') && !source.includes('/dist')) {
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      assert.ok(readdirSync(join(ROOT, source)).length > 0, `${source} is not empty`);
    }
  }
});

test('Grafana: one data source per reader, with its password; the platform one for alert rules and the app', () => {
  const datasourcesDir = 'provisioning/grafana/datasources';
  const grafanaEnv = service('grafana').environment ?? {};
  const clickhouseEnv = service('clickhouse').environment ?? {};
  const names: string[] = [];
  for (const { reader, passwordEnv } of COMPOSE_READERS) {
    const file = read(`${datasourcesDir}/${readerFileName(reader, 'yaml')}`);
    const datasource = readerDatasource(reader, 1);
    const expected = readerDatasourceYaml(reader, datasource, {
      clickhouse: { host: '${AUDITLENS_CLICKHOUSE_HOST}', port: 8123, secure: false },
      password: { env: passwordEnv },
      database: 'audit',
      header: '',
    });
    assert.equal(body(file), body(expected), reader.user);
    // Grafana and ClickHouse get the same password (the same default).
    assert.ok(passwordEnv in grafanaEnv, `grafana sets ${passwordEnv}`);
    assert.equal(grafanaEnv[passwordEnv], clickhouseEnv[passwordEnv], passwordEnv);
    names.push(datasource.name);
  }
  const platform = readerDatasource(platformReader(), 1).uid;
  const app = parse(read('provisioning/plugins/auditlens-audit-app.yaml')) as {
    apps: { type: string; jsonData: { datasourceUid: string } }[];
  };
  const pluginId = (JSON.parse(read('grafana-plugin/src/plugin.json')) as { id: string }).id;
  assert.equal(app.apps[0]?.type, pluginId);
  assert.equal(app.apps[0]?.jsonData.datasourceUid, platform);
  const alerting = read('provisioning/alerting/auditlens-alert-rules.yaml');
  const alertUids = [...alerting.matchAll(/datasourceUid: '?([\w-]+)'?/g)]
    .map((m) => m[1])
    .filter((u) => u !== '__expr__');
  assert.ok(
    alertUids.length > 0 && alertUids.every((u) => u === platform),
    'alert rules query the platform reader (alert state of every tenant)',
  );
  // The dashboards offer exactly the AuditLens data sources: every reader's, nothing else.
  const dashboards = readdirSync(join(ROOT, 'grafana-plugin/src/dashboards')).filter((f) =>
    f.endsWith('.json'),
  );
  assert.ok(dashboards.length >= 6);
  for (const file of dashboards) {
    const dashboard = JSON.parse(read(`grafana-plugin/src/dashboards/${file}`)) as {
      templating: { list: { name: string; regex?: string }[] };
    };
    const pattern = dashboard.templating.list.find((v) => v.name === 'datasource')?.regex ?? '';
    const regex = new RegExp(pattern.replace(/^\/|\/$/g, ''));
    assert.ok(
      names.every((name) => regex.test(name)),
      `${file}: ${pattern} offers ${names.join(', ')}`,
    );
  }
  assert.equal(read('provisioning/grafana/dashboards/auditlens.yaml'), dashboardProviderYaml(1));
  // Every ${VARIABLE} the Grafana provisioning files use is set on the grafana service.
  for (const path of [
    ...readdirSync(join(ROOT, datasourcesDir)).map((f) => `${datasourcesDir}/${f}`),
    'provisioning/plugins/auditlens-audit-app.yaml',
  ]) {
    for (const [, variable] of read(path).matchAll(/\$\{([A-Z0-9_]+)\}/g)) {
      assert.ok(variable && variable in grafanaEnv, `${path}: grafana sets ${variable}`);
    }
  }
  // The app's API token is one the exporter accepts.
  const token = withDefaults(String(grafanaEnv.AUDITLENS_GRAFANA_API_TOKEN));
  const apiTokens = loadConfig({
    AUDITLENS_API_TOKENS: withDefaults(String(service('exporter').environment?.AUDITLENS_API_TOKENS)),
  }).apiTokens;
  assert.ok(apiTokens.has(token));
});
