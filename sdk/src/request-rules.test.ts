import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionOf,
  assessRisk,
  DEFAULT_RISK_RULES,
  DEFAULT_SKIP,
  isSkipped,
  resultFromStatus,
  riskForPathKeywords,
} from './request-rules.js';

test('default risk follows the source: high for delete/admin/superuser/permission paths', () => {
  const risk = (method: string, path: string, statusCode = 200) =>
    assessRisk(DEFAULT_RISK_RULES, { method, path, statusCode });
  assert.equal(risk('GET', '/api/admin/users'), 3);
  assert.equal(risk('GET', '/api/user/DELETE-account'), 3);
  assert.equal(risk('GET', '/superuser'), 3);
  assert.equal(risk('GET', '/api/permissions/list'), 3);
  assert.equal(risk('POST', '/api/orders'), 2);
  assert.equal(risk('PUT', '/api/user/profile'), 2);
  assert.equal(risk('PATCH', '/api/user/profile'), 2);
  assert.equal(risk('DELETE', '/api/orders/1'), 2);
  assert.equal(risk('GET', '/api/orders', 404), 2);
  assert.equal(risk('GET', '/api/orders', 500), 2);
  assert.equal(risk('GET', '/api/orders'), 1);
  assert.equal(risk('HEAD', '/'), 1);
});

test('custom rules: the highest level of all matching rules wins', () => {
  const rules = [...DEFAULT_RISK_RULES, riskForPathKeywords(['/export'], 4)];
  assert.equal(assessRisk(rules, { method: 'GET', path: '/api/export', statusCode: 200 }), 4);
  assert.equal(assessRisk([], { method: 'DELETE', path: '/x', statusCode: 500 }), 1);
});

test('result from status: 2xx success, 3xx partial, 401/403 denied, else failure', () => {
  assert.equal(resultFromStatus(200), 'success');
  assert.equal(resultFromStatus(204), 'success');
  assert.equal(resultFromStatus(302), 'partial');
  assert.equal(resultFromStatus(401), 'denied');
  assert.equal(resultFromStatus(403), 'denied');
  assert.equal(resultFromStatus(404), 'failure');
  assert.equal(resultFromStatus(500), 'failure');
});

test('action from path keywords first, then method', () => {
  assert.equal(actionOf('POST', '/api/auth/login'), 'login');
  assert.equal(actionOf('POST', '/api/auth/logout'), 'logout');
  assert.equal(actionOf('GET', '/api/reports/export'), 'export');
  assert.equal(actionOf('POST', '/files/upload'), 'file_upload');
  assert.equal(actionOf('GET', '/x'), 'read');
  assert.equal(actionOf('POST', '/x'), 'create');
  assert.equal(actionOf('PUT', '/x'), 'update');
  assert.equal(actionOf('DELETE', '/x'), 'delete');
});

test('skip list: health checks, metrics, static files; not look-alike paths', () => {
  for (const path of [
    '/health',
    '/health/db',
    '/healthz',
    '/readyz',
    '/metrics',
    '/static/app.js',
    '/media/a.png',
    '/favicon.ico',
    '/app.css',
  ]) {
    assert.ok(isSkipped(path, DEFAULT_SKIP), path);
  }
  for (const path of ['/healthy-food', '/api/health-records', '/api/users', '/staticky']) {
    assert.equal(isSkipped(path, DEFAULT_SKIP), false, path);
  }
});
