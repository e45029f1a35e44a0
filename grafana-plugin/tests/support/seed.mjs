// Realistic audit traffic for one tenant, sent over OTLP/HTTP to a running exporter: every kind,
// a full trace chain (request → db operation → field changes → security event + admin operation),
// a brute-force burst that fires the built-in alert rule, and the source's data-quality anomalies
// (missing user info, a slow request, an orphaned field change). Used by the dashboard query test
// and the browser test, so both look at data the real pipeline stored.
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { logsRequestJson, post } from '@auditlens/test-support';

export const TENANT = 'acme';
const hex = (bytes) => randomBytes(bytes).toString('hex');

/** A UTC time within the last day whose hour is 03 (outside working hours). */
function offHours(now) {
  const t = new Date(now - 3_600_000);
  t.setUTCMinutes(10, 0, 0);
  while (t.getUTCHours() !== 3) t.setTime(t.getTime() - 3_600_000);
  return t.getTime();
}

function auditRecord(
  tenant,
  eventName,
  timeMs,
  attributes,
  { traceId = hex(16), spanId = hex(8), body = '' } = {},
) {
  return {
    eventName,
    timeMs,
    traceId,
    spanId,
    body,
    attributes: { 'log.record.uid': randomUUID(), 'audit.tenant_id': tenant, ...attributes },
  };
}

/** Batches of [resource attributes, records] of one tenant; `now` anchors every timestamp. */
export function seedBatches(now = Date.now(), tenant = TENANT) {
  const record = (...args) => auditRecord(tenant, ...args);
  const shop = [];
  const admin = [];
  const billing = [];
  const users = ['alice', 'bob', 'carol'];
  // Ordinary requests over the last hours, some failing, one without a user.
  for (let i = 0; i < 36; i++) {
    const user = users[i % 3];
    shop.push(
      record('audit.request', now - (i + 1) * 600_000, {
        'user.id': user,
        'user.name': user[0].toUpperCase() + user.slice(1),
        'client.address': `198.51.100.${10 + (i % 4)}`,
        'http.request.method': i % 5 === 0 ? 'POST' : 'GET',
        'url.path': i % 5 === 0 ? '/orders' : `/orders/${1000 + i}`,
        'http.route': i % 5 === 0 ? '/orders' : '/orders/:id',
        'http.response.status_code': i % 9 === 0 ? 500 : 200,
        'audit.result': i % 9 === 0 ? 'failure' : 'success',
        'audit.risk_level': 1,
        'audit.module': 'orders',
        'audit.operation': i % 5 === 0 ? 'create_order' : 'view_order',
        'audit.duration_ms': 40 + i,
      }),
    );
  }
  shop.push(
    record('audit.request', now - 30 * 60_000, {
      'client.address': '192.0.2.200',
      'http.request.method': 'GET',
      'url.path': '/health/deep',
      'http.response.status_code': 200,
      'audit.result': 'success',
      'audit.operation': 'health_check',
      'audit.duration_ms': 12,
    }),
  );
  billing.push(
    record('audit.request', now - 20 * 60_000, {
      'user.id': 'carol',
      'user.name': 'Carol',
      'client.address': '198.51.100.12',
      'http.request.method': 'POST',
      'url.path': '/invoices/export',
      'http.response.status_code': 200,
      'audit.result': 'success',
      'audit.risk_level': 2,
      'audit.operation': 'export',
      'audit.duration_ms': 5400,
    }),
  );

  // One operation as a chain: PUT /users/7 → UPDATE users → email, role changed → privilege change.
  const traceId = hex(16);
  const spanId = hex(8);
  const dbEventId = randomUUID();
  const chainAt = now - 45 * 60_000;
  const who = {
    'user.id': 'admin-1',
    'user.name': 'Dana Admin',
    'client.address': '198.51.100.77',
    'session.id': 's-77',
  };
  admin.push(
    record(
      'audit.request',
      chainAt,
      {
        ...who,
        'http.request.method': 'PUT',
        'url.path': '/users/7',
        'http.route': '/users/:id',
        'http.response.status_code': 200,
        'audit.result': 'success',
        'audit.risk_level': 3,
        'audit.module': 'users',
        'audit.operation': 'update_user',
        'audit.duration_ms': 4500,
      },
      { traceId, spanId, body: 'PUT /users/7' },
    ),
    record(
      'audit.db_operation',
      chainAt + 5,
      {
        ...who,
        'db.system.name': 'postgresql',
        'db.namespace': 'app',
        'db.collection.name': 'users',
        'db.operation.name': 'UPDATE',
        'db.query.text': 'UPDATE users SET email = $1, role = $2 WHERE id = $3',
        'audit.db.affected_rows': 1,
        'log.record.uid': dbEventId,
        'audit.risk_level': 3,
        'audit.operation': 'update_user',
      },
      { traceId, spanId },
    ),
    ...[
      ['email', 'a***@old.example', 'a***@new.example', true],
      ['role', 'viewer', 'admin', false],
    ].map(([field, oldValue, newValue, sensitive], i) =>
      record(
        'audit.field_change',
        chainAt + 6 + i,
        {
          ...who,
          'db.collection.name': 'users',
          'audit.change.record_id': '7',
          'audit.change.field': field,
          'audit.change.old_value': oldValue,
          'audit.change.new_value': newValue,
          'audit.change.type': 'UPDATE',
          'audit.change.reason': 'support ticket 4711',
          'audit.change.db_event_id': dbEventId,
          'audit.sensitive': sensitive,
          'audit.risk_level': 3,
        },
        { traceId, spanId },
      ),
    ),
    record(
      'audit.security',
      chainAt + 9,
      {
        ...who,
        'audit.security.event_type': 'PRIVILEGE_CHANGE',
        'audit.security.mitre_tactic': 'TA0004',
        'audit.security.mitre_technique': 'T1098',
        'audit.security.target_resource': 'users/7',
        'audit.risk_level': 3,
        'audit.result': 'success',
      },
      { traceId, spanId, body: 'role of user 7 raised to admin' },
    ),
    record(
      'audit.admin',
      chainAt + 10,
      {
        ...who,
        'audit.operation': 'ROLE_GRANT',
        'audit.admin.target_type': 'user',
        'audit.admin.target_id': '7',
        'audit.admin.target_name': 'erin',
        'http.request.method': 'PUT',
        'url.path': '/users/7',
        'audit.result': 'success',
        'audit.risk_level': 3,
        'audit.approval.status': 'APPROVED',
      },
      { traceId, spanId },
    ),
  );

  // Admin operations: a denied one, one at night.
  admin.push(
    record('audit.admin', now - 90 * 60_000, {
      'user.id': 'admin-2',
      'user.name': 'Eve Operator',
      'client.address': '203.0.113.9',
      'audit.operation': 'TENANT_DELETE',
      'audit.admin.target_type': 'tenant',
      'audit.admin.target_id': 'globex',
      'http.request.method': 'DELETE',
      'url.path': '/tenants/globex',
      'http.response.status_code': 403,
      'audit.result': 'denied',
      'audit.error.message': 'approval required',
      'audit.risk_level': 4,
    }),
    record('audit.admin', offHours(now), {
      ...who,
      'audit.operation': 'CONFIG_UPDATE',
      'audit.admin.target_type': 'system_config',
      'audit.admin.target_id': 'password_policy',
      'audit.result': 'success',
      'audit.risk_level': 2,
    }),
  );

  // Data changes: an order deleted (with its db operation) and an orphaned change.
  const deleteDb = randomUUID();
  shop.push(
    record('audit.db_operation', now - 50 * 60_000, {
      'user.id': 'bob',
      'db.collection.name': 'orders',
      'db.operation.name': 'DELETE',
      'audit.db.affected_rows': 1,
      'log.record.uid': deleteDb,
    }),
    record('audit.field_change', now - 50 * 60_000 + 1, {
      'user.id': 'bob',
      'db.collection.name': 'orders',
      'audit.change.record_id': '991',
      'audit.change.field': 'status',
      'audit.change.old_value': 'paid',
      'audit.change.type': 'DELETE',
      'audit.change.db_event_id': deleteDb,
    }),
    record('audit.field_change', now - 40 * 60_000, {
      'user.id': 'bob',
      'db.collection.name': 'orders',
      'audit.change.record_id': '992',
      'audit.change.field': 'amount',
      'audit.change.old_value': '10',
      'audit.change.new_value': '1000',
      'audit.change.type': 'UPDATE',
      'audit.change.db_event_id': randomUUID(),
    }),
  );

  // A brute-force burst from one address (fires the built-in per-IP rule), then logins from two places.
  for (let i = 0; i < 60; i++) {
    shop.push(
      record(
        'audit.security',
        now - 180_000 + i * 1000,
        {
          'user.id': i % 2 === 0 ? 'root' : 'admin',
          'client.address': '203.0.113.66',
          'audit.security.event_type': 'LOGIN_FAILED',
          'audit.security.mitre_tactic': 'TA0006',
          'audit.security.mitre_technique': 'T1110',
          'audit.security.attack_vector': 'network',
          'audit.result': 'failure',
          'audit.risk_level': 2,
          'audit.operation': 'login',
        },
        { body: 'login failed: bad password' },
      ),
    );
  }
  for (const [i, ip] of ['198.51.100.10', '192.0.2.44'].entries()) {
    shop.push(
      record('audit.security', now - (120 - i * 30) * 60_000, {
        'user.id': 'alice',
        'user.name': 'Alice',
        'client.address': ip,
        'audit.security.event_type': 'LOGIN_SUCCESS',
        'audit.result': 'success',
        'audit.risk_level': 1,
        'audit.operation': 'login',
      }),
    );
  }
  return [
    [{ 'service.name': 'shop-api', 'service.version': '1.4.2', 'deployment.environment.name': 'prod' }, shop],
    [
      { 'service.name': 'admin-portal', 'service.version': '2.0.0', 'deployment.environment.name': 'prod' },
      admin,
    ],
    [
      { 'service.name': 'billing', 'service.version': '0.9.0', 'deployment.environment.name': 'prod' },
      billing,
    ],
  ];
}

/** Sends the seed of a tenant over OTLP/HTTP (JSON) and fails unless every batch is fully accepted. */
export async function seed(otlpUrl, now = Date.now(), tenant = TENANT) {
  let sent = 0;
  for (const [resource, records] of seedBatches(now, tenant)) {
    const result = await post(`${otlpUrl}/v1/logs`, JSON.stringify(logsRequestJson(records, resource)));
    if (result.status !== 200 || result.json?.partialSuccess?.rejectedLogRecords) {
      throw new Error(`OTLP export refused: ${result.status} ${JSON.stringify(result.json)}`);
    }
    sent += records.length;
  }
  return sent;
}

/**
 * Sends a tenant's seed to a running exporter and waits until it is queryable: every record in the
 * summary views, and the brute-force incident the built-in rule raises as the records stream in
 * (its security event and its alert state).
 */
export async function seedAndWait(exporter, now = Date.now(), tenant = TENANT) {
  const sent = await seed(exporter.otlpUrl, now, tenant);
  const db = exporter.store.database;
  const where = `tenant_id = '${tenant}'`;
  await waitForRows(
    exporter.store,
    `SELECT sum(events) FROM ${db}.audit_summary_minute WHERE ${where} AND kind != 'access'`,
    sent,
  );
  await waitForRows(
    exporter.store,
    `SELECT count() FROM ${db}.audit_security_log WHERE ${where} AND detection_method != ''`,
    1,
  );
  await waitForRows(exporter.store, `SELECT count() FROM ${db}.audit_alert_state WHERE ${where}`, 1);
  return sent;
}

/** Waits until the store answers `sql` with a count of at least `min`. */
export async function waitForRows(store, sql, min, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await store.query(sql);
    if (Number(Object.values(row ?? {})[0] ?? 0) >= min) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${min} rows: ${sql}`);
    await delay(200);
  }
}

/**
 * `count` privilege changes by one administrator on as many accounts, a few seconds apart: each
 * fires its own instance of the built-in privilege-change rule (grouped by user and target), as
 * the demo traffic's role grants did (193 instances on one Overview).
 */
export async function privilegeChangeFlood(otlpUrl, now, count, tenant = TENANT) {
  const records = Array.from({ length: count }, (_, i) =>
    auditRecord(tenant, 'audit.admin', now - (count - i) * 2000, {
      'user.id': 'it-admin',
      'user.name': 'IT admin',
      'client.address': '198.51.100.40',
      'audit.operation': 'grant_role',
      'audit.admin.target_type': 'user_role',
      'audit.admin.target_id': `account-${i}`,
      'audit.risk_level': 3,
    }),
  );
  const result = await post(
    `${otlpUrl}/v1/logs`,
    JSON.stringify(logsRequestJson(records, { 'service.name': 'iam' })),
  );
  if (result.status !== 200)
    throw new Error(`OTLP export refused: ${result.status} ${JSON.stringify(result.json)}`);
}
