/* global fetch */
// Real-browser test: every page of the app, mounted in a small host page (tests/browser/host.tsx)
// whose Grafana runtime talks to grafana-stub.mjs, which forwards the plugin proxy routes to a
// running exporter filled over OTLP. Debian's chromium, driven by playwright-core, loads each page,
// waits for real data and saves a screenshot under grafana-plugin/test-output/.
// Run: npm run test:browser -w grafana-plugin (builds the host bundle, then `node --test tests/browser/`).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExporter } from '@auditlens/exporter';
import { tempDir } from '@auditlens/exporter/testing';
import { chromium } from 'playwright-core';
import { startGrafanaStub } from './grafana-stub.mjs';
import { seed, TENANT, waitForRows } from '../support/seed.mjs';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(pluginDir, 'test-output');
const hostDir = join(outDir, 'host');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_TOKEN = 'browser-test-admin-token';
const ALL_ACTIONS = [
  'auditlens-audit-app.audit:read',
  'auditlens-audit-app.reports:create',
  'auditlens-audit-app.events:triage',
  'auditlens-audit-app.rules:write',
  'auditlens-audit-app.retention:write',
];
const skip = !existsSync(CHROMIUM)
  ? `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
  : !existsSync(join(hostDir, 'host.js'))
    ? 'host bundle missing: run `npm run test:browser -w grafana-plugin`'
    : false;

const dir = tempDir('browser');
let exporter;
let grafana;
let browser;
let page;
const errors = [];
const facts = {};

async function api(path, init = {}) {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
  });
  const body = await response.json();
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

before(async () => {
  if (skip) return;
  mkdirSync(outDir, { recursive: true });
  exporter = await startExporter(
    {
      dataDir: dir.path,
      otlpPort: 0,
      otlpGrpcPort: 0,
      apiPort: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      apiTokens: new Map([[ADMIN_TOKEN, { role: 'admin', tenants: new Set(['*']) }]]),
    },
    {},
  );
  const now = Date.now();
  const sent = await seed(exporter.otlpUrl, now);
  const db = exporter.store.database;
  await waitForRows(
    exporter.store,
    `SELECT sum(events) FROM ${db}.audit_summary_minute WHERE tenant_id = '${TENANT}' AND kind != 'access'`,
    sent,
  );
  await waitForRows(
    exporter.store,
    `SELECT count() FROM ${db}.audit_security_log WHERE tenant_id = '${TENANT}' AND detection_method != ''`,
    1,
  );
  const [chain] = await exporter.store.query(
    `SELECT trace_id FROM ${db}.audit_request_log WHERE url_path = '/users/7'`,
  );
  facts.traceId = chain.trace_id;
  const [incident] = await exporter.store.query(
    `SELECT toString(event_id) AS id FROM ${db}.audit_security_log WHERE tenant_id = '${TENANT}' AND detection_method != '' LIMIT 1`,
  );
  facts.incidentId = incident.id;
  await api(`/security-events/${facts.incidentId}/status?tenant=${TENANT}`, {
    method: 'POST',
    body: JSON.stringify({
      status: 'INVESTIGATING',
      handler: 'dana',
      result: 'checking the source address with the network team',
    }),
  });
  await api('/reports', {
    method: 'POST',
    body: JSON.stringify({
      tenant: TENANT,
      framework: 'mlps3',
      period: 'custom',
      from: now - 24 * 3_600_000,
      to: now + 60_000,
    }),
  });
  grafana = await startGrafanaStub({
    pluginDir,
    hostDir,
    settings: {
      jsonData: {
        exporterUrl: exporter.apiUrl,
        datasourceUid: 'auditlens-clickhouse',
        tenants: [TENANT, '@system'],
      },
      secureJsonData: { apiToken: ADMIN_TOKEN },
    },
    permissions: ALL_ACTIONS,
    grafana: {
      contactPoints: [
        { uid: 'cp-1', name: 'security-team', type: 'email' },
        { uid: 'cp-2', name: 'oncall-pager', type: 'pagerduty' },
      ],
      alertRules: [],
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
});

after(async () => {
  await browser?.close();
  await grafana?.close();
  await exporter?.close();
  dir.remove();
});

async function open(path) {
  await page.goto(`${grafana.url}${path}`, { waitUntil: 'domcontentloaded' });
}

/** Full-page screenshots for pages; viewport-only while a drawer is open (it covers the viewport). */
const shot = (name, fullPage = true) => page.screenshot({ path: join(outDir, `${name}.png`), fullPage });

/** A page test that leaves a screenshot named after it when it fails. */
function pageTest(title, name, body) {
  test(title, { skip }, async () => {
    try {
      await body();
    } catch (error) {
      await shot(`${name}-FAILED`).catch(() => undefined);
      throw error;
    }
  });
}

pageTest('Overview shows the statistics, trend and firing alerts of the tenant', 'overview', async () => {
  await open(`/a/auditlens-audit-app/overview?tenant=${TENANT}`);
  const total = page.getByTestId('stat-Total events');
  await total.waitFor();
  const stats = await api(`/stats?tenant=${TENANT}`);
  await page.getByText(stats.total.toLocaleString('en-US'), { exact: true }).first().waitFor();
  assert.ok(stats.total > 100);
  await page
    .getByText(/failed logins from/)
    .first()
    .waitFor({ timeout: 15_000 });
  await page.getByRole('img', { name: 'Event trend' }).waitFor();
  await shot('overview');
});

pageTest('Explore lists records of every kind and shows a trace as one chain', 'explore', async () => {
  await open(`/a/auditlens-audit-app/explore?tenant=${TENANT}`);
  const table = page.getByRole('table', { name: 'Audit records' });
  await table.waitFor();
  assert.ok((await table.locator('tbody tr').count()) >= 100);
  await page.getByRole('button', { name: 'Load more' }).waitFor();
  await shot('explore');
  await open(`/a/auditlens-audit-app/explore?tenant=${TENANT}&trace=${facts.traceId}`);
  const chain = page.getByLabel('Trace chain', { exact: true });
  await chain.waitFor();
  const order = await chain
    .locator('[data-testid^="chain-"]')
    .evaluateAll((nodes) => nodes.map((n) => n.dataset.testid));
  assert.deepEqual(order, [
    'chain-request',
    'chain-admin',
    'chain-db_operation',
    'chain-field_change',
    'chain-field_change',
    'chain-security',
  ]);
  await shot('explore-trace', false);
});

pageTest(
  'Security events lists events and shows one with its triage history',
  'security-events',
  async () => {
    await open(`/a/auditlens-audit-app/security-events?tenant=${TENANT}`);
    const table = page.getByRole('table', { name: 'Security events' });
    await table.waitFor();
    await table.getByText('LOGIN_FAILED').first().waitFor();
    await shot('security-events');
    await open(`/a/auditlens-audit-app/security-events?tenant=${TENANT}&event=${facts.incidentId}`);
    await page
      .getByRole('list', { name: 'Status history' })
      .getByText('checking the source address with the network team')
      .waitFor();
    await page.getByRole('button', { name: 'Append status' }).waitFor();
    await shot('security-events-triage', false);
  },
);

pageTest(
  'Alert rules lists the built-in rules with firing counts and Grafana sync state',
  'alert-rules',
  async () => {
    await open(`/a/auditlens-audit-app/alert-rules?tenant=${TENANT}`);
    const table = page.getByRole('table', { name: 'Alert rules' });
    await table.waitFor();
    await table
      .getByText(/\d+ firing/)
      .first()
      .waitFor({ timeout: 15_000 });
    await table.getByText('missing').first().waitFor();
    await shot('alert-rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'Alert rule' });
    await form.getByLabel('Id', { exact: true }).fill('browser-brute-force');
    await form.getByLabel('Name', { exact: true }).fill('Failed logins from one address');
    await form.getByRole('button', { name: 'Dry run (last 24h)' }).click();
    await page.getByRole('region', { name: 'Dry run result' }).waitFor();
    await shot('alert-rules-edit', false);
  },
);

pageTest('Compliance reports shows the generated report and its controls', 'compliance', async () => {
  await open(`/a/auditlens-audit-app/compliance?tenant=${TENANT}`);
  const table = page.getByRole('table', { name: 'Report history' });
  await table.waitFor();
  await table.getByRole('button', { name: 'View' }).first().click();
  await page.getByRole('table', { name: 'Controls' }).waitFor();
  await shot('compliance', false);
});

pageTest('Retention & integrity shows policies, stored rows and a verification', 'retention', async () => {
  await open(`/a/auditlens-audit-app/retention?tenant=${TENANT}`);
  await page.getByRole('table', { name: 'Retention policies' }).waitFor();
  await page.getByRole('table', { name: 'Retention status' }).waitFor();
  await page.getByRole('button', { name: 'Verify time range' }).click();
  await page.getByRole('region', { name: 'Verification result' }).waitFor({ timeout: 30_000 });
  await shot('retention');
});

pageTest(
  'Configuration saves and reports a working connection through the proxy',
  'configuration',
  async () => {
    await open('/plugins/auditlens-audit-app');
    await page.getByRole('button', { name: 'Save & test connection' }).click();
    await page.getByText('Connected', { exact: true }).waitFor();
    await shot('configuration');
  },
);

test('no page threw, and every exporter call went through a plugin.json route', { skip }, () => {
  assert.deepEqual(errors, []);
  assert.ok(
    grafana.proxied.some((p) => p.startsWith('POST mutate/security-events') || p.startsWith('GET exporter')),
  );
  assert.ok(grafana.proxied.some((p) => p.startsWith('POST mutate/alert-rules → /api/v1/alert-rules/test')));
});
