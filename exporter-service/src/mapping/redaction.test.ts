// Records that did not come from the SDK are masked with the SDK's redaction list before they are
// stored (issue 20, DESIGN §3): an HTTP server span's query string, header attributes and any
// attribute named like a secret; a non-SDK audit record's JSON payloads and the values of a
// sensitive changed field. The SDK's own records are stored as the SDK sent them (it masked them
// already), and the list is configurable (AUDITLENS_REDACT_EXTRA_KEYS).
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SDK_SCOPE_NAME } from '@auditlens/contract';
import {
  attributes,
  logsRequestJson,
  post,
  requestRecord,
  startTestExporter,
  tempDir,
  type TestRecord,
} from '@auditlens/test-support';
import { loadConfig } from '../config.js';

const SECRETS = [
  's3cret-pass',
  'Bearer abc.def',
  'sid=42',
  'zhang@example.com',
  'hunter2',
  'k-123',
  'old-pw',
  'new-pw',
];

function serverSpan(tenant: string) {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': 'plain-otel-app', 'audit.tenant_id': tenant }) },
        scopeSpans: [
          {
            scope: { name: '@opentelemetry/instrumentation-http' },
            spans: [
              {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                name: 'POST /login',
                kind: 2,
                startTimeUnixNano: String(nowNs - 5_000_000n),
                endTimeUnixNano: String(nowNs),
                attributes: attributes({
                  'http.request.method': 'POST',
                  'url.path': '/login',
                  'url.query': 'user=zhang&password=s3cret-pass&page=2',
                  'url.full': 'http://shop/login?user=zhang&api_key=k-123#top',
                  'http.request.header.authorization': ['Bearer abc.def'],
                  'http.request.header.cookie': ['sid=42'],
                  'user.email': 'zhang@example.com',
                  'session.id': 'session-7',
                  'http.response.status_code': 200,
                  'app.internal_code': 'hunter2',
                }),
              },
            ],
          },
        ],
      },
    ],
  };
}

test('records not from the SDK are masked with the redaction list; the SDK’s are stored as sent', async () => {
  const dir = tempDir('exporter-redaction');
  const exporter = await startTestExporter(dir.path, {
    redaction: loadConfig({ AUDITLENS_REDACT_EXTRA_KEYS: 'internal_code' }).redaction,
  });
  try {
    const tenant = 'redaction';
    const spans = await post(`${exporter.otlpUrl}/v1/traces`, JSON.stringify(serverSpan(tenant)));
    assert.equal(spans.status, 200);

    const plain: TestRecord = requestRecord({
      tenant,
      attributes: {
        'url.path': '/profile',
        'audit.request.body': JSON.stringify({
          name: 'zhang',
          password: 'hunter2',
          nested: { token: 'k-123' },
        }),
      },
    });
    const change: TestRecord = {
      eventName: 'audit.field_change',
      timeMs: Date.now(),
      attributes: {
        'log.record.uid': randomUUID(),
        'audit.tenant_id': tenant,
        'db.collection.name': 'sys_user',
        'audit.change.record_id': '1001',
        'audit.change.field': 'password',
        'audit.change.old_value': 'old-pw',
        'audit.change.new_value': 'new-pw',
        'audit.change.type': 'UPDATE',
      },
    };
    const fromSdk = logsRequestJson([
      requestRecord({
        tenant,
        attributes: { 'url.path': '/sdk', 'url.query': 'token=already-masked-by-sdk' },
      }),
    ]);
    for (const scope of fromSdk.resourceLogs[0]?.scopeLogs ?? []) scope.scope.name = SDK_SCOPE_NAME;
    for (const body of [logsRequestJson([plain, change]), fromSdk]) {
      const sent = await post(`${exporter.otlpUrl}/v1/logs`, JSON.stringify(body));
      assert.equal(sent.status, 200);
      assert.equal(sent.json?.partialSuccess, undefined, JSON.stringify(sent.json));
    }

    const requests = await exporter.store.query<{
      url_path: string;
      url_query: string;
      session_id: string;
      request_body: string;
      attributes: Record<string, string>;
    }>(
      `SELECT url_path, url_query, session_id, request_body, attributes FROM audit.audit_request_log
       WHERE tenant_id = {tenant:String} ORDER BY url_path`,
      { tenant },
    );
    const byPath = new Map(requests.map((row) => [row.url_path, row]));
    const login = byPath.get('/login');
    assert.ok(login, JSON.stringify(requests));
    assert.equal(login.url_query, 'user=zhang&password=***&page=2');
    assert.equal(login.session_id, 'session-7', 'a column attribute keeps its value');
    assert.equal(login.attributes['url.full'], 'http://shop/login?user=zhang&api_key=***#top');
    assert.equal(login.attributes['http.request.header.authorization'], '***');
    assert.equal(login.attributes['http.request.header.cookie'], '***');
    assert.equal(login.attributes['user.email'], '***');
    assert.equal(login.attributes['app.internal_code'], '***', 'AUDITLENS_REDACT_EXTRA_KEYS');
    assert.deepEqual(JSON.parse(byPath.get('/profile')?.request_body ?? ''), {
      name: 'zhang',
      password: '***',
      nested: { token: '***' },
    });
    assert.equal(
      byPath.get('/sdk')?.url_query,
      'token=already-masked-by-sdk',
      'SDK records are stored as sent',
    );

    const [changed] = await exporter.store.query<{ old_value: string; new_value: string }>(
      'SELECT old_value, new_value FROM audit.audit_change_log WHERE tenant_id = {tenant:String}',
      { tenant },
    );
    assert.deepEqual(changed, { old_value: '***', new_value: '***' });

    const stored = JSON.stringify(
      await exporter.store.query(
        `SELECT * FROM (SELECT toString(tuple(*)) AS row FROM audit.audit_request_log WHERE tenant_id = {tenant:String}
         UNION ALL SELECT toString(tuple(*)) FROM audit.audit_change_log WHERE tenant_id = {tenant:String})`,
        { tenant },
      ),
    );
    for (const secret of SECRETS) assert.ok(!stored.includes(secret), `"${secret}" was stored`);
  } finally {
    await exporter.close();
    dir.remove();
  }
});
