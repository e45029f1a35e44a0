// Delivery through Grafana: the HTTP exchange of `syncGrafanaRules` / `auditlens grafana sync`
// with Grafana's provisioning API, the contact points, and the provisioning files.
//
// THE GRAFANA HERE IS A FAKE: an in-memory imitation (msw) of the few endpoints AuditLens calls,
// written from Grafana's documented request/response shapes (ProvisionedAlertRule, AlertQuery and
// AlertRuleNotificationSettings in pkg/services/ngalert/api/tooling/definitions; the folder API;
// the notifications.alerting.grafana.app Receiver list). It validates what Grafana validates for
// these calls as far as the documentation says; it is not Grafana.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { BUILTIN_RULES } from '../alerts/builtin.js';
import { PROVISIONING_FILE } from '../alerts/cli-commands.js';
import { parseRule, type AlertRule } from '../alerts/rule-model.js';
import { RuleStore } from '../alerts/rule-store.js';
import { main } from '../cli.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { tempDir } from '@auditlens/test-support';
import { GrafanaApiError, GrafanaClient, syncGrafanaRules } from './client.js';
import { provisioningYaml } from './provisioning.js';
import { grafanaRulePayload, type ProvisionedAlertRule } from './rules.js';
import { DEFAULT_GRAFANA_SETTINGS } from './settings.js';

const GRAFANA = 'http://grafana.test:3000';
const TOKEN = 'glsa_fake_service_account_token';
const settings = { ...DEFAULT_GRAFANA_SETTINGS, url: GRAFANA, token: TOKEN };

interface StoredGrafanaRule extends ProvisionedAlertRule {
  id: number;
  updated: string;
  provenance: string;
}

/** The fake Grafana's state and request log. */
const fake = {
  folders: new Map<string, { uid: string; title: string }>(),
  rules: new Map<string, StoredGrafanaRule>(),
  contactPoints: [
    { uid: 'cp-1', name: 'secops-email', type: 'email' },
    { uid: 'cp-2', name: 'secops-email', type: 'slack' },
    { uid: 'cp-3', name: 'grafana-default-email', type: 'email' },
  ],
  /** Grafana 13 without the provisioning contact-point endpoints (only the receivers API). */
  legacyContactPointsGone: false,
  receiversVersions: ['v1beta1', 'v0alpha1'],
  requests: [] as { method: string; path: string; provenance: string | null }[],
  nextId: 1,
  reset() {
    this.folders.clear();
    this.rules.clear();
    this.requests = [];
    this.legacyContactPointsGone = false;
    this.receiversVersions = ['v1beta1', 'v0alpha1'];
  },
  mutations() {
    return this.requests.filter((r) => r.method !== 'GET');
  },
};

const UID = /^[a-zA-Z0-9_-]{1,40}$/;

/** What Grafana checks on POST/PUT of a ProvisionedAlertRule (required fields, enums, references). */
function validate(body: Partial<ProvisionedAlertRule>): string | undefined {
  if (!body.title || body.title.length > 190) return 'title: required, 1-190 characters';
  if (!body.ruleGroup || body.ruleGroup.length > 190) return 'ruleGroup: required, 1-190 characters';
  if (!body.folderUID || !fake.folders.has(body.folderUID)) return `folder ${body.folderUID} not found`;
  if (body.uid !== undefined && !UID.test(body.uid)) return 'uid: invalid';
  if (!Array.isArray(body.data) || body.data.length === 0) return 'data: at least one query';
  for (const query of body.data) {
    if (!query.refId || !query.datasourceUid || typeof query.model !== 'object')
      return 'data: refId, datasourceUid, model';
    if (typeof query.relativeTimeRange?.from !== 'number' || typeof query.relativeTimeRange.to !== 'number') {
      return 'data: relativeTimeRange in seconds';
    }
  }
  if (!body.data.some((q) => q.refId === body.condition)) return `condition ${body.condition}: no such refId`;
  if (!['Alerting', 'NoData', 'OK'].includes(String(body.noDataState))) return 'noDataState: invalid';
  if (!['OK', 'Error', 'Alerting'].includes(String(body.execErrState))) return 'execErrState: invalid';
  if (!/^\d+(ms|s|m|h|d)$/.test(String(body.for))) return 'for: invalid duration';
  const receiver = body.notification_settings?.receiver;
  if (receiver !== undefined && !fake.contactPoints.some((c) => c.name === receiver)) {
    return `notification_settings.receiver: contact point "${receiver}" does not exist`;
  }
  return undefined;
}

const unauthorized = (request: Request) =>
  request.headers.get('authorization') === `Bearer ${TOKEN}`
    ? undefined
    : HttpResponse.json({ message: 'Unauthorized' }, { status: 401 });

const server = setupServer(
  http.all(`${GRAFANA}/*`, ({ request }) => {
    fake.requests.push({
      method: request.method,
      path: new URL(request.url).pathname,
      provenance: request.headers.get('x-disable-provenance'),
    });
    return unauthorized(request);
  }),
  http.get(`${GRAFANA}/api/folders/:uid`, ({ params }) => {
    const folder = fake.folders.get(String(params.uid));
    return folder
      ? HttpResponse.json({ id: 1, ...folder })
      : HttpResponse.json({ message: 'folder not found' }, { status: 404 });
  }),
  http.post(`${GRAFANA}/api/folders`, async ({ request }) => {
    const body = (await request.json()) as { uid?: string; title?: string };
    if (!body.title) return HttpResponse.json({ message: 'title required' }, { status: 400 });
    const folder = { uid: body.uid ?? 'generated', title: body.title };
    fake.folders.set(folder.uid, folder);
    return HttpResponse.json({ id: 1, ...folder });
  }),
  http.get(`${GRAFANA}/api/v1/provisioning/alert-rules`, () => HttpResponse.json([...fake.rules.values()])),
  http.post(`${GRAFANA}/api/v1/provisioning/alert-rules`, async ({ request }) => {
    const body = (await request.json()) as ProvisionedAlertRule;
    const problem = validate(body);
    if (problem) return HttpResponse.json({ message: problem }, { status: 400 });
    if (fake.rules.has(body.uid)) return HttpResponse.json({ message: 'rule exists' }, { status: 409 });
    const stored: StoredGrafanaRule = {
      ...body,
      id: fake.nextId++,
      updated: new Date().toISOString(),
      provenance: request.headers.get('x-disable-provenance') ? '' : 'api',
    };
    fake.rules.set(body.uid, stored);
    return HttpResponse.json(stored, { status: 201 });
  }),
  http.put(`${GRAFANA}/api/v1/provisioning/alert-rules/:uid`, async ({ request, params }) => {
    const current = fake.rules.get(String(params.uid));
    if (!current) return HttpResponse.json({ message: 'rule not found' }, { status: 404 });
    const body = (await request.json()) as ProvisionedAlertRule;
    const problem = validate(body);
    if (problem) return HttpResponse.json({ message: problem }, { status: 400 });
    const stored = { ...current, ...body, uid: current.uid, updated: new Date().toISOString() };
    fake.rules.set(current.uid, stored);
    return HttpResponse.json(stored);
  }),
  http.delete(`${GRAFANA}/api/v1/provisioning/alert-rules/:uid`, ({ params }) => {
    fake.rules.delete(String(params.uid));
    return new HttpResponse(null, { status: 204 });
  }),
  http.get(`${GRAFANA}/api/v1/provisioning/contact-points`, () =>
    fake.legacyContactPointsGone
      ? HttpResponse.json({ message: 'not found' }, { status: 404 })
      : HttpResponse.json(
          fake.contactPoints.map((c) => ({ ...c, settings: {}, disableResolveMessage: false })),
        ),
  ),
  http.get(
    `${GRAFANA}/apis/notifications.alerting.grafana.app/:version/namespaces/:namespace/receivers`,
    ({ params }) => {
      if (!fake.receiversVersions.includes(String(params.version))) {
        return HttpResponse.json({ kind: 'Status', status: 'Failure', code: 404 }, { status: 404 });
      }
      const names = [...new Set(fake.contactPoints.map((c) => c.name))];
      return HttpResponse.json({
        kind: 'ReceiverList',
        apiVersion: `notifications.alerting.grafana.app/${String(params.version)}`,
        metadata: {},
        items: names.map((name, i) => ({
          metadata: {
            name: Buffer.from(name).toString('base64url'),
            namespace: params.namespace,
            uid: `r-${i}`,
          },
          spec: {
            title: name,
            integrations: fake.contactPoints
              .filter((c) => c.name === name)
              .map((c) => ({ type: c.type, settings: {} })),
          },
        })),
      });
    },
  ),
);

before(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => fake.reset());
after(() => server.close());

const client = () => new GrafanaClient({ url: GRAFANA, token: TOKEN });
const rule = (id: string, extra: Record<string, unknown> = {}): AlertRule =>
  parseRule({
    id,
    name: `Rule ${id}`,
    kind: 'threshold',
    source: 'security',
    filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    groupBy: ['ip_address'],
    window: '5m',
    threshold: 10,
    ...extra,
  });

test('sync creates the folder and one Grafana-managed rule per AuditLens rule with a contact point', async () => {
  const rules = [rule('custom.a', { contactPoint: 'secops-email' }), rule('custom.b'), ...BUILTIN_RULES];
  const report = await syncGrafanaRules(client(), rules, settings);
  assert.equal(report.folderCreated, true);
  assert.deepEqual(report.created, ['auditlens-custom-a']);
  assert.deepEqual(report.errors, []);
  assert.equal(
    report.skipped.length,
    rules.length - 1,
    'rules without a contact point are not delivered by default',
  );
  const created = fake.rules.get('auditlens-custom-a');
  assert.ok(created);
  assert.equal(created.provenance, '', 'X-Disable-Provenance: the rule stays editable in the UI');
  assert.equal(created.folderUID, 'auditlens');
  assert.equal(fake.folders.get('auditlens')?.title, 'AuditLens');
  assert.equal(created.ruleGroup, 'AuditLens');
  assert.deepEqual(created.notification_settings, { receiver: 'secops-email' });
  const [query, condition] = created.data;
  assert.equal(query?.datasourceUid, 'auditlens-clickhouse');
  assert.deepEqual(query?.model.datasource, {
    type: 'grafana-clickhouse-datasource',
    uid: 'auditlens-clickhouse',
  });
  assert.match(
    String(query?.model.rawSql),
    /FROM audit\.audit_alert_state FINAL\nWHERE rule_id = 'custom\.a' AND state = 'firing'/,
  );
  assert.equal(condition?.datasourceUid, '__expr__');
  assert.equal(created.condition, 'B');
  assert.match(created.annotations.auditlens_url ?? '', /^\/a\/auditlens-audit-app\/alerts\?rule=custom\.a&/);
  assert.ok(created.annotations.summary && created.annotations.description);
  assert.ok(fake.mutations().every((r) => r.provenance === 'true'));
});

test('a second sync changes nothing; edits update, a removed contact point deletes, foreign rules stay', async () => {
  const a = rule('custom.a', { contactPoint: 'secops-email' });
  const b = rule('custom.b', { contactPoint: 'grafana-default-email' });
  await syncGrafanaRules(client(), [a, b], settings);
  // A rule someone made in Grafana, in our folder, without our label: never touched.
  fake.rules.set('hand-made', {
    ...grafanaRulePayload(a, settings),
    uid: 'hand-made',
    labels: {},
    id: 99,
    updated: '',
    provenance: '',
  });
  fake.requests = [];
  const again = await syncGrafanaRules(client(), [a, b], settings);
  assert.deepEqual(again.unchanged.sort(), ['auditlens-custom-a', 'auditlens-custom-b']);
  assert.deepEqual(fake.mutations(), []);

  const renamed = { ...a, name: 'Renamed', enabled: false };
  const withoutContactPoint = { ...b, contactPoint: undefined };
  const report = await syncGrafanaRules(client(), [renamed, withoutContactPoint], settings);
  assert.deepEqual(report.updated, ['auditlens-custom-a']);
  assert.deepEqual(report.deleted, ['auditlens-custom-b']);
  assert.equal(fake.rules.get('auditlens-custom-a')?.title, 'AuditLens: Renamed');
  assert.equal(
    fake.rules.get('auditlens-custom-a')?.isPaused,
    true,
    'a disabled rule is paused, not deleted',
  );
  assert.ok(fake.rules.has('hand-made'));
});

test('dry run reports without writing; Grafana refusing a rule is reported per rule', async () => {
  const dry = await syncGrafanaRules(
    client(),
    [rule('custom.a', { contactPoint: 'secops-email' })],
    settings,
    { dryRun: true },
  );
  assert.deepEqual(dry.created, ['auditlens-custom-a']);
  assert.deepEqual(fake.mutations(), []);
  const report = await syncGrafanaRules(
    client(),
    [
      rule('custom.a', { contactPoint: 'no-such-contact-point' }),
      rule('custom.b', { contactPoint: 'secops-email' }),
    ],
    settings,
  );
  assert.deepEqual(report.created, ['auditlens-custom-b']);
  assert.equal(report.errors.length, 1);
  assert.match(report.errors[0]?.message ?? '', /400.*no-such-contact-point/);
});

test('contact points: from the provisioning API, else from the receivers API (Grafana 13); auth errors surface', async () => {
  const expected = [
    { name: 'grafana-default-email', types: ['email'] },
    { name: 'secops-email', types: ['email', 'slack'] },
  ];
  const strip = (list: { name: string; types: string[] }[]) =>
    list.map(({ name, types }) => ({ name, types }));
  assert.deepEqual(strip(await client().listContactPoints()), expected);
  fake.legacyContactPointsGone = true;
  fake.receiversVersions = ['v0alpha1'];
  assert.deepEqual(strip(await client().listContactPoints()), expected);
  assert.deepEqual(fake.requests.map((r) => r.path).slice(-3), [
    '/api/v1/provisioning/contact-points',
    '/apis/notifications.alerting.grafana.app/v1beta1/namespaces/default/receivers',
    '/apis/notifications.alerting.grafana.app/v0alpha1/namespaces/default/receivers',
  ]);
  await assert.rejects(new GrafanaClient({ url: GRAFANA, token: 'wrong' }).listContactPoints(), (error) => {
    assert.ok(error instanceof GrafanaApiError);
    assert.equal(error.status, 401);
    return true;
  });
});

test('the provisioning file is valid YAML with $ escaped for Grafana, and the committed one is current', async () => {
  const yaml = provisioningYaml(BUILTIN_RULES, DEFAULT_GRAFANA_SETTINGS);
  assert.ok(!/[^$]\$__toTime_ms/.test(yaml) && yaml.includes('$$__toTime_ms'), 'macros escaped');
  assert.ok(yaml.includes('{{ $$labels.group_key }}'), 'templates escaped');
  // Parse it with a YAML library when one is installed (a dependency of the workspace's tooling).
  const name = 'yaml';
  const parser = (await import(name).catch(() => undefined)) as { parse(text: string): unknown } | undefined;
  if (parser) {
    const document = parser.parse(yaml.replaceAll('$$', '$')) as {
      apiVersion: number;
      groups: { folder: string; name: string; rules: ProvisionedAlertRule[] }[];
    };
    assert.equal(document.apiVersion, 1);
    const [group] = document.groups;
    assert.equal(group?.folder, 'AuditLens');
    assert.equal(group?.rules.length, BUILTIN_RULES.length);
    for (const [i, builtIn] of BUILTIN_RULES.entries()) {
      const payload = grafanaRulePayload(builtIn, DEFAULT_GRAFANA_SETTINGS);
      const fromFile: ProvisionedAlertRule | undefined = group?.rules[i];
      assert.equal(fromFile?.uid, payload.uid);
      assert.deepEqual(fromFile?.data, payload.data, 'the file and the API carry the same queries');
      assert.deepEqual(fromFile?.annotations, payload.annotations);
      assert.deepEqual(fromFile?.labels, payload.labels);
    }
  }
  const committed = readFileSync(
    new URL(`../../../provisioning/alerting/${PROVISIONING_FILE}`, import.meta.url),
    'utf8',
  );
  const dir = tempDir('grafana-provisioning');
  try {
    assert.equal(await main(['grafana', 'provisioning', '--out', dir.path]), 0);
    assert.equal(
      readFileSync(join(dir.path, PROVISIONING_FILE), 'utf8'),
      committed,
      'provisioning/alerting is stale: run npx auditlens grafana provisioning --out provisioning/alerting',
    );
  } finally {
    dir.remove();
  }
});

test('auditlens grafana sync (headless): rules from the store, URL and token from the environment', async () => {
  const dir = tempDir('grafana-cli');
  const keys = [
    'AUDITLENS_DATA_DIR',
    'AUDITLENS_GRAFANA_URL',
    'AUDITLENS_GRAFANA_TOKEN',
    'AUDITLENS_LOG_LEVEL',
  ];
  const saved = keys.map((key) => [key, process.env[key]] as const);
  try {
    process.env.AUDITLENS_DATA_DIR = dir.path;
    process.env.AUDITLENS_GRAFANA_URL = GRAFANA;
    process.env.AUDITLENS_GRAFANA_TOKEN = TOKEN;
    process.env.AUDITLENS_LOG_LEVEL = 'silent';
    const store = EmbeddedStore.inDataDir(dir.path, 'audit');
    await migrate(store);
    await new RuleStore(store).save(rule('custom.cli', { contactPoint: 'secops-email' }), 'test');
    await store.close();
    const write = process.stdout.write.bind(process.stdout);
    let output = '';
    process.stdout.write = ((chunk: string) => {
      output += chunk;
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['grafana', 'sync']);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(code, 0, output);
    assert.match(output, /1 created, 0 updated, 0 deleted/);
    assert.ok(fake.rules.has('auditlens-custom-cli'));
    process.env.AUDITLENS_GRAFANA_TOKEN = 'wrong';
    assert.equal(await main(['grafana', 'sync']), 1, 'a refused token is a failure');
    // Both runs changed (or tried to change) Grafana: each is on the record, the refused one as failed.
    const audit = EmbeddedStore.inDataDir(dir.path, 'audit');
    try {
      const records = await audit.query<{ result: string; url_path: string }>(
        `SELECT result, url_path FROM audit.audit_admin_log WHERE operation_name = 'GRAFANA_RULE_SYNC' ORDER BY event_time`,
      );
      assert.deepEqual(
        records.map((r) => r.result),
        ['success', 'success', 'failure'],
      );
    } finally {
      await audit.close();
    }
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
    dir.remove();
  }
});
