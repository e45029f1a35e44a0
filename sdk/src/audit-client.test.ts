import { trace } from '@opentelemetry/api';
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { AuditClient, type AuditOptions } from './audit-client.js';
import { annotateRequest, runAs, setAuditIdentity } from './audit-context.js';
import { decryptFieldValue } from './field-protection.js';
import { at, OtlpCaptureServer, type WireLogRecord } from '@auditlens/test-support';
import { uuidv7Timestamp } from './uuidv7.js';

let server: OtlpCaptureServer;
let audit: AuditClient | undefined;
before(async () => {
  server = await OtlpCaptureServer.start();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await audit?.shutdown();
  audit = undefined;
  server.reset();
});

function client(options: AuditOptions = {}): AuditClient {
  audit = new AuditClient({
    serviceName: 'orders',
    serviceVersion: '1.2.3',
    environment: 'test',
    endpoint: server.url,
    spoolDir: false,
    handleSignals: false,
    delivery: { scheduledDelayMillis: 10 },
    ...options,
  });
  return audit;
}

async function delivered(c: AuditClient): Promise<WireLogRecord[]> {
  await c.forceFlush();
  return server.deliveredLogs();
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function byKind(records: WireLogRecord[], eventName: string): WireLogRecord[] {
  return records.filter((r) => r.eventName === eventName);
}

test('every kind is one LogRecord named by its EventName, with a UUIDv7 id, time, tenant, user and resource', async () => {
  const c = client({ tenant: 'default_tenant' });
  const before = Date.now();
  runAs(
    { tenantId: 'tenant_001', userId: '1001', userName: 'zhangsan', roles: ['user'], sessionId: 's-1' },
    () => {
      c.request({ method: 'GET', path: '/api/orders', statusCode: 200 });
      c.dbOperation({
        table: 'orders',
        operation: 'update',
        recordId: 7,
        before: { state: 'new' },
        after: { state: 'paid' },
      });
      c.loginSucceeded();
      c.admin({ operation: 'GRANT_ROLE', target: { type: 'USER', id: 1002, name: 'lisi' } });
    },
  );
  const records = await delivered(c);
  assert.deepEqual(
    records.map((r) => r.eventName),
    ['audit.request', 'audit.db_operation', 'audit.field_change', 'audit.security', 'audit.admin'],
  );
  for (const record of records) {
    const id = String(record.attributes['log.record.uid']);
    assert.match(id, UUID_V7);
    const ms = Number(record.timeUnixNano / 1_000_000n);
    assert.ok(ms >= before && ms <= Date.now(), 'timestamp is the emit time');
    assert.equal(uuidv7Timestamp(id), ms, 'the event id encodes the record time');
    assert.equal(record.attributes['audit.tenant_id'], 'tenant_001');
    assert.equal(record.attributes['user.id'], '1001');
    assert.equal(record.attributes['user.name'], 'zhangsan');
    assert.deepEqual(record.attributes['user.roles'], ['user']);
    assert.equal(record.attributes['session.id'], 's-1');
    assert.equal(typeof record.attributes['audit.risk_level'], 'number');
    assert.equal(typeof record.body, 'string');
    assert.equal(record.resource['service.name'], 'orders');
    assert.equal(record.resource['service.version'], '1.2.3');
    assert.equal(record.resource['deployment.environment.name'], 'test');
    assert.equal(record.scope, '@auditlens/sdk');
  }
  assert.equal(new Set(records.map((r) => r.attributes['log.record.uid'])).size, records.length);
});

test('records outside any context get the configured tenant and no user; system operations an empty tenant', async () => {
  const c = client({ tenant: 'acme' });
  c.record('audit.request', { attributes: { 'http.request.method': 'GET', 'url.path': '/' } });
  runAs({ tenantId: '', userId: '0', userName: 'system' }, () =>
    c.admin({
      operation: '系统初始化',
      module: 'SYSTEM_CONFIG',
      target: { type: 'SYSTEM', name: '数据库初始化' },
      riskLevel: 1,
    }),
  );
  const [plain, system] = await delivered(c);
  assert.equal(plain?.attributes['audit.tenant_id'], 'acme');
  assert.equal(plain?.attributes['user.id'], undefined);
  assert.equal(system?.attributes['audit.tenant_id'], '');
  assert.equal(system?.attributes['user.name'], 'system');
  assert.equal(system?.attributes['audit.operation'], '系统初始化');
  assert.equal(system?.attributes['audit.admin.target_name'], '数据库初始化');
});

test('withAuditedOperation: everything inside shares one trace, and records carry the span', async () => {
  const c = client();
  let spanId = '';
  let traceId = '';
  await c.withAuditedOperation('update-profile', async (span) => {
    traceId = span.spanContext().traceId;
    spanId = span.spanContext().spanId;
    c.request({ method: 'PUT', path: '/api/user/profile', statusCode: 200 });
    await new Promise((r) => setTimeout(r, 5));
    c.dbOperation({
      table: 'sys_user',
      operation: 'UPDATE',
      recordId: 1,
      before: { name: 'a' },
      after: { name: 'b' },
    });
  });
  c.request({ method: 'GET', path: '/outside', statusCode: 200 });
  const records = await delivered(c);
  const inside = records.slice(0, 3);
  assert.ok(inside.every((r) => r.traceId === traceId && r.spanId === spanId));
  assert.notEqual(at(records, 3).traceId, traceId);
  assert.equal(trace.getActiveSpan(), undefined);
});

test('withAuditedOperation ends its span and rethrows when the function fails', async () => {
  const c = client();
  assert.throws(
    () =>
      c.withAuditedOperation('sync-fail', () => {
        throw new Error('boom');
      }),
    /boom/,
  );
  await assert.rejects(
    c.withAuditedOperation('async-fail', () => Promise.reject(new Error('later'))),
    /later/,
  );
  assert.equal(
    c.withAuditedOperation('ok', () => 42),
    42,
  );
});

test('dbOperation derives one field_change per changed field, each pointing at its db operation', async () => {
  const c = client();
  const result = runAs({ tenantId: 'tenant_001', userId: '1001', userName: 'zhangsan' }, () => {
    annotateRequest({ module: 'USER_MGMT', operation: 'UPDATE_PROFILE' }); // no scope here: ignored
    return c.dbOperation({
      system: 'mysql',
      namespace: 'app',
      table: 'sys_user',
      operation: 'UPDATE',
      query: 'UPDATE sys_user SET name=?, email=?, password_hash=? WHERE id=?',
      params: ['张三', 'zhangsan@example.com', 'h4sh-value', 1001],
      affectedRows: 1,
      durationMs: 3.5,
      transactionId: 'tx-9',
      recordId: 1001,
      before: { id: 1001, name: '张三旧', email: 'old@example.com', password_hash: 'old-hash', age: 30 },
      after: { id: 1001, name: '张三', email: 'zhangsan@example.com', password_hash: 'new-hash', age: 30 },
      fieldLabels: { name: '姓名', email: '邮箱' },
      reason: 'user request',
      approval: { required: false, status: 'NOT_REQUIRED' },
    });
  });
  const records = await delivered(c);
  const [db] = byKind(records, 'audit.db_operation');
  const changes = byKind(records, 'audit.field_change');
  assert.ok(db);
  assert.equal(db.attributes['log.record.uid'], result.eventId);
  assert.deepEqual(
    changes.map((ch) => [ch.attributes['audit.change.field'], ch.attributes['audit.change.db_event_id']]),
    [
      ['name', result.eventId],
      ['email', result.eventId],
      ['password_hash', result.eventId],
    ],
  );
  assert.deepEqual(
    result.changes.map((ch) => ch.eventId),
    changes.map((ch) => ch.attributes['log.record.uid']),
  );
  assert.equal(db.attributes['db.system.name'], 'mysql');
  assert.equal(db.attributes['db.namespace'], 'app');
  assert.equal(db.attributes['db.collection.name'], 'sys_user');
  assert.equal(db.attributes['db.operation.name'], 'UPDATE');
  assert.equal(
    db.attributes['db.query.text'],
    'UPDATE sys_user SET name=?, email=?, password_hash=? WHERE id=?',
  );
  assert.equal(db.attributes['audit.db.params'], '["***","***","***",1001]');
  assert.equal(db.attributes['audit.db.affected_rows'], 1);
  assert.equal(db.attributes['audit.duration_ms'], 3.5);
  assert.equal(db.attributes['audit.db.transaction_id'], 'tx-9');
  assert.equal(db.attributes['audit.sensitive'], true);
  assert.deepEqual(JSON.parse(String(db.attributes['audit.db.after'])), {
    id: 1001,
    name: '张三',
    email: '***',
    password_hash: '***',
    age: 30,
  });
  const [name, email] = changes;
  assert.equal(name?.attributes['audit.change.old_value'], '张三旧');
  assert.equal(name?.attributes['audit.change.new_value'], '张三');
  assert.equal(name?.attributes['audit.change.field_label'], '姓名');
  assert.equal(name?.attributes['audit.change.type'], 'UPDATE');
  assert.equal(name?.attributes['audit.change.value_type'], 'STRING');
  assert.equal(name?.attributes['audit.change.record_id'], '1001');
  assert.equal(name?.attributes['audit.change.reason'], 'user request');
  assert.equal(name?.attributes['audit.approval.status'], 'NOT_REQUIRED');
  assert.equal(name?.attributes['audit.sensitive'], false);
  assert.equal(email?.attributes['audit.sensitive'], true);
  assert.equal(email?.attributes['audit.change.old_value'], '***');
  assert.equal(email?.attributes['audit.change.new_value'], '***');
  assert.equal(email?.attributes['audit.change.encrypted'], false);
  const raw = Buffer.concat(server.requests.map((r) => r.body)).toString('utf8');
  for (const secret of ['old@example.com', 'zhangsan@example.com', 'old-hash', 'new-hash', 'h4sh-value']) {
    assert.ok(!raw.includes(secret), `${secret} left the process`);
  }
});

test('with a field encryption key, sensitive values are encrypted, not masked, and decrypt with the key', async () => {
  const key = Buffer.alloc(32, 7);
  const c = client({ fieldEncryptionKey: key, sensitiveFields: ['salary'] });
  c.dbOperation({
    table: 'staff',
    operation: 'UPDATE',
    recordId: 'e1',
    before: { salary: 100 },
    after: { salary: 120 },
  });
  const [db, change] = await delivered(c);
  assert.equal(JSON.parse(String(db?.attributes['audit.db.after'])).salary, '***');
  assert.equal(change?.attributes['audit.change.encrypted'], true);
  assert.equal(decryptFieldValue(String(change?.attributes['audit.change.old_value']), key), '100');
  assert.equal(decryptFieldValue(String(change?.attributes['audit.change.new_value']), key), '120');
});

test('INSERT and DELETE images produce INSERT and DELETE changes', async () => {
  const c = client();
  c.dbOperation({
    table: 'sys_user',
    operation: 'INSERT',
    after: { id: 1002, username: 'lisi', role: 'USER' },
  });
  c.dbOperation({ table: 'sys_user', operation: 'DELETE', before: { id: 1002, username: 'lisi' } });
  const changes = byKind(await delivered(c), 'audit.field_change');
  assert.deepEqual(
    changes.map((ch) => [
      ch.attributes['audit.change.type'],
      ch.attributes['audit.change.field'],
      ch.attributes['audit.change.record_id'],
    ]),
    [
      ['INSERT', 'id', '1002'],
      ['INSERT', 'username', '1002'],
      ['INSERT', 'role', '1002'],
      ['DELETE', 'id', '1002'],
      ['DELETE', 'username', '1002'],
    ],
  );
});

test('security calls: login success/failure, logout, permission denied, custom with MITRE fields', async () => {
  const c = client();
  runAs({ tenantId: 't1', clientAddress: '203.0.113.1', userAgent: 'curl/8' }, () => {
    c.loginFailed({ userName: 'hacker', reason: 'bad_password', method: 'password' });
    c.loginSucceeded({ userId: '1001', userName: 'zhangsan' });
    c.request({ method: 'POST', path: '/api/auth/login', statusCode: 200 }); // now names the user
    c.permissionDenied({ resource: '/api/admin/users', permission: 'user:create' });
    c.securityEvent({
      eventType: 'BRUTE_FORCE',
      description: '暴力破解登录尝试',
      riskLevel: 4,
      result: 'denied',
      threatType: 'BRUTE_FORCE',
      attackVector: 'NETWORK',
      mitreTechnique: 'T1110',
      mitreTactic: 'TA0006',
      detectionMethod: 'FAILED_LOGIN_THRESHOLD',
      rule: 'failed-logins-per-ip',
      targetResource: '/api/auth/login',
      relatedEvents: ['01890a5d-ac96-774b-bcce-b302099a8057'],
    });
    c.logout();
  });
  const records = await delivered(c);
  const security = byKind(records, 'audit.security');
  assert.deepEqual(
    security.map((r) => [
      r.attributes['audit.security.event_type'],
      r.attributes['audit.result'],
      r.attributes['user.name'] ?? null,
    ]),
    [
      ['LOGIN_FAILED', 'failure', 'hacker'],
      ['LOGIN_SUCCESS', 'success', 'zhangsan'],
      ['PERMISSION_DENIED', 'denied', 'zhangsan'],
      ['BRUTE_FORCE', 'denied', 'zhangsan'],
      ['LOGOUT', 'success', 'zhangsan'],
    ],
  );
  const [failed, , denied, brute] = security;
  assert.equal(failed?.attributes['user.id'], undefined);
  assert.equal(failed?.attributes['client.address'], '203.0.113.1');
  assert.equal(failed?.attributes['user_agent.original'], 'curl/8');
  assert.equal(failed?.attributes['audit.security.reason'], 'bad_password');
  assert.equal(failed?.severityText, 'WARN');
  assert.equal(denied?.attributes['audit.security.target_resource'], '/api/admin/users');
  assert.equal(denied?.attributes['audit.security.permission'], 'user:create');
  assert.equal(brute?.attributes['audit.risk_level'], 4);
  assert.equal(brute?.severityText, 'ERROR');
  assert.equal(brute?.body, '暴力破解登录尝试');
  for (const [attribute, value] of Object.entries({
    'audit.security.threat_type': 'BRUTE_FORCE',
    'audit.security.attack_vector': 'NETWORK',
    'audit.security.mitre_technique': 'T1110',
    'audit.security.mitre_tactic': 'TA0006',
    'audit.security.detection_method': 'FAILED_LOGIN_THRESHOLD',
    'audit.security.rule': 'failed-logins-per-ip',
    'audit.security.target_resource': '/api/auth/login',
  })) {
    assert.equal(brute?.attributes[attribute], value, attribute);
  }
  assert.deepEqual(brute?.attributes['audit.security.related_events'], [
    '01890a5d-ac96-774b-bcce-b302099a8057',
  ]);
  const [request] = byKind(records, 'audit.request');
  assert.equal(
    request?.attributes['user.id'],
    '1001',
    'loginSucceeded set the identity for the rest of the context',
  );
});

test('admin records carry target, approval and redacted params', async () => {
  const c = client();
  runAs({ tenantId: 'tenant_001', userId: '2001', userName: 'admin' }, () => {
    setAuditIdentity({ roles: ['admin'] });
    c.admin({
      operation: 'CREATE_USER',
      module: 'USER_MGMT',
      target: { type: 'USER', id: 1002, name: '新用户李四' },
      params: { username: 'lisi', role: 'USER', initialPassword: 'Secret#1' },
      approval: {
        required: true,
        status: 'APPROVED',
        approverId: '3001',
        time: Date.UTC(2030, 0, 1),
        comment: 'ok',
      },
      statusCode: 200,
      durationMs: 150,
      complianceTags: ['MLPS-8.1.4.3'],
    });
  });
  const [admin] = await delivered(c);
  assert.ok(admin);
  assert.equal(admin.eventName, 'audit.admin');
  const a = admin.attributes;
  assert.equal(a['audit.operation'], 'CREATE_USER');
  assert.equal(a['audit.module'], 'USER_MGMT');
  assert.equal(a['audit.admin.target_type'], 'USER');
  assert.equal(a['audit.admin.target_id'], '1002');
  assert.equal(a['audit.admin.target_name'], '新用户李四');
  assert.equal(a['audit.approval.required'], true);
  assert.equal(a['audit.approval.status'], 'APPROVED');
  assert.equal(a['audit.approval.approver_id'], '3001');
  assert.equal(a['audit.approval.time'], '2030-01-01T00:00:00.000Z');
  assert.equal(a['audit.approval.comment'], 'ok');
  assert.equal(a['http.response.status_code'], 200);
  assert.equal(a['audit.duration_ms'], 150);
  assert.deepEqual(a['user.roles'], ['admin']);
  assert.deepEqual(a['audit.compliance_tags'], ['MLPS-8.1.4.3']);
  assert.deepEqual(JSON.parse(String(a['audit.request.params'])), {
    username: 'lisi',
    role: 'USER',
    initialPassword: '***',
  });
});

test('generic record: custom metadata such as an LLM API call, secrets among it masked', async () => {
  const c = client({ complianceTags: ['SOC2-CC7'] });
  c.record('audit.request', {
    module: 'AI_GATEWAY',
    operation: 'LLM_API_REQUEST',
    description: 'API request to openai/gpt-4o',
    attributes: {
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 812,
      'gen_ai.usage.output_tokens': 143,
      'audit.llm.cost_usd': 0.0042,
      'audit.llm.api_key': 'sk-live-123',
    },
  });
  const [record] = await delivered(c);
  const a = record?.attributes ?? {};
  assert.equal(a['gen_ai.request.model'], 'gpt-4o');
  assert.equal(a['gen_ai.provider.name'], 'openai');
  assert.equal(a['gen_ai.usage.input_tokens'], 812);
  assert.equal(a['gen_ai.usage.output_tokens'], 143);
  assert.equal(a['audit.llm.cost_usd'], 0.0042);
  assert.equal(a['audit.llm.api_key'], '***');
  assert.equal(a['audit.operation'], 'LLM_API_REQUEST');
  assert.deepEqual(a['audit.compliance_tags'], ['SOC2-CC7']);
});

test('request records: result and risk derived from status and rules, query and payloads redacted', async () => {
  const c = client();
  c.request({
    method: 'POST',
    path: '/api/admin/users',
    query: 'notify=1&token=abc',
    route: '/api/admin/users',
    statusCode: 403,
    durationMs: 12.5,
    params: { notify: '1', token: 'abc' },
    headers: { authorization: 'Bearer xyz', 'content-type': 'application/json' },
    body: { username: 'lisi', password: 'p' },
  });
  const [r] = await delivered(c);
  const a = r?.attributes ?? {};
  assert.equal(a['audit.result'], 'denied');
  assert.equal(a['audit.risk_level'], 3);
  assert.equal(a['audit.operation'], 'create');
  assert.equal(a['url.query'], 'notify=1&token=***');
  assert.equal(a['error.type'], '403');
  assert.deepEqual(JSON.parse(String(a['audit.request.headers'])), {
    authorization: '***',
    'content-type': 'application/json',
  });
  assert.deepEqual(JSON.parse(String(a['audit.request.body'])), { username: 'lisi', password: '***' });
  assert.deepEqual(JSON.parse(String(a['audit.request.params'])), { notify: '1', token: '***' });
});

test('standard OTEL_* variables configure endpoint, headers, service name and resource', async () => {
  const variables = {
    OTEL_EXPORTER_OTLP_ENDPOINT: server.url,
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20ingest-token,x-scope=audit',
    OTEL_SERVICE_NAME: 'billing-from-env',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=payments',
  };
  Object.assign(process.env, variables);
  try {
    audit = new AuditClient({
      spoolDir: false,
      handleSignals: false,
      delivery: { scheduledDelayMillis: 10 },
    });
    audit.loginSucceeded({ userName: 'x' });
    await audit.forceFlush();
  } finally {
    for (const key of Object.keys(variables)) Reflect.deleteProperty(process.env, key);
  }
  const request = at(
    server.requests.filter((r) => r.path === '/v1/logs'),
    0,
  );
  assert.equal(request.headers.authorization, 'Bearer ingest-token');
  assert.equal(request.headers['x-scope'], 'audit');
  const [record] = server.deliveredLogs();
  assert.equal(record?.resource['service.name'], 'billing-from-env');
  assert.equal(record?.resource['deployment.environment.name'], 'staging');
  assert.equal(record?.resource.team, 'payments');
});

test('shutdown() flushes records that are still waiting for their batch', async () => {
  const c = client({ delivery: { scheduledDelayMillis: 60_000 } });
  for (let i = 0; i < 25; i++) c.logout({ userName: `u${i}` });
  assert.equal(server.deliveredLogs().length, 0);
  await c.shutdown();
  assert.equal(server.deliveredLogs().length, 25);
  assert.deepEqual(c.stats(), {
    queued: 25,
    spooled: 0,
    sent: 25,
    failed: 0,
    dropped: 0,
    retries: 0,
    recovered: 0,
  });
});
