// Authentication and separation of duties on every REST route, found by walking the mounted
// routers (so a route added later is covered without editing this test): no token → 401 on
// every route; a reader token → 403 on every change except those readers may make; a token
// bound to one tenant → 403 for another tenant.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type express from 'express';
import type { RunningExporter } from '../exporter.js';
import { defaultModules, type ModuleContext } from '../modules.js';
import { InternalRecorder } from '../internal-records.js';
import { AccessLog } from './access-log.js';
import { tempDir } from '../testing/temp.js';
import { createReadRouter } from './read-routes.js';
import { startTestExporter } from '../testing/exporter.js';

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

async function call(route: Route, token: string | undefined, tenant = 'acme'): Promise<number> {
  const response = await fetch(`${exporter.apiUrl}${concrete(route.path, tenant)}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(route.method === 'GET' ? {} : { body: JSON.stringify({ tenant }) }),
  });
  await response.arrayBuffer();
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
