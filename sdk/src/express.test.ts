import { context, trace } from '@opentelemetry/api';
import express, { type Express } from 'express';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, test } from 'node:test';
import { AuditClient } from './audit-client.js';
import { annotateRequest, setAuditIdentity } from './audit-context.js';
import { auditErrorHandler, auditMiddleware, type AuditMiddlewareOptions } from './express.js';
import { riskForPathKeywords } from './request-rules.js';
import { at, waitUntil, OtlpCaptureServer, type WireLogRecord } from '@auditlens/test-support';

let collector: OtlpCaptureServer;
let audit: AuditClient;
let app: http.Server | undefined;

before(async () => {
  collector = await OtlpCaptureServer.start();
  audit = new AuditClient({
    serviceName: 'web',
    endpoint: collector.url,
    spoolDir: false,
    handleSignals: false,
    tenant: 'tenant_001',
    delivery: { scheduledDelayMillis: 10 },
  });
});
after(async () => {
  await audit.shutdown();
  await collector.close();
});
afterEach(async () => {
  if (app) {
    app.closeAllConnections();
    await new Promise((r) => app?.close(r));
    app = undefined;
  }
  collector.reset();
});

interface User {
  id: string;
  name: string;
  tenant: string;
}

/** An Express 5 app with the middleware, a fake auth layer and handlers that emit records. */
async function startApp(
  options: AuditMiddlewareOptions = {},
  setup?: (app: Express) => void,
): Promise<string> {
  const a = express();
  a.use(
    auditMiddleware({
      client: audit,
      resolveUser: (req) => {
        const user = (req as { user?: User }).user;
        return user && { userId: user.id, userName: user.name, tenantId: user.tenant, roles: ['user'] };
      },
      ...options,
    }),
  );
  a.use(express.json());
  // Auth runs after the audit middleware: the user is resolved lazily.
  a.use((req, _res, next) => {
    if (req.headers.authorization === 'Bearer zhangsan') {
      (req as { user?: User }).user = { id: '1001', name: 'zhangsan', tenant: 'tenant_001' };
    }
    next();
  });
  setup?.(a);
  a.get('/health', (_req, res) => {
    res.send('ok');
  });
  a.put('/api/users/:id/profile', (req, res) => {
    annotateRequest({ module: 'USER_MGMT', operation: 'UPDATE_PROFILE' });
    const body = req.body as Record<string, unknown>;
    audit.dbOperation({
      table: 'sys_user',
      operation: 'UPDATE',
      recordId: req.params.id,
      before: { name: 'old', email: 'old@example.com' },
      after: { name: body.name, email: body.email },
    });
    res.json({ ok: true });
  });
  a.post('/api/admin/users', (req, res) => {
    audit.admin({ operation: 'CREATE_USER', target: { type: 'USER', id: 1002, name: 'lisi' } });
    res.status(201).json({ id: 1002 });
  });
  a.post('/api/auth/login', (req, res) => {
    const body = req.body as { username: string; password: string };
    if (body.password !== 'right') {
      audit.loginFailed({ userName: body.username, reason: 'bad_password' });
      res.status(401).json({ error: 'invalid credentials' });
      return;
    }
    audit.loginSucceeded({ userId: '1001', userName: body.username });
    res.json({ token: 'session-token-value' });
  });
  a.get('/api/fail', () => {
    throw new Error('database unreachable');
  });
  a.get('/api/slow', (_req, res) => {
    setTimeout(() => res.json({ late: true }), 2000);
  });
  a.use(auditErrorHandler());
  // Answer errors quietly (Express's default handler would print them).
  a.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: 'internal' });
  });
  app = http.createServer(a);
  await new Promise<void>((resolve) => app?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
}

async function records(count: number): Promise<WireLogRecord[]> {
  await waitUntil(
    async () => {
      await audit.forceFlush();
      return collector.deliveredLogs().length >= count;
    },
    5000,
    `${count} records`,
  );
  return collector.deliveredLogs();
}

const requestRecords = (all: WireLogRecord[]) => all.filter((r) => r.eventName === 'audit.request');

test('one line of middleware records the request: method, route, url, status, duration, client, user, payloads', async () => {
  const base = await startApp();
  const response = await fetch(`${base}/api/users/1001/profile?lang=zh&access_token=t0ken`, {
    method: 'PUT',
    headers: {
      authorization: 'Bearer zhangsan',
      cookie: 'sid=cookie-value',
      'content-type': 'application/json',
      'user-agent': 'Mozilla/5.0 test',
    },
    body: JSON.stringify({ name: '张三', email: 'zhangsan@example.com', password: 'Passw0rd!' }),
  });
  assert.equal(response.status, 200);
  const all = await records(4);
  const [request] = requestRecords(all);
  assert.ok(request);
  const a = request.attributes;
  assert.equal(a['http.request.method'], 'PUT');
  assert.equal(a['http.route'], '/api/users/:id/profile');
  assert.equal(a['url.path'], '/api/users/1001/profile');
  assert.equal(a['url.query'], 'lang=zh&access_token=***');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(typeof a['audit.duration_ms'], 'number');
  assert.equal(a['client.address'], '127.0.0.1');
  assert.equal(a['user_agent.original'], 'Mozilla/5.0 test');
  assert.equal(a['user.id'], '1001');
  assert.equal(a['user.name'], 'zhangsan');
  assert.equal(a['audit.tenant_id'], 'tenant_001');
  assert.equal(a['audit.result'], 'success');
  assert.equal(a['audit.risk_level'], 2);
  assert.equal(a['audit.module'], 'USER_MGMT');
  assert.equal(a['audit.operation'], 'UPDATE_PROFILE');
  assert.deepEqual(JSON.parse(String(a['audit.request.params'])), {
    lang: 'zh',
    access_token: '***',
    id: '1001',
  });
  const headers = JSON.parse(String(a['audit.request.headers'])) as Record<string, string>;
  assert.equal(headers.authorization, '***');
  assert.equal(headers.cookie, '***');
  assert.equal(headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(String(a['audit.request.body'])), {
    name: '张三',
    email: '***',
    password: '***',
  });

  // The handler's records share the request's trace and identity.
  const db = all.find((r) => r.eventName === 'audit.db_operation');
  const changes = all.filter((r) => r.eventName === 'audit.field_change');
  assert.equal(db?.traceId, request.traceId);
  assert.equal(db?.spanId, request.spanId);
  assert.equal(db?.attributes['user.id'], '1001');
  assert.equal(db?.attributes['audit.operation'], 'UPDATE_PROFILE');
  assert.equal(changes.length, 2);
  for (const change of changes) {
    assert.equal(change.traceId, request.traceId);
    assert.equal(change.attributes['audit.change.db_event_id'], db?.attributes['log.record.uid']);
    assert.equal(change.attributes['client.address'], '127.0.0.1');
  }

  // Redaction holds on the wire: none of the secrets is anywhere in what was sent.
  const wire = Buffer.concat(collector.requests.map((r) => r.body)).toString('utf8');
  for (const secret of [
    't0ken',
    'cookie-value',
    'Bearer zhangsan',
    'Passw0rd!',
    'zhangsan@example.com',
    'old@example.com',
  ]) {
    assert.ok(!wire.includes(secret), `"${secret}" left the process`);
  }
});

test('health checks and static files are not audited', async () => {
  const base = await startApp();
  await fetch(`${base}/health`);
  await fetch(`${base}/static/app.js`);
  await fetch(`${base}/api/nothing-here`);
  const all = await records(1);
  await new Promise((r) => setTimeout(r, 100));
  await audit.forceFlush();
  assert.deepEqual(
    collector.deliveredLogs().map((r) => r.attributes['url.path']),
    ['/api/nothing-here'],
  );
  const [notFound] = all;
  assert.equal(notFound?.attributes['http.response.status_code'], 404);
  assert.equal(notFound?.attributes['http.route'], '/api/nothing-here');
  assert.equal(notFound?.attributes['audit.result'], 'failure');
});

test('failed and successful logins: security records and request records with denied/success', async () => {
  const base = await startApp();
  const failed = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'hacker', password: 'guess' }),
  });
  assert.equal(failed.status, 401);
  const ok = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'zhangsan', password: 'right' }),
  });
  assert.equal(ok.status, 200);
  const all = await records(4);
  const security = all.filter((r) => r.eventName === 'audit.security');
  const requests = requestRecords(all);
  assert.deepEqual(
    security.map((r) => r.attributes['audit.security.event_type']),
    ['LOGIN_FAILED', 'LOGIN_SUCCESS'],
  );
  assert.deepEqual(
    requests.map((r) => [
      r.attributes['audit.result'],
      r.attributes['audit.operation'],
      r.attributes['user.name'] ?? null,
    ]),
    [
      ['denied', 'login', null],
      ['success', 'login', 'zhangsan'],
    ],
  );
  assert.equal(at(security, 0).traceId, at(requests, 0).traceId);
});

test('admin operations carry the request they were made in; admin paths are high risk', async () => {
  const base = await startApp();
  await fetch(`${base}/api/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer zhangsan' },
    body: JSON.stringify({ username: 'lisi', role: 'USER', password: 'Init#123' }),
  });
  const all = await records(2);
  const admin = all.find((r) => r.eventName === 'audit.admin');
  const [request] = requestRecords(all);
  assert.ok(admin && request);
  assert.equal(admin.traceId, request.traceId);
  assert.equal(admin.attributes['http.request.method'], 'POST');
  assert.equal(admin.attributes['url.path'], '/api/admin/users');
  assert.equal(admin.attributes['http.route'], '/api/admin/users');
  assert.deepEqual(JSON.parse(String(admin.attributes['audit.request.body'])), {
    username: 'lisi',
    role: 'USER',
    password: '***',
  });
  assert.equal(admin.attributes['user.name'], 'zhangsan');
  assert.equal(request.attributes['audit.risk_level'], 3);
  assert.equal(request.attributes['http.response.status_code'], 201);
});

test('errors: the error handler hands type and message to the request record', async () => {
  const base = await startApp();
  const response = await fetch(`${base}/api/fail`);
  assert.equal(response.status, 500);
  const [request] = requestRecords(await records(1));
  assert.equal(request?.attributes['error.type'], 'Error');
  assert.equal(request?.attributes['audit.error.message'], 'database unreachable');
  assert.equal(request?.attributes['audit.result'], 'failure');
  assert.equal(request?.attributes['audit.risk_level'], 2);
});

test('a client that gives up before the response is recorded as aborted', async () => {
  const base = await startApp();
  const controller = new AbortController();
  const pending = fetch(`${base}/api/slow`, { signal: controller.signal }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100));
  controller.abort();
  await pending;
  const [request] = requestRecords(await records(1));
  assert.equal(request?.attributes['error.type'], 'aborted');
  assert.equal(request?.attributes['audit.result'], 'failure');
  assert.equal(request?.attributes['http.response.status_code'], undefined);
});

test('trusted proxies: X-Forwarded-For is believed only from them', async () => {
  const base = await startApp({ trustProxy: ['127.0.0.1'] });
  await fetch(`${base}/api/x`, { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' } });
  const [trusted] = requestRecords(await records(1));
  assert.equal(trusted?.attributes['client.address'], '203.0.113.9');
});

test('an incoming traceparent is continued; configurable risk rules and annotations apply', async () => {
  const base = await startApp({ riskRules: [riskForPathKeywords(['/reports'], 4)] }, (a) => {
    a.get('/api/reports/export', (_req, res) => {
      annotateRequest({ sensitive: true, complianceTags: ['PCI-10.2.1.3'] });
      setAuditIdentity({ sessionId: 'sess-42' });
      res.json([]);
    });
  });
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  await fetch(`${base}/api/reports/export`, {
    headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
  });
  const [request] = requestRecords(await records(1));
  assert.equal(request?.traceId, traceId);
  assert.equal(request?.attributes['audit.risk_level'], 4);
  assert.equal(request?.attributes['audit.sensitive'], true);
  assert.equal(request?.attributes['audit.operation'], 'export');
  assert.equal(request?.attributes['session.id'], 'sess-42');
  assert.deepEqual(request?.attributes['audit.compliance_tags'], ['PCI-10.2.1.3']);
});

test('the request span is exported as a SERVER span flagged as already recorded', async () => {
  const base = await startApp();
  await fetch(`${base}/api/users/7/profile`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'n', email: 'e@x.y' }),
  });
  await records(1);
  await waitUntil(
    async () => {
      await audit.forceFlush();
      return collector.requests.some((r) => r.path === '/v1/traces');
    },
    5000,
    'a traces request',
  );
  const traces = collector.requests
    .filter((r) => r.path === '/v1/traces')
    .map((r) => r.body.toString('latin1'));
  assert.ok(traces.some((t) => t.includes('audit.recorded') && t.includes('PUT /api/users/:id/profile')));
  assert.equal(trace.getSpan(context.active()), undefined);
});
