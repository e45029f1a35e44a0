/* global fetch, location, document, getComputedStyle -- the last three in page.evaluate (the browser) */
// Real-browser test of the BUILT plugin (dist/) inside a model of Grafana 12 and of Grafana 13
// (tests/grafana-host): Debian's chromium, driven by playwright-core, opens the Grafana host page,
// which loads dist/module.js with SystemJS against that Grafana line's shared modules; the app's
// exporter calls go through the host's model of Grafana's plugin proxy (plugin.json routes) to a
// running exporter filled with the demo traffic over OTLP (and a flood of 250 privilege changes).
// For each line: the configuration page saves the settings the proxy then uses; every page shows
// real data in Grafana's own table and time series panel; a view's state survives a reload and
// back/forward; times follow the Grafana user's time zone, not the browser's; hundreds of firing
// instances read as incidents on one screen; dragging across the trend zooms; the links out reach
// Grafana Explore; the user picker finds a user by a part of a name and the profile shows the
// exporter's figures, heat map, deviations and peers; a suspicious-activity finding opens its
// evidence in Explore and the trace view and becomes an alert rule of its tenant; a Viewer (the
// Reader role) sees no admin action; no error boundary appears, no
// page throws, and the proxy and static files answered no 404. Screenshots of every page, in the
// dark and the light theme, land in grafana-plugin/test-output/screenshots/grafana-<line>/.
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
import { privilegeChangeFlood, seedAndWait, TENANT, waitForRows } from '../support/seed.mjs';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distDir = join(pluginDir, 'dist');
const outDir = join(pluginDir, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLUGIN_ID = 'auditlens-audit-app';
const APP = `/a/${PLUGIN_ID}`;
const ADMIN_TOKEN = 'browser-test-admin-token';
const FLOOD = 250;
/** The Grafana user of the time zone test, and the browser's own (different) zone. */
const USER_ZONE = { name: 'Asia/Shanghai', offsetMs: 8 * 3_600_000 };
const BROWSER_ZONE = 'America/New_York';

/**
 * The actions the built plugin.json's roles give a Grafana basic role. Basic roles include the
 * ones below them (Grafana's accesscontrol.BuiltInRolesWithParents): a grant to Viewer reaches
 * Editors and Admins too.
 */
const BASIC_ROLES = ['Viewer', 'Editor', 'Admin'];
const grantedTo = (basicRole) => {
  const reached = BASIC_ROLES.slice(0, BASIC_ROLES.indexOf(basicRole) + 1);
  const actions = JSON.parse(readFileSync(join(distDir, 'plugin.json'), 'utf8'))
    .roles.filter((role) => role.grants.some((grant) => reached.includes(grant)))
    .flatMap((role) => role.role.permissions.map((permission) => permission.action));
  return [...new Set(actions)];
};
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

/** Data source instance settings as Grafana's boot data carries them. */
const datasource = (uid, name, type, extra = {}) => ({
  uid,
  name,
  type,
  meta: { id: type, info: { logos: { small: '' } }, ...extra },
  jsonData: {},
});
/** The organisation's data sources: the platform reader, the tenant's reader, a Tempo. */
const DATASOURCES = [
  datasource('auditlens-clickhouse', 'AuditLens: all tenants', 'grafana-clickhouse-datasource'),
  datasource('auditlens-acme', `AuditLens: ${TENANT}`, 'grafana-clickhouse-datasource'),
  datasource('tempo', 'Tempo', 'tempo', { tracing: true }),
];

/** "YYYY-MM-DD HH:mm:ss" of an epoch time shifted by an offset (Grafana's default date format). */
const formatShifted = (ms, offsetMs) => new Date(ms + offsetMs).toISOString().slice(0, 19).replace('T', ' ');

const dir = tempDir('browser');
let exporter;
let browser;
const facts = {};

const api = async (path, body, method = body === undefined ? 'GET' : 'POST') => {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.json();
};

/** The firing instances of the tenant's rules now. */
const firingNow = async () =>
  (await api(`/alerts/incidents?tenant=${TENANT}`)).incidents.reduce((n, i) => n + i.firing, 0);

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
  await seedAndWait(exporter, now);
  await privilegeChangeFlood(exporter.otlpUrl, now, FLOOD);
  const db = exporter.store.database;
  await waitForRows(
    exporter.store,
    `SELECT count() FROM ${db}.audit_alert_state FINAL WHERE tenant_id = '${TENANT}' AND rule_id = 'builtin.privilege-change' AND state = 'firing'`,
    FLOOD,
    30_000,
  );
  const [chain] = await exporter.store.query(
    `SELECT trace_id, event_time FROM ${db}.audit_request_log WHERE url_path = '/users/7'`,
  );
  facts.traceId = chain.trace_id;
  facts.requestTimeMs = Date.parse(`${chain.event_time.replace(' ', 'T')}Z`);
  const [incident] = await exporter.store.query(
    `SELECT toString(event_id) AS id FROM ${db}.audit_security_log WHERE tenant_id = '${TENANT}' AND detection_method = 'builtin.brute-force-ip' LIMIT 1`,
  );
  facts.incidentId = incident.id;
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
  facts.firing = await firingNow();
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
    const admin = { login: 'dana', orgRole: 'Admin', permissions: grantedTo('Admin'), theme: 'dark' };
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
        user: admin,
        // Nothing configured yet: the configuration page test saves the settings every page uses.
        settings: { jsonData: {}, secureJsonData: {} },
        datasources: DATASOURCES,
        grafana: {
          contactPoints: [
            { uid: 'cp-1', name: 'security-team', type: 'email' },
            { uid: 'cp-2', name: 'oncall-pager', type: 'pagerduty' },
          ],
          alertRules: [],
        },
      });
      page = await newPage();
    });

    after(async () => {
      await page?.close();
      await grafana?.close();
    });

    async function newPage(options = {}) {
      const opened = await browser.newPage({ viewport: { width: 1440, height: 1000 }, ...options });
      opened.on('pageerror', (error) => errors.push(`${opened.url()}: ${error.message}`));
      return opened;
    }

    const open = (path, on = page) => on.goto(`${grafana.url}${path}`, { waitUntil: 'domcontentloaded' });
    const url = (on = page) => new URL(on.url());

    /**
     * Waits for `locator`, but ends at once, naming the error, when the host shows the plugin
     * failing (error boundary or module.js load failure) instead.
     */
    async function expectVisible(locator, timeout = 20_000, on = page) {
      const failure = on.locator(PLUGIN_ERROR).first();
      const shown = locator.waitFor({ timeout }).then(() => true);
      const failed = failure.waitFor({ timeout }).then(() => false);
      shown.catch(() => undefined);
      failed.catch(() => undefined);
      const ok = await Promise.any([shown, failed]).catch(async () => {
        await shown; // rethrows the timeout of the awaited element
      });
      if (ok === false) assert.fail(`Grafana ${version}: ${(await failure.textContent())?.slice(0, 1500)}`);
    }

    /** Waits until the URL satisfies `check` (the app writes its state there). */
    async function expectUrl(check, what, on = page) {
      await on
        .waitForFunction((source) => new Function('url', `return ${source}`)(new URL(location.href)), check, {
          timeout: 10_000,
        })
        .catch(() => assert.fail(`${what}: the URL is ${on.url()}`));
    }

    /** Full-page screenshots for pages; viewport-only while a drawer is open. */
    const shot = (name, fullPage = true, on = page) =>
      on.screenshot({ path: join(shots, `${name}.png`), fullPage });

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
        // Saving the settings is an admin change: the exporter recorded it, as the signed-in user.
        assert.equal(await page.getByText(/not in the audit trail/).count(), 0);
        const [change] = await exporter.store.query(
          `SELECT username, result, request_params FROM audit.audit_admin_log
           WHERE operation_name = 'APP_SETTINGS_UPDATE' ORDER BY event_time DESC LIMIT 1`,
        );
        assert.equal(change?.username, admin.login);
        assert.equal(change?.result, 'success');
        assert.equal(JSON.parse(change.request_params).after.exporterUrl, exporter.apiUrl);
        assert.ok(!change.request_params.includes(ADMIN_TOKEN), 'the token is never recorded');
        await shot('configuration');
      },
    );

    pageTest(
      "Overview: the figures, the trend in Grafana's time series panel, hundreds of firing instances as incidents on one screen",
      'overview',
      async () => {
        // Instances resolve as their windows pass (the seed's brute-force burst a few minutes into
        // the run): the page shows the count of when it loaded, between these two.
        const firingBefore = await firingNow();
        await open(`${APP}/overview?tenant=${TENANT}`);
        await expectVisible(page.getByTestId('stat-Total events'));
        const stats = await api(`/stats?tenant=${TENANT}`);
        assert.ok(stats.total > 100);
        await expectVisible(page.getByText(stats.total.toLocaleString('en-US'), { exact: true }).first());
        // Grafana's time series panel: uPlot's canvas, axes and legend.
        const panel = page.getByTestId('panel-timeseries');
        await expectVisible(panel.locator('canvas').first());
        await expectVisible(panel.getByText('Records', { exact: true }).first());
        // Hundreds of firing instances: one row per rule, with the count.
        assert.ok(facts.firing >= FLOOD, `${facts.firing} firing instances`);
        const incidents = page.getByRole('table', { name: 'Firing alerts' });
        await expectVisible(incidents.getByText('Privilege change', { exact: true }));
        const summary = page.getByTestId('incident-summary');
        await expectVisible(summary);
        const shown = Number(
          /^([\d,]+) firing instances/.exec(await summary.innerText())?.[1]?.replaceAll(',', ''),
        );
        const firingAfter = await firingNow();
        assert.ok(
          shown <= firingBefore && shown >= firingAfter && shown >= FLOOD,
          `${shown} firing instances shown; ${firingBefore} before the page loaded, ${firingAfter} after`,
        );
        const box = await incidents.boundingBox();
        assert.ok(box && box.height < 400, `the incidents take ${box?.height} px`);
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        assert.ok(height < 2400, `the Overview is ${height} px tall with ${facts.firing} firing instances`);
        const link = incidents.getByRole('link', { name: 'Privilege change' });
        assert.match(
          (await link.getAttribute('href')) ?? '',
          /\/security-events\?tenant=acme&rule=builtin\.privilege-change&open=true$/,
        );
        await shot('overview');
      },
    );

    pageTest(
      'dragging across the trend zooms the period; the time picker sets it; both in the URL',
      'zoom',
      async () => {
        await open(`${APP}/overview?tenant=${TENANT}&from=now-6h&to=now`);
        const plot = page.getByTestId('panel-timeseries').locator('.u-over');
        await expectVisible(plot);
        const box = await plot.boundingBox();
        await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
        await page.mouse.up();
        await expectUrl(
          `/^\\d+$/.test(url.searchParams.get('from')) && /^\\d+$/.test(url.searchParams.get('to'))`,
          'zoomed',
        );
        const span = Number(url().searchParams.get('to')) - Number(url().searchParams.get('from'));
        assert.ok(span > 0.2 * 6 * 3_600_000 && span < 0.4 * 6 * 3_600_000, `zoomed to ${span} ms of 6 h`);
        await page.goBack();
        await expectUrl(`url.searchParams.get('from') === 'now-6h'`, 'back to the period before the zoom');
        await page.getByRole('button', { name: /Time range selected/ }).click();
        await page.getByText('Last 7 days', { exact: true }).click();
        await expectUrl(
          `url.searchParams.get('from') === 'now-7d' && url.searchParams.get('to') === 'now'`,
          'a quick range',
        );
      },
    );

    pageTest(
      'Explore lists records in Grafana’s table; a trace is a page under Explore',
      'explore',
      async () => {
        await open(`${APP}/explore?tenant=${TENANT}`);
        const table = page.getByRole('table', { name: 'Audit records' });
        await expectVisible(table);
        await expectVisible(page.getByTestId('result-count').getByText('100 records loaded, more available'));
        // Virtualised: far fewer rows in the page than loaded.
        assert.ok((await table.getByRole('row').count()) < 60);
        await shot('explore');
        // The dashboards' trace links (?trace=) open the trace page.
        await open(`${APP}/explore?tenant=${TENANT}&trace=${facts.traceId}`);
        const chain = page.getByLabel('Trace chain', { exact: true });
        await expectVisible(chain);
        assert.equal(url().pathname, `${APP}/explore/trace/${facts.traceId}`);
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
        const crumbs = await page.getByRole('navigation', { name: 'Breadcrumbs' }).innerText();
        assert.equal(
          crumbs.replace(/\s+/g, ' ').trim(),
          `Home › AuditLens › Explore › Trace ${facts.traceId.slice(0, 8)}…`,
        );
        // Out to the tracing data source and to Grafana Explore with the equivalent ClickHouse query.
        const tempo = page.getByRole('link', { name: 'Open in Tempo' });
        const pane = JSON.parse(
          new URL((await tempo.getAttribute('href')) ?? '', grafana.url).searchParams.get('panes'),
        );
        assert.deepEqual(pane.auditlens.queries[0], {
          refId: 'A',
          datasource: { uid: 'tempo', type: 'tempo' },
          queryType: 'traceql',
          query: facts.traceId,
        });
        await shot('explore-trace');
        await page.getByRole('link', { name: 'Open in Explore' }).click();
        const explore = page.getByTestId('grafana-explore');
        await expectVisible(explore);
        const sql = await explore.getByLabel('Query A').innerText();
        assert.match(sql, /FROM .*audit_request_log/);
        assert.match(sql, /trace_id = '[0-9a-f]{32}'/);
        assert.match(sql, /event_time >= \$__fromTime_ms AND event_time < \$__toTime_ms/);
        await expectVisible(explore.getByText(`AuditLens: ${TENANT}`));
      },
    );

    pageTest(
      'a view is shared by its URL: filters, period and the open record survive a reload; back and forward step through them',
      'url-state',
      async () => {
        await open(`${APP}/explore?tenant=${TENANT}&from=now-12h&to=now`);
        await expectVisible(page.getByTestId('result-count').getByText(/^[1-9][\d,]* records loaded/));
        const unfiltered = await page.getByTestId('result-count').innerText();
        await page.locator('#search-user').fill('carol');
        await page.locator('#search-action').fill('view_order');
        await page.getByRole('button', { name: 'Search' }).click();
        await expectUrl(
          `url.searchParams.get('user') === 'carol' && url.searchParams.get('action') === 'view_order'`,
          'filters',
        );
        await expectVisible(page.getByTestId('result-count').getByText(/^[1-9]\d* records loaded$/));
        const filtered = await page.getByTestId('result-count').innerText();
        assert.notEqual(filtered, unfiltered);
        // Open a record: it is in the URL too.
        await page
          .getByRole('table', { name: 'Audit records' })
          .getByRole('button', { name: /^Open request / })
          .first()
          .click();
        await expectVisible(page.getByRole('table', { name: 'Record detail' }));
        await expectUrl(`/^request:/.test(url.searchParams.get('record') ?? '')`, 'the open record');
        const shared = page.url();
        // A reload (or the link opened by someone else) shows the same view.
        await page.reload({ waitUntil: 'domcontentloaded' });
        await expectVisible(page.getByRole('table', { name: 'Record detail' }));
        assert.equal(await page.locator('#search-user').inputValue(), 'carol');
        assert.equal(await page.locator('#search-action').inputValue(), 'view_order');
        await expectVisible(page.getByTestId('result-count').getByText(filtered, { exact: true }));
        assert.match(
          await page.getByRole('button', { name: /Time range selected/ }).innerText(),
          /Last 12 hours/,
        );
        assert.equal(page.url(), shared);
        // Back: the record closes; back again: the unfiltered search; forward: filtered again.
        await page.goBack();
        await expectUrl(`!url.searchParams.has('record')`, 'back: record closed');
        await page.goBack();
        await expectUrl(`!url.searchParams.has('user')`, 'back: no filter');
        await expectVisible(page.getByTestId('result-count').getByText(unfiltered));
        assert.equal(await page.locator('#search-user').inputValue(), '');
        await page.goForward();
        await expectUrl(`url.searchParams.get('user') === 'carol'`, 'forward: filtered');
        assert.equal(await page.locator('#search-user').inputValue(), 'carol');
      },
    );

    pageTest("times are shown in the Grafana user's time zone, not the browser's", 'time-zone', async () => {
      grafana.setUser({ ...admin, timezone: USER_ZONE.name });
      const inNewYork = await newPage({ timezoneId: BROWSER_ZONE });
      try {
        await open(`${APP}/explore?tenant=${TENANT}&traceId=${facts.traceId}&kinds=request`, inNewYork);
        const table = inNewYork.getByRole('table', { name: 'Audit records' });
        const expected = formatShifted(facts.requestTimeMs, USER_ZONE.offsetMs);
        await expectVisible(table.getByText(expected, { exact: true }), 20_000, inNewYork);
        assert.equal(
          await table.getByText(formatShifted(facts.requestTimeMs, 0), { exact: true }).count(),
          0,
        );
        // The time picker says which zone, and the trace page shows the same time.
        await open(`${APP}/explore/trace/${facts.traceId}?tenant=${TENANT}`, inNewYork);
        await expectVisible(
          inNewYork.getByTestId('chain-request').getByText(expected, { exact: false }),
          20_000,
          inNewYork,
        );
        await shot('time-zone', false, inNewYork);
      } finally {
        await inNewYork.close();
        grafana.setUser(admin);
      }
    });

    pageTest(
      'Security events is a triage queue: one row per type and rule, open first; an event is a page with its history',
      'security-events',
      async () => {
        await open(`${APP}/security-events?tenant=${TENANT}`);
        const queue = page.getByRole('table', { name: 'Triage queue' });
        await expectVisible(
          queue.getByRole('button', { name: 'Show PRIVILEGE_CHANGE builtin.privilege-change' }),
        );
        const rows = await queue.getByRole('button', { name: /^Show / }).count();
        assert.ok(rows < 15, `${rows} queue rows for ${FLOOD}+ security events`);
        await queue.getByRole('button', { name: 'Show LOGIN_FAILED recorded by apps' }).click();
        await expectUrl(
          `url.searchParams.get('eventType') === 'LOGIN_FAILED' && url.searchParams.get('detected') === 'false'`,
          'a group',
        );
        await expectVisible(
          page
            .getByRole('table', { name: 'Security events' })
            .getByRole('link', { name: 'LOGIN_FAILED' })
            .first(),
        );
        await shot('security-events');
        // Alert notifications and older links (?event=) open the event's page.
        await open(`${APP}/security-events?tenant=${TENANT}&event=${facts.incidentId}`);
        await expectVisible(
          page
            .getByRole('list', { name: 'Status history' })
            .getByText('checking the source address with the network team'),
        );
        assert.equal(url().pathname, `${APP}/security-events/${facts.incidentId}`);
        await expectVisible(page.getByRole('button', { name: 'Append status' }));
        const crumbs = await page.getByRole('navigation', { name: 'Breadcrumbs' }).innerText();
        assert.match(crumbs.replace(/\s+/g, ' '), /AuditLens › Security events › BRUTE_FORCE/);
        await shot('security-events-triage', false);
      },
    );

    pageTest(
      'Alert rules lists the rules with firing counts, sync state and a dry run',
      'alert-rules',
      async () => {
        await open(`${APP}/alert-rules?tenant=${TENANT}`);
        const table = page.getByRole('table', { name: 'Alert rules' });
        await expectVisible(table.getByText(/\d+ firing/).first());
        await expectVisible(table.getByText('missing').first());
        await shot('alert-rules');
        await page.getByRole('button', { name: 'New rule' }).click();
        await expectUrl(`url.searchParams.get('edit') === 'new'`, 'the rule form');
        const form = page.getByRole('form', { name: 'Alert rule' });
        await form.getByLabel('Id', { exact: true }).fill('browser-brute-force');
        await form.getByLabel('Name', { exact: true }).fill('Failed logins from one address');
        await form.getByRole('button', { name: 'Dry run (last 24h)' }).click();
        await expectVisible(page.getByRole('region', { name: 'Dry run result' }));
        await shot('alert-rules-edit', false);
      },
    );

    pageTest('Compliance reports shows the generated report and its controls', 'compliance', async () => {
      await open(`${APP}/compliance?tenant=${TENANT}`);
      const table = page.getByRole('table', { name: 'Report history' });
      await expectVisible(table.getByRole('button', { name: 'View' }).first());
      await table.getByRole('button', { name: 'View' }).first().click();
      await expectVisible(page.getByRole('table', { name: 'Controls' }));
      await expectUrl(`url.searchParams.has('report')`, 'the open report');
      await shot('compliance', false);
    });

    pageTest(
      'Retention & integrity shows policies, stored rows and a verification',
      'retention',
      async () => {
        await open(`${APP}/retention?tenant=${TENANT}`);
        await expectVisible(page.getByRole('table', { name: 'Retention policies' }));
        await expectVisible(page.getByRole('table', { name: 'Retention status' }));
        await page.getByRole('button', { name: 'Verify time range' }).click();
        await expectVisible(page.getByRole('region', { name: 'Verification result' }), 30_000);
        await shot('retention');
      },
    );

    pageTest(
      'AI & API usage shows the seeded calls per user and model, and filters by a user',
      'ai-usage',
      async () => {
        await open(`${APP}/ai-usage?tenant=${TENANT}`);
        const users = page.getByRole('table', { name: 'Usage per user' });
        await expectVisible(users.getByRole('link', { name: 'mallory' }));
        await expectVisible(page.getByTestId('stat-Cost USD'));
        await expectVisible(
          page.getByRole('table', { name: 'Usage per model' }).getByText('o1-pro-2025-01-01'),
        );
        await shot('ai-usage');
        await users.getByRole('link', { name: 'mallory' }).click();
        await expectUrl(`url.searchParams.get('user') === 'mallory'`, 'the user filter');
        await expectVisible(page.getByTestId('stat-Calls').getByText('3', { exact: true }));
      },
    );

    pageTest(
      'User behaviour: the picker finds a user by a part of the name; the profile shows the figures, heat map, deviations and peers',
      'user-behaviour',
      async () => {
        await open(`${APP}/user-behaviour?tenant=${TENANT}`);
        await expectVisible(page.getByText(/Find a user by name or id/));
        // "it adm", any case, is part of the name "IT admin" of the account behind the flood.
        await page.locator('#behaviour-user').fill('it adm');
        await page.getByRole('button', { name: 'Find user' }).click();
        await expectUrl(`url.searchParams.get('find') === 'it adm'`, 'the text searched');
        // The flood's admin records and the security records of the alerts they raised, as the API counts them.
        const [itAdmin] = (await api(`/behaviour/users?tenant=${TENANT}&q=IT%20ADMIN`)).users;
        assert.ok(itAdmin.records > FLOOD && itAdmin.exact, JSON.stringify(itAdmin));
        const match = page.getByRole('list', { name: 'Matching users' }).getByTestId('user-match-it-admin');
        await expectVisible(match.getByText(`${itAdmin.records} records`, { exact: false }));
        await shot('user-behaviour-find', false);
        await match.getByRole('link', { name: 'IT admin (it-admin)' }).click();
        await expectUrl(
          `url.searchParams.get('user') === 'it-admin' && url.searchParams.get('tenant') === '${TENANT}'`,
          'the profile of the user picked',
        );
        await expectVisible(page.getByTestId('stat-Records'));
        assert.equal(await page.locator('#behaviour-user').inputValue(), 'it-admin');
        // The figures are the exporter's for the same period (absolute, so both read the same hours).
        const to = Date.now() + 60_000;
        const from = to - 24 * 3_600_000;
        await open(`${APP}/user-behaviour?tenant=${TENANT}&user=it-admin&from=${from}&to=${to}`);
        const profile = await api(`/behaviour/profile?tenant=${TENANT}&user=it-admin&from=${from}&to=${to}`);
        assert.equal(profile.totals.events, itAdmin.records);
        assert.ok(profile.deviations.length > 0 && profile.peers.users >= 5, JSON.stringify(profile.peers));
        await expectVisible(
          page
            .getByTestId('stat-Records')
            .getByText(
              `${itAdmin.records} (prev. ${profile.baseline.events}, peers ${Math.round(profile.peers.median.events)})`,
            ),
        );
        await expectVisible(
          page.getByTestId('stat-High risk').getByText(new RegExp(`^${profile.totals.highRisk} `)),
        );
        assert.match(
          await page.getByTestId('profile-scope').innerText(),
          new RegExp(`all users of the tenant \\(${profile.peers.users}\\)`),
        );
        await expectVisible(page.getByText('Deviations from the previous period and peers', { exact: true }));
        for (const deviation of profile.deviations)
          await expectVisible(page.getByText(deviation.message, { exact: true }));
        // The heat map: one cell per weekday × hour, the busiest the flood's.
        const heatmap = page.getByRole('grid', { name: 'Activity by weekday and hour (UTC)' });
        await expectVisible(heatmap);
        assert.equal(await heatmap.locator('[data-testid^="heat-"]').count(), 7 * 24);
        const busiest = [...profile.heatmap].sort((a, b) => b.events - a.events)[0];
        assert.equal(
          await heatmap.getByTestId(`heat-${busiest.weekday}-${busiest.hour}`).getAttribute('title'),
          `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][busiest.weekday - 1]} ${String(busiest.hour).padStart(2, '0')}:00 UTC: ${busiest.events} records`,
        );
        await expectVisible(
          page.getByRole('table', { name: 'Actions' }).getByText('grant_role', { exact: true }),
        );
        // The alerts the flood raised name the user: each opens its security event.
        assert.ok(profile.alerts > 0);
        await expectVisible(
          page
            .getByRole('table', { name: 'Security events' })
            .getByRole('link', { name: 'PRIVILEGE_CHANGE' })
            .first(),
        );
        await shot('user-behaviour');
      },
    );

    pageTest(
      'Suspicious activity ranks the detections; a finding shows its evidence (Explore, trace) and becomes an alert rule',
      'suspicious-activity',
      async () => {
        const to = Date.now() + 60_000;
        const from = to - 24 * 3_600_000;
        const path = `${APP}/suspicious-activity?tenant=${TENANT}&from=${from}&to=${to}`;
        const list = await api(`/behaviour/suspicious?tenant=${TENANT}&from=${from}&to=${to}`);
        // The seed's burst of failed logins on root and admin from one address.
        const burst = list.findings.find((f) => f.eventType === 'BRUTE_FORCE' && f.userId === 'root');
        assert.ok(burst, JSON.stringify(list.findings.map((f) => [f.eventType, f.userId])));
        await open(path);
        const table = page.getByRole('table', { name: 'Suspicious activity' });
        for (const finding of list.findings)
          await expectVisible(table.getByText(finding.summary, { exact: true }));
        await expectVisible(table.getByRole('link', { name: 'root' }).first());
        await table
          .getByRole('row')
          .filter({ hasText: burst.summary })
          .getByRole('link', { name: burst.name })
          .click();
        await expectUrl(`url.searchParams.get('finding') === '${burst.id}'`, 'the open finding');
        const detail = page.getByTestId('finding-detail');
        await expectVisible(detail.getByText(`MITRE ATT&CK ${burst.mitre.technique}`, { exact: false }));
        const evidence = detail.getByRole('table', { name: `Evidence of ${burst.name}` });
        const [first] = burst.evidence;
        await expectVisible(evidence.getByRole('link', { name: 'trace' }).first());
        await shot('suspicious-activity');
        // An evidence record opens in Explore; its trace in the trace view.
        await evidence.getByRole('link', { name: first.summary }).first().click();
        await expectUrl(
          `url.pathname === '${APP}/explore' && url.searchParams.get('record') === 'security:${first.event_id}'`,
          'the evidence record in Explore',
        );
        await expectVisible(page.getByRole('table', { name: 'Record detail' }));
        await open(`${path}&finding=${burst.id}`);
        const traceLinks = page
          .getByTestId('finding-detail')
          .getByRole('table', { name: `Evidence of ${burst.name}` })
          .getByRole('link', { name: 'trace' });
        await expectVisible(traceLinks.first());
        const trace = new URL((await traceLinks.first().getAttribute('href')) ?? '', grafana.url);
        assert.ok(
          burst.evidence.some((e) => trace.pathname === `${APP}/explore/trace/${e.trace_id}`),
          trace.pathname,
        );
        await traceLinks.first().click();
        await expectVisible(page.getByLabel('Trace chain', { exact: true }));
        // Turn into alert rule: the rule form, filled with the finding's rule, creates it.
        await open(`${path}&finding=${burst.id}`);
        await page.getByRole('button', { name: 'Turn into alert rule' }).click();
        const form = page.getByRole('form', { name: 'Alert rule' });
        await expectVisible(form);
        assert.equal(await form.getByLabel('Id', { exact: true }).inputValue(), burst.rule.id);
        await form.getByRole('button', { name: 'Create rule' }).click();
        await expectVisible(page.getByText('Alert rule created', { exact: true }));
        await expectVisible(page.getByRole('link', { name: burst.rule.id }));
        const rules = await api(`/alert-rules?tenant=${TENANT}`);
        const created = rules.rules.find((r) => r.rule.id === burst.rule.id);
        assert.equal(created?.rule.eventType, 'BRUTE_FORCE');
        assert.equal(created?.rule.tenant, TENANT, 'a finding of one tenant makes a rule for that tenant');
        // The other Grafana line turns the same finding into a rule: remove this one.
        await api(`/alert-rules/${burst.rule.id}`, undefined, 'DELETE');
      },
    );

    pageTest('the light theme: the pages in the Grafana user’s light theme', 'light', async () => {
      grafana.setUser({ ...admin, theme: 'light' });
      try {
        for (const [name, path, ready] of [
          [
            'overview',
            `${APP}/overview?tenant=${TENANT}`,
            () => page.getByTestId('panel-timeseries').locator('canvas').first(),
          ],
          [
            'explore',
            `${APP}/explore?tenant=${TENANT}`,
            () => page.getByTestId('result-count').getByText(/records loaded/),
          ],
          [
            'security-events',
            `${APP}/security-events?tenant=${TENANT}`,
            () => page.getByRole('table', { name: 'Triage queue' }),
          ],
          [
            'explore-trace',
            `${APP}/explore/trace/${facts.traceId}?tenant=${TENANT}`,
            () => page.getByLabel('Trace chain', { exact: true }),
          ],
        ]) {
          await open(path);
          await expectVisible(ready());
          const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
          assert.notEqual(background, 'rgb(17, 18, 23)', `${name}: a light page, not the dark theme's`);
          await shot(`${name}-light`);
        }
      } finally {
        grafana.setUser(admin);
      }
    });

    pageTest(
      'a Viewer gets the Reader role: the data but no admin action, and the proxy refuses them one',
      'reader',
      async () => {
        grafana.setUser({ login: 'rita', orgRole: 'Viewer', permissions: grantedTo('Viewer') });
        try {
          await open(`${APP}/alert-rules?tenant=${TENANT}`);
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
          await open(`${APP}/security-events/${facts.incidentId}?tenant=${TENANT}`);
          await expectVisible(page.getByRole('list', { name: 'Status history' }));
          assert.equal(await page.getByRole('button', { name: 'Append status' }).count(), 0);
          await open(`${APP}/retention?tenant=${TENANT}`);
          await expectVisible(page.getByRole('table', { name: 'Retention policies' }));
          assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0, 'retention: Edit');
          const refused = await page.evaluate(async (target) => {
            const response = await fetch(target, { method: 'POST', body: '{}' });
            return { status: response.status, body: await response.json() };
          }, `api/plugin-proxy/${PLUGIN_ID}/mutate/alert-rules`);
          assert.deepEqual(refused, { status: 403, body: { message: 'plugin proxy route access denied' } });
          await shot('reader-retention');
        } finally {
          grafana.setUser(admin);
        }
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
