// End to end: SDK → OTLP/HTTP → exporter → ClickHouse (embedded), for every record kind.
import { startExporter, type RunningExporter } from '@auditlens/exporter';
import {
  annotateRequest,
  auditErrorHandler,
  AuditClient,
  auditMiddleware,
  runAs,
  type DeliveryError,
} from '@auditlens/sdk';
import { tempDir, type OtlpCaptureServer } from '@auditlens/test-support';
import express from 'express';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startWireTap } from './wire-proxy.js';

const dir = tempDir('sdk-e2e');
let exporter: RunningExporter;
let tap: OtlpCaptureServer;
let audit: AuditClient;
let app: http.Server;
let base: string;
const errors: DeliveryError[] = [];

const SECRETS = {
  password: 'Pa55w0rd-never-stored',
  token: 'tok-9f8e7d6c-never-stored',
  email: 'zhangsan.private@example.com',
  oldEmail: 'old.private@example.com',
  phone: '13800138000',
  apiKey: 'sk-live-never-stored',
};

interface DemoUser {
  id: string;
  name: string;
}

before(async () => {
  exporter = await startExporter(
    {
      dataDir: path.join(dir.path, 'data'),
      otlpPort: 0,
      otlpGrpcPort: 0,
      apiPort: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    },
    {},
  );
  tap = await startWireTap(() => exporter);
  audit = new AuditClient({
    serviceName: 'shop',
    serviceVersion: '2.0.0',
    environment: 'e2e',
    endpoint: tap.url,
    spoolDir: path.join(dir.path, 'spool'),
    handleSignals: false,
    complianceTags: ['MLPS-L3'],
    delivery: { scheduledDelayMillis: 20 },
    onError: (e) => errors.push(e),
  });

  const users: Record<string, DemoUser> = {
    'Bearer zhangsan': { id: '1001', name: 'zhangsan' },
    'Bearer admin': { id: '2001', name: 'admin' },
  };
  const a = express();
  a.use(
    auditMiddleware({
      client: audit,
      resolveUser: (req) => {
        const user = users[req.headers.authorization ?? ''];
        return user && { userId: user.id, userName: user.name, tenantId: 'tenant_001' };
      },
    }),
  );
  a.use(express.json());
  a.put('/api/user/profile', (req, res) => {
    annotateRequest({ module: 'USER_MGMT', operation: 'UPDATE_PROFILE' });
    const body = req.body as { name: string; email: string; phone: string };
    audit.dbOperation({
      system: 'mysql',
      table: 'sys_user',
      operation: 'UPDATE',
      query: 'UPDATE sys_user SET name=?, email=?, phone=? WHERE id=?',
      params: [body.name, body.email, body.phone, 1001],
      affectedRows: 1,
      recordId: 1001,
      before: { id: 1001, name: '张三旧', email: SECRETS.oldEmail, phone: '13900000000' },
      after: { id: 1001, name: body.name, email: body.email, phone: body.phone },
      fieldLabels: { name: '姓名' },
    });
    res.json({ ok: true });
  });
  a.post('/api/admin/user', (req, res) => {
    annotateRequest({ module: 'USER_MGMT', operation: 'CREATE_USER' });
    const body = req.body as { username: string; role: string; password: string };
    const { eventId } = audit.dbOperation({
      table: 'sys_user',
      operation: 'INSERT',
      query: 'INSERT INTO sys_user (username, password, role) VALUES (?, ?, ?)',
      params: [body.username, body.password, body.role],
      recordId: 1002,
      after: { username: body.username, role: body.role, password: body.password },
    });
    audit.admin({
      operation: 'CREATE_USER',
      module: 'USER_MGMT',
      target: { type: 'USER', id: 1002, name: '新用户李四' },
      approval: { required: true, status: 'APPROVED', approverId: '3001', time: Date.now(), comment: 'ok' },
      attributes: { 'audit.db_event_id': eventId },
    });
    res.status(201).json({ userId: 1002 });
  });
  a.post('/api/auth/login', (req, res) => {
    const body = req.body as { username: string; password: string };
    if (body.password !== SECRETS.password) {
      audit.loginFailed({ userName: body.username, reason: 'bad_password' });
      res.status(401).json({ error: 'invalid credentials' });
      return;
    }
    audit.loginSucceeded({ userId: '1001', userName: body.username });
    res.json({ token: SECRETS.token });
  });
  a.get('/api/admin/permissions', (_req, res) => {
    audit.permissionDenied({ resource: '/api/admin/permissions', permission: 'perm:read' });
    res.status(403).json({ error: 'forbidden' });
  });
  a.use(auditErrorHandler());
  app = http.createServer(a);
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

after(async () => {
  app.closeAllConnections();
  await new Promise((r) => app.close(r));
  await audit.shutdown();
  await tap.close();
  await exporter.close();
  dir.remove();
});

async function send(method: string, url: string, body?: unknown, authorization?: string): Promise<number> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'e2e-agent/1.0',
      cookie: `session=${SECRETS.token}`,
      ...(authorization ? { authorization } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

type Row = Record<string, unknown>;
const query = (sql: string, params: Record<string, unknown> = {}): Promise<Row[]> =>
  exporter.store.query<Row>(sql, params);

test('request → db operation → field changes share one trace, and each change points at its db operation', async () => {
  const status = await send(
    'PUT',
    '/api/user/profile?lang=zh',
    { name: '张三', email: SECRETS.email, phone: SECRETS.phone, password: SECRETS.password },
    'Bearer zhangsan',
  );
  assert.equal(status, 200);
  await audit.forceFlush();

  const [request] = await query(
    `SELECT trace_id, span_id, tenant_id, user_id, username, IPv6NumToString(ip_address) AS ip, user_agent,
            http_method, http_route, url_path, url_query, status_code, result, risk_level, module, operation_name,
            request_body, request_headers, service, service_version, environment, compliance_tags
       FROM audit.audit_request_log WHERE url_path = '/api/user/profile'`,
  );
  assert.ok(request, 'request row');
  assert.match(String(request.trace_id), /^[0-9a-f]{32}$/);
  assert.deepEqual(
    {
      tenant: request.tenant_id,
      user: request.user_id,
      name: request.username,
      ip: request.ip,
      method: request.http_method,
      route: request.http_route,
      query: request.url_query,
      status: request.status_code,
      result: request.result,
      risk: request.risk_level,
      module: request.module,
      operation: request.operation_name,
      service: request.service,
      version: request.service_version,
      environment: request.environment,
      tags: request.compliance_tags,
      agent: request.user_agent,
    },
    {
      tenant: 'tenant_001',
      user: '1001',
      name: 'zhangsan',
      ip: '::ffff:127.0.0.1',
      method: 'PUT',
      route: '/api/user/profile',
      query: 'lang=zh',
      status: 200,
      result: 'success',
      risk: 2,
      module: 'USER_MGMT',
      operation: 'UPDATE_PROFILE',
      service: 'shop',
      version: '2.0.0',
      environment: 'e2e',
      tags: ['MLPS-L3'],
      agent: 'e2e-agent/1.0',
    },
  );

  const dbRows = await query(
    `SELECT toString(event_id) AS id, span_id, db_system, db_table, db_operation, query_params, affected_rows, before_data, after_data, is_sensitive, user_id
       FROM audit.audit_database_log WHERE trace_id = {t:String}`,
    { t: request.trace_id },
  );
  assert.equal(dbRows.length, 1);
  const [db] = dbRows;
  assert.ok(db);
  assert.equal(db.span_id, request.span_id);
  assert.equal(db.db_table, 'sys_user');
  assert.equal(db.db_operation, 'UPDATE');
  assert.equal(db.db_system, 'mysql');
  assert.equal(db.user_id, '1001');
  assert.equal(db.is_sensitive, true);
  assert.deepEqual(JSON.parse(String(db.after_data)), { id: 1001, name: '张三', email: '***', phone: '***' });

  const changes = await query(
    `SELECT field_name, field_label, old_value, new_value, change_type, record_id, is_sensitive, toString(db_event_id) AS db_event_id, user_id
       FROM audit.audit_change_log WHERE trace_id = {t:String} ORDER BY field_name`,
    { t: request.trace_id },
  );
  assert.deepEqual(
    changes.map((c) => [c.field_name, c.old_value, c.new_value, c.is_sensitive]),
    [
      ['email', '***', '***', true],
      ['name', '张三旧', '张三', false],
      ['phone', '***', '***', true],
    ],
  );
  for (const change of changes) {
    assert.equal(
      change.db_event_id,
      db.id,
      'audit_change_log.db_event_id = event_id of its audit_database_log row',
    );
    assert.equal(change.record_id, '1001');
    assert.equal(change.change_type, 'UPDATE');
    assert.equal(change.user_id, '1001');
  }
  assert.equal(changes.find((c) => c.field_name === 'name')?.field_label, '姓名');
});

test('security events: failed and successful login, permission denied, a detected attack with MITRE fields', async () => {
  assert.equal(await send('POST', '/api/auth/login', { username: 'hacker', password: 'guess' }), 401);
  assert.equal(
    await send('POST', '/api/auth/login', { username: 'zhangsan', password: SECRETS.password }),
    200,
  );
  assert.equal(await send('GET', '/api/admin/permissions', undefined, 'Bearer zhangsan'), 403);
  runAs({ tenantId: 'tenant_001', clientAddress: '203.0.113.1' }, () =>
    audit.securityEvent({
      eventType: 'BRUTE_FORCE',
      description: '暴力破解登录尝试',
      riskLevel: 4,
      result: 'denied',
      threatType: 'BRUTE_FORCE',
      attackVector: 'NETWORK',
      mitreTechnique: 'T1110',
      mitreTactic: 'TA0006',
      detectionMethod: 'FAILED_LOGIN_THRESHOLD',
      rule: 'login-failures-per-ip',
      targetResource: '/api/auth/login',
    }),
  );
  await audit.forceFlush();
  const rows = await query(
    `SELECT event_type, result, risk_level, username, IPv6NumToString(ip_address) AS ip, mitre_technique, mitre_tactic,
            detection_method, rule_name, target_resource, threat_type, attack_vector, description, trace_id
       FROM audit.audit_security_log WHERE service = 'shop' ORDER BY event_time, event_type`,
  );
  const byType = new Map(rows.map((r) => [r.event_type, r]));
  assert.deepEqual([...byType.keys()].sort(), [
    'BRUTE_FORCE',
    'LOGIN_FAILED',
    'LOGIN_SUCCESS',
    'PERMISSION_DENIED',
  ]);
  assert.equal(byType.get('LOGIN_FAILED')?.result, 'failure');
  assert.equal(byType.get('LOGIN_FAILED')?.username, 'hacker');
  assert.equal(byType.get('LOGIN_SUCCESS')?.username, 'zhangsan');
  assert.equal(byType.get('PERMISSION_DENIED')?.result, 'denied');
  assert.equal(byType.get('PERMISSION_DENIED')?.target_resource, '/api/admin/permissions');
  const brute = byType.get('BRUTE_FORCE');
  assert.deepEqual(
    [
      brute?.risk_level,
      brute?.ip,
      brute?.mitre_technique,
      brute?.mitre_tactic,
      brute?.detection_method,
      brute?.rule_name,
      brute?.threat_type,
      brute?.attack_vector,
      brute?.description,
    ],
    [
      4,
      '::ffff:203.0.113.1',
      'T1110',
      'TA0006',
      'FAILED_LOGIN_THRESHOLD',
      'login-failures-per-ip',
      'BRUTE_FORCE',
      'NETWORK',
      '暴力破解登录尝试',
    ],
  );
  // The login request rows carry the result of the attempt and share the trace of its security record.
  const logins = await query(
    `SELECT result, trace_id FROM audit.audit_request_log WHERE url_path = '/api/auth/login' ORDER BY event_time`,
  );
  assert.deepEqual(
    logins.map((r) => r.result),
    ['denied', 'success'],
  );
  assert.equal(logins[0]?.trace_id, byType.get('LOGIN_FAILED')?.trace_id);
});

test('admin operations: target, approval and the request; the INSERT it made is in the same trace', async () => {
  assert.equal(
    await send(
      'POST',
      '/api/admin/user',
      { username: 'lisi', role: 'USER', password: SECRETS.password },
      'Bearer admin',
    ),
    201,
  );
  await audit.forceFlush();
  const [admin] = await query(
    `SELECT operation_name, module, target_type, target_id, target_name, approval_required, approval_status, approver_id,
            approval_comment, http_method, url_path, request_body, username, risk_level, trace_id, attributes
       FROM audit.audit_admin_log WHERE service = 'shop' AND operation_name = 'CREATE_USER'`,
  );
  assert.ok(admin);
  assert.deepEqual(
    [
      admin.module,
      admin.target_type,
      admin.target_id,
      admin.target_name,
      admin.approval_required,
      admin.approval_status,
      admin.approver_id,
      admin.approval_comment,
    ],
    ['USER_MGMT', 'USER', '1002', '新用户李四', true, 'APPROVED', '3001', 'ok'],
  );
  assert.deepEqual([admin.http_method, admin.url_path, admin.username], ['POST', '/api/admin/user', 'admin']);
  assert.deepEqual(JSON.parse(String(admin.request_body)), {
    username: 'lisi',
    role: 'USER',
    password: '***',
  });
  const [request] = await query(
    `SELECT risk_level, trace_id FROM audit.audit_request_log WHERE url_path = '/api/admin/user'`,
  );
  assert.equal(request?.risk_level, 3);
  assert.equal(request?.trace_id, admin.trace_id);
  const inserts = await query(
    `SELECT field_name, change_type, new_value FROM audit.audit_change_log WHERE trace_id = {t:String} ORDER BY field_name`,
    { t: admin.trace_id },
  );
  assert.deepEqual(
    inserts.map((r) => [r.field_name, r.change_type, r.new_value]),
    [
      ['password', 'INSERT', '***'],
      ['role', 'INSERT', 'USER'],
      ['username', 'INSERT', 'lisi'],
    ],
  );
});

test('system operations without a tenant, and a generic record with LLM metadata', async () => {
  runAs(
    { tenantId: '', userId: '0', userName: 'system', clientAddress: '127.0.0.1', userAgent: 'System/1.0' },
    () =>
      audit.admin({
        operation: '系统初始化',
        module: 'SYSTEM_CONFIG',
        method: 'INTERNAL',
        path: '/system/init',
        target: { type: 'SYSTEM', name: '数据库初始化' },
        statusCode: 200,
        riskLevel: 1,
      }),
  );
  runAs({ tenantId: 'tenant_001', userId: '1001', userName: 'zhangsan' }, () =>
    audit.record('audit.request', {
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
        'audit.llm.api_key': SECRETS.apiKey,
      },
    }),
  );
  await audit.forceFlush();
  const [system] = await query(
    `SELECT tenant_id, username, module, target_type, target_name, http_method, url_path, risk_level
       FROM audit.audit_admin_log WHERE service = 'shop' AND module = 'SYSTEM_CONFIG'`,
  );
  assert.deepEqual(system, {
    tenant_id: '',
    username: 'system',
    module: 'SYSTEM_CONFIG',
    target_type: 'SYSTEM',
    target_name: '数据库初始化',
    http_method: 'INTERNAL',
    url_path: '/system/init',
    risk_level: 1,
  });
  // The GenAI attributes land in their typed columns (issue 19), custom keys in the map.
  const [llm] = await query(
    `SELECT gen_ai_request_model AS model, gen_ai_provider AS provider,
            toUInt32(gen_ai_input_tokens) AS input_tokens, toUInt32(gen_ai_output_tokens) AS output_tokens,
            attributes['audit.llm.cost_usd'] AS cost, attributes['audit.llm.api_key'] AS api_key, operation_name, description
       FROM audit.audit_request_log WHERE operation_name = 'LLM_API_REQUEST'`,
  );
  assert.deepEqual(llm, {
    model: 'gpt-4o',
    provider: 'openai',
    input_tokens: 812,
    output_tokens: 143,
    cost: '0.0042',
    api_key: '***',
    operation_name: 'LLM_API_REQUEST',
    description: 'API request to openai/gpt-4o',
  });
});

test('redaction holds on the wire and in the store; every record was accepted', async () => {
  await audit.forceFlush();
  const wire = Buffer.concat(tap.requests.map((r) => r.body)).toString('utf8');
  assert.ok(wire.length > 0);
  const tables = [
    'audit_request_log',
    'audit_database_log',
    'audit_change_log',
    'audit_security_log',
    'audit_admin_log',
  ];
  let stored = '';
  for (const table of tables) stored += JSON.stringify(await query(`SELECT * FROM audit.${table}`));
  for (const [name, secret] of Object.entries(SECRETS)) {
    assert.ok(!wire.includes(secret), `${name} crossed the wire`);
    assert.ok(!stored.includes(secret), `${name} is in the store`);
  }
  const stats = audit.stats();
  assert.equal(stats.failed, 0, JSON.stringify(errors));
  assert.equal(stats.sent, stats.queued);
  // (The exporter writes records of its own, e.g. its start; count only this service's.)
  let rows = 0;
  for (const table of tables) {
    const [row] = await query(`SELECT count() AS n FROM audit.${table} WHERE service = 'shop'`);
    rows += Number(row?.n);
  }
  assert.equal(rows, stats.sent, 'every record stored exactly once');
});
