// Authentication and separation of duties on every REST route, found by walking the mounted
// routers (so a route added later is covered without editing this test): no token → 401 on
// every route; a reader token → 403 on every change except those readers may make; a token
// bound to one tenant → 403 for another tenant. Every refusal is counted and recorded as a
// denied access (PCI DSS 10.2.1.4).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type express from 'express';
import { defaultModules, type RunningExporter } from '../exporter.js';
import type { ModuleContext } from '../modules.js';
import { InternalRecorder } from '../ingest/internal-records.js';
import { AccessLog } from './access-log.js';
import { tempDir, startTestExporter } from '@auditlens/test-support';
import { createReadRouter } from './read-routes.js';

const ADMIN = 'security-admin-token';
const READER = 'security-acme-reader-token';
/**
 * POSTs a reader may make: generating a compliance report is an auditor's job, and a rule's dry
 * run only reads (and is access-logged).
 */
const READER_MAY = new Set(['POST /reports', 'POST /alert-rules/test', 'POST /alert-rules/:id/test']);
/**
 * Reads that serve no tenant's audit data: the verification key, the (global) retention
 * policies and the list of fields a rule may use.
 */
const TENANT_FREE = new Set([
  '/integrity/public-key',
  '/integrity/public-key.pem',
  '/retention-policies',
  '/alert-rule-fields',
]);

interface Route {
  method: string;
  path: string;
}
interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

function routesOf(router: express.Router): Route[] {
  const walk = (stack: Layer[]): Route[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        return Object.keys(layer.route.methods).map((method) => ({
          method: method.toUpperCase(),
          path: layer.route?.path ?? '',
        }));
      }
      return layer.handle?.stack ? walk(layer.handle.stack) : [];
    });
  return walk((router as unknown as { stack: Layer[] }).stack);
}

const dir = tempDir('api-security');
let exporter: RunningExporter;
let routes: Route[];
const modules = defaultModules();

before(async () => {
  exporter = await startTestExporter(dir.path, {
    modules,
    apiTokens: new Map([
      [ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }],
      [READER, { role: 'reader' as const, tenants: new Set(['acme']) }],
    ]),
  });
  const recorder = new InternalRecorder(exporter.pipeline);
  const context: ModuleContext = {
    config: exporter.config,
    store: exporter.store,
    pipeline: exporter.pipeline,
    logger: exporter.logger,
    metrics: exporter.metrics,
    recorder,
    accessLog: new AccessLog(recorder),
  };
  routes = [
    ...routesOf(createReadRouter(exporter.store, context.accessLog)),
    // The started modules' routers, built again only to list their routes.
    ...modules.flatMap((module) => (module.routes ? routesOf(module.routes(context)) : [])),
  ];
});
after(async () => {
  await exporter.close();
  dir.remove();
});

/** A concrete URL for a route pattern: path parameters get harmless placeholder values. */
const concrete = (path: string, tenant: string): string =>
  `/api/v1${path.replace(/:(\w+)/g, (_m, name: string) => (/id$/i.test(name) ? '01900000-0000-7000-8000-000000000001' : 'x'))}?tenant=${tenant}`;

/** Refused calls made by this file's tests, and the reasons their answers gave. */
let refusedCalls = 0;
const answeredReasons: string[] = [];

async function call(route: Route, token: string | undefined, tenant = 'acme'): Promise<number> {
  const response = await fetch(`${exporter.apiUrl}${concrete(route.path, tenant)}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(route.method === 'GET' ? {} : { body: JSON.stringify({ tenant }) }),
  });
  const body = (await response.json().catch(() => ({}))) as { reason?: string };
  if (response.status === 401 || response.status === 403) {
    refusedCalls++;
    answeredReasons.push(body.reason ?? 'none');
  }
  return response.status;
}

test('the route list covers the read API and every feature module', () => {
  const paths = routes.map((r) => `${r.method} ${r.path}`);
  assert.ok(paths.includes('GET /search'));
  assert.ok(routes.length >= 10, `found ${routes.length} routes: ${paths.join(', ')}`);
  assert.ok(
    routes.some((r) => r.method !== 'GET'),
    'mutating routes exist',
  );
});

test('every route answers 401 without a token and with an unknown one', async () => {
  for (const route of routes) {
    assert.equal(await call(route, undefined), 401, `${route.method} ${route.path} without a token`);
    assert.equal(
      await call(route, 'not-a-token'),
      401,
      `${route.method} ${route.path} with an unknown token`,
    );
  }
});

test('a reader token cannot change rules, retention or security events (separation of duties)', async () => {
  const allowed: string[] = [];
  for (const route of routes.filter((r) => r.method !== 'GET' && !READER_MAY.has(`${r.method} ${r.path}`))) {
    const status = await call(route, READER);
    if (status !== 403) allowed.push(`${route.method} ${route.path} → ${status}`);
  }
  assert.deepEqual(allowed, [], 'changes a reader could make');
});

test('a token bound to one tenant cannot read another tenant through any route', async () => {
  const served: string[] = [];
  for (const route of routes.filter((r) => r.method === 'GET' && !TENANT_FREE.has(r.path))) {
    const status = await call(route, READER, 'globex');
    if (status < 400) served.push(`${route.method} ${route.path} → ${status}`);
  }
  assert.deepEqual(served, [], 'routes that served another tenant');
});

test('every refusal is counted, and recorded as a denied access with its reason (rate-limited)', async () => {
  assert.ok(refusedCalls >= 2 * routes.length, `the tests above were refused ${refusedCalls} times`);
  const metric = await exporter.metrics.registry.getSingleMetric('auditlens_api_denied_total')?.get();
  const byReason = Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.reason), v.value]));
  assert.equal(
    Object.values(byReason).reduce((n, v) => n + v, 0),
    refusedCalls,
    'the metric counts every refusal',
  );
  const reasons = ['missing-token', 'unknown-token', 'admin-required', 'tenant-not-allowed'];
  // The answer names the reason too, so that the Grafana app can say what to do.
  assert.deepEqual([...new Set(answeredReasons)].sort(), [...reasons].sort());
  type Row = { reason: string; user_id: string; query_filter: string; n: string };
  let rows: Row[] = [];
  // The records are written after the refusal is answered; a bounded wait for the last of them.
  for (let i = 0; i < 100 && reasons.some((r) => !rows.some((row) => row.reason === r)); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    rows = await exporter.store.query<Row>(
      `SELECT operation_name AS reason, any(user_id) AS user_id, any(query_filter) AS query_filter, count() AS n
       FROM audit.audit_access_log WHERE result = 'denied' AND access_type = 'denied' GROUP BY reason`,
    );
  }
  const of = (reason: string): Row | undefined => rows.find((r) => r.reason === reason);
  for (const reason of reasons) {
    assert.ok(of(reason), `a denied record for ${reason}: ${JSON.stringify(rows)}`);
    assert.ok(Number(of(reason)?.n) <= 5, `at most 5 records per source and reason in a window`);
  }
  assert.equal(of('missing-token')?.user_id, 'anonymous');
  // A wrong token is identified by a digest, never stored.
  const digest = createHash('sha256').update('not-a-token').digest('hex').slice(0, 12);
  assert.equal(of('unknown-token')?.user_id, `api-token:${digest}`);
  assert.equal(JSON.parse(of('tenant-not-allowed')?.query_filter ?? '{}').tenant, 'globex');
  const stored = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_access_log WHERE position(toString(attributes), 'not-a-token') > 0
       OR position(user_id, 'not-a-token') > 0 OR position(description, 'not-a-token') > 0`,
  );
  assert.equal(Number(stored[0]?.n), 0, 'the presented token is not stored');
});
