/* global fetch */
// Real-browser test of the BUILT plugin (dist/) inside a model of Grafana 12 and of Grafana 13
// (tests/grafana-host): Debian's chromium, driven by playwright-core, opens the Grafana host page,
// which loads dist/module.js with SystemJS against that Grafana line's shared modules; the app's
// exporter calls go through the host's model of Grafana's plugin proxy (plugin.json routes) to a
// running exporter filled with the demo traffic over OTLP. For each line: the configuration page
// saves the settings the proxy then uses, every page shows real data, a Reader sees no admin action,
// no error boundary appears, no page throws, and the proxy and static files answered no 404.
// A screenshot per page per line lands in grafana-plugin/test-output/screenshots/grafana-<line>/.
// Run: npm run test:grafana -w grafana-plugin (builds and packages the plugin and the hosts first).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tempDir, startTestExporter } from '@auditlens/test-support';
import { chromium } from 'playwright-core';
import { startGrafanaServer } from '../grafana-host/grafana-server.mjs';
import { seed, TENANT, waitForRows } from '../support/seed.mjs';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distDir = join(pluginDir, 'dist');
const outDir = join(pluginDir, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGIN_ID = 'auditlens-audit-app';
const ADMIN_TOKEN = 'browser-test-admin-token';
/** The actions the built plugin.json's roles give Grafana's Editors (a Reader) and Admins. */
const grantedTo = (basicRole) =>
  JSON.parse(readFileSync(join(distDir, 'plugin.json'), 'utf8'))
    .roles.filter((role) => role.grants.includes(basicRole))
    .flatMap((role) => role.role.permissions.map((permission) => permission.action));
/** The Grafana lines modelled (grafana-shared-modules/) and the host build of each. */
const LINES = [
  { line: '12', version: '12.4.10' },
  { line: '13', version: '13.2.3' },
];
const PLUGIN_ERROR = '[data-testid="plugin-error-boundary"], [data-testid="plugin-load-error"]';
const missingBuild = [join(distDir, 'module.js'), ...LINES.map(({ line }) => hostJs(line))].find(
  (path) => !existsSync(path),
);
const skip = existsSync(CHROMIUM)
  ? false
  : `no browser at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

function hostJs(line) {
  return join(outDir, 'grafana-host', `grafana-${line}`, 'host.js');
}

/** The icons Grafana serves under public/build/img, from that line's @grafana/ui. */
function grafanaUiPublicDir(line) {
  const shared = join(pluginDir, '..', 'grafana-shared-modules', `grafana-${line}`, 'package.json');
  return join(dirname(createRequire(shared).resolve('@grafana/ui/package.json')), 'dist', 'public');
}

const dir = tempDir('browser');
let exporter;
let browser;
const facts = {};

before(async () => {
  if (skip) return;
  assert.equal(
    missingBuild,
    undefined,
    `${missingBuild} missing: run \`npm run test:grafana -w grafana-plugin\``,
  );
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([[ADMIN_TOKEN, { role: 'admin', tenants: new Set(['*']) }]]),
  });
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
  const api = async (path, body) => {
    const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.text()}`);
  };
  await api(`/security-events/${facts.incidentId}/status?tenant=${TENANT}`, {
    status: 'INVESTIGATING',
    handler: 'dana',
    result: 'checking the source address with the network team',
  });
  await api('/reports', {
    tenant: TENANT,
    framework: 'mlps3',
    period: 'custom',
    from: now - 24 * 3_600_000,
    to: now + 60_000,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await exporter?.close();
  dir.remove();
});

for (const { line, version } of LINES) {
  describe(`the built plugin in Grafana ${version} (the ${line}.x shared modules)`, { skip }, () => {
    const shots = join(outDir, 'screenshots', `grafana-${line}`);
    const errors = [];
    let grafana;
    let page;

    before(async () => {
      rmSync(shots, { recursive: true, force: true });
      mkdirSync(shots, { recursive: true });
      grafana = await startGrafanaServer({
        version,
        pluginDir: distDir,
        hostBuildDir: dirname(hostJs(line)),
        grafanaUiPublicDir: grafanaUiPublicDir(line),
        user: { login: 'dana', orgRole: 'Admin', permissions: grantedTo('Admin') },
        // Nothing configured yet: the configuration page test saves the settings every page uses.
        settings: { jsonData: {}, secureJsonData: {} },
        datasource: {
          uid: 'auditlens-clickhouse',
          name: 'AuditLens ClickHouse',
          type: 'grafana-clickhouse-datasource',
          meta: { id: 'grafana-clickhouse-datasource', info: { logos: { small: '' } } },
        },
        grafana: {
          contactPoints: [
            { uid: 'cp-1', name: 'security-team', type: 'email' },
            { uid: 'cp-2', name: 'oncall-pager', type: 'pagerduty' },
          ],
          alertRules: [],
        },
      });
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    });

    after(async () => {
      await page?.close();
      await grafana?.close();
    });

    const open = (path) => page.goto(`${grafana.url}${path}`, { waitUntil: 'domcontentloaded' });

    /**
     * Waits for `locator`, but ends at once, naming the error, when the host shows the plugin
     * failing (error boundary or module.js load failure) instead.
     */
    async function expectVisible(locator, timeout = 20_000) {
      const failure = page.locator(PLUGIN_ERROR).first();
      const shown = locator.waitFor({ timeout }).then(() => true);
      const failed = failure.waitFor({ timeout }).then(() => false);
      shown.catch(() => undefined);
      failed.catch(() => undefined);
      const ok = await Promise.any([shown, failed]).catch(async () => {
        await shown; // rethrows the timeout of the awaited element
      });
      if (ok === false) assert.fail(`Grafana ${version}: ${await failure.innerText()}`);
    }

    /** Full-page screenshots for pages; viewport-only while a drawer is open. */
    const shot = (name, fullPage = true) => page.screenshot({ path: join(shots, `${name}.png`), fullPage });

    function pageTest(title, name, body) {
      test(title, async () => {
        try {
          await body();
        } catch (error) {
          await shot(`${name}-FAILED`).catch(() => undefined);
          throw error;
        }
      });
    }

    pageTest(
      'Configuration saves the settings that the plugin proxy then uses',
      'configuration',
      async () => {
        await open(`/plugins/${PLUGIN_ID}`);
        await expectVisible(page.getByRole('button', { name: 'Save & test connection' }));
        await page.locator('#config-exporter-url').fill(exporter.apiUrl);
        await page.locator('#config-api-token').fill(ADMIN_TOKEN);
        await page.locator('#config-tenants').fill(TENANT);
        await page.getByRole('button', { name: 'Save & test connection' }).click();
        await expectVisible(page.getByText('Connected', { exact: true }));
        assert.deepEqual(grafana.settings(), {
          jsonData: {
            exporterUrl: exporter.apiUrl,
            datasourceUid: 'auditlens-clickhouse',
            tenants: [TENANT],
          },
          secureJsonData: { apiToken: ADMIN_TOKEN },
        });
        await shot('configuration');
      },
    );

    pageTest('Overview shows the statistics, trend and firing alerts of the tenant', 'overview', async () => {
      await open(`/a/${PLUGIN_ID}/overview?tenant=${TENANT}`);
      await expectVisible(page.getByTestId('stat-Total events'));
      const response = await fetch(`${exporter.apiUrl}/api/v1/stats?tenant=${TENANT}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const stats = await response.json();
      assert.ok(stats.total > 100);
      await expectVisible(page.getByText(stats.total.toLocaleString('en-US'), { exact: true }).first());
      await expectVisible(page.getByText(/failed logins from/).first());
      await expectVisible(page.getByRole('img', { name: 'Event trend' }));
      await shot('overview');
    });

    pageTest('Explore lists records of every kind and shows a trace as one chain', 'explore', async () => {
      await open(`/a/${PLUGIN_ID}/explore?tenant=${TENANT}`);
      const table = page.getByRole('table', { name: 'Audit records' });
      await expectVisible(table);
      assert.ok((await table.locator('tbody tr').count()) >= 100);
      await expectVisible(page.getByRole('button', { name: 'Load more' }));
      await shot('explore');
      await open(`/a/${PLUGIN_ID}/explore?tenant=${TENANT}&trace=${facts.traceId}`);
      const chain = page.getByLabel('Trace chain', { exact: true });
      await expectVisible(chain);
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
        await open(`/a/${PLUGIN_ID}/security-events?tenant=${TENANT}`);
        const table = page.getByRole('table', { name: 'Security events' });
        await expectVisible(table.getByText('LOGIN_FAILED').first());
        await shot('security-events');
        await open(`/a/${PLUGIN_ID}/security-events?tenant=${TENANT}&event=${facts.incidentId}`);
        await expectVisible(
          page
            .getByRole('list', { name: 'Status history' })
            .getByText('checking the source address with the network team'),
        );
        await expectVisible(page.getByRole('button', { name: 'Append status' }));
        await shot('security-events-triage', false);
      },
    );

    pageTest(
      'Alert rules lists the rules with firing counts, sync state and a dry run',
      'alert-rules',
      async () => {
        await open(`/a/${PLUGIN_ID}/alert-rules?tenant=${TENANT}`);
        const table = page.getByRole('table', { name: 'Alert rules' });
        await expectVisible(table.getByText(/\d+ firing/).first());
        await expectVisible(table.getByText('missing').first());
        await shot('alert-rules');
        await page.getByRole('button', { name: 'New rule' }).click();
        const form = page.getByRole('form', { name: 'Alert rule' });
        await form.getByLabel('Id', { exact: true }).fill('browser-brute-force');
        await form.getByLabel('Name', { exact: true }).fill('Failed logins from one address');
        await form.getByRole('button', { name: 'Dry run (last 24h)' }).click();
        await expectVisible(page.getByRole('region', { name: 'Dry run result' }));
        await shot('alert-rules-edit', false);
      },
    );

    pageTest('Compliance reports shows the generated report and its controls', 'compliance', async () => {
      await open(`/a/${PLUGIN_ID}/compliance?tenant=${TENANT}`);
      const table = page.getByRole('table', { name: 'Report history' });
      await expectVisible(table.getByRole('button', { name: 'View' }).first());
      await table.getByRole('button', { name: 'View' }).first().click();
      await expectVisible(page.getByRole('table', { name: 'Controls' }));
      await shot('compliance', false);
    });

    pageTest(
      'Retention & integrity shows policies, stored rows and a verification',
      'retention',
      async () => {
        await open(`/a/${PLUGIN_ID}/retention?tenant=${TENANT}`);
        await expectVisible(page.getByRole('table', { name: 'Retention policies' }));
        await expectVisible(page.getByRole('table', { name: 'Retention status' }));
        await page.getByRole('button', { name: 'Verify time range' }).click();
        await expectVisible(page.getByRole('region', { name: 'Verification result' }), 30_000);
        await shot('retention');
      },
    );

    pageTest(
      'a Reader sees the data but no admin action, and the proxy refuses them one',
      'reader',
      async () => {
        grafana.setUser({ login: 'rita', orgRole: 'Editor', permissions: grantedTo('Editor') });
        await open(`/a/${PLUGIN_ID}/alert-rules?tenant=${TENANT}`);
        await expectVisible(
          page
            .getByRole('table', { name: 'Alert rules' })
            .getByText(/\d+ firing/)
            .first(),
        );
        await expectVisible(page.getByText('Read only', { exact: true }));
        for (const name of ['New rule', 'Sync Grafana rules', 'Edit']) {
          assert.equal(await page.getByRole('button', { name }).count(), 0, `alert rules: ${name}`);
        }
        await open(`/a/${PLUGIN_ID}/security-events?tenant=${TENANT}&event=${facts.incidentId}`);
        await expectVisible(page.getByRole('list', { name: 'Status history' }));
        assert.equal(await page.getByRole('button', { name: 'Append status' }).count(), 0);
        await open(`/a/${PLUGIN_ID}/retention?tenant=${TENANT}`);
        await expectVisible(page.getByRole('table', { name: 'Retention policies' }));
        assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0, 'retention: Edit');
        const refused = await page.evaluate(async (url) => {
          const response = await fetch(url, { method: 'POST', body: '{}' });
          return { status: response.status, body: await response.json() };
        }, `api/plugin-proxy/${PLUGIN_ID}/mutate/alert-rules`);
        assert.deepEqual(refused, { status: 403, body: { message: 'plugin proxy route access denied' } });
        await shot('reader-retention');
      },
    );

    test('nothing failed: no page error, no error boundary, no 404 from the proxy or the plugin files', () => {
      assert.deepEqual(errors, []);
      assert.deepEqual(grafana.missingFiles, []);
      const failed = grafana.proxyLog.filter((entry) => entry.status === 404 || entry.status >= 500);
      assert.deepEqual(failed, []);
      // The proxy really carried the app's calls: reads and a mutation with a sub-path.
      const routes = new Set(grafana.proxyLog.map((entry) => `${entry.method} ${entry.route}`));
      for (const route of ['GET exporter/*', 'POST mutate/alert-rules/*'])
        assert.ok(routes.has(route), route);
    });

    test("the exporter's access log names the Grafana user, not only the token", async () => {
      const rows = await exporter.store.query(
        `SELECT count() AS n FROM ${exporter.store.database}.audit_access_log WHERE username = 'dana'`,
      );
      assert.ok(Number(rows[0].n) > 0);
    });
  });
}
