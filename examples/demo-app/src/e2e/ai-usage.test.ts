// End to end (issue 19, AI and API usage): the SDK's aiRequest, and the GenAI spans of an
// application without the SDK (the official OpenTelemetry SDK and OTLP exporter), → exporter →
// ClickHouse (embedded): typed usage columns, the search summary, GET /api/v1/stats/usage.
import type { RunningExporter } from '@auditlens/exporter';
import { AuditClient } from '@auditlens/sdk';
import { postLogs, requestRecord, startTestExporter, tempDir, waitUntil } from '@auditlens/test-support';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createDemoApp } from '../app.js';
import { TrafficGenerator } from '../traffic.js';
import { UserRepository } from '../users.js';

const dir = tempDir('ai-usage-e2e');
let exporter: RunningExporter;
let audit: AuditClient;
/** An application instrumented with the OpenTelemetry SDK alone (GenAI instrumentation). */
let otelApp: BasicTracerProvider;

const OPS = 'ops-token';
const ACME_READER = 'acme-reader-token';

before(async () => {
  exporter = await startTestExporter(path.join(dir.path, 'data'), {
    apiTokens: new Map([
      [OPS, { role: 'admin', tenants: new Set(['*']) }],
      [ACME_READER, { role: 'reader', tenants: new Set(['acme']) }],
    ]),
  });
  audit = new AuditClient({
    serviceName: 'assistant',
    endpoint: exporter.otlpUrl,
    tenant: 'acme',
    spoolDir: path.join(dir.path, 'spool'),
    handleSignals: false,
    delivery: { scheduledDelayMillis: 20 },
  });
  otelApp = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot', 'audit.tenant_id': 'beta' }),
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${exporter.otlpUrl}/v1/traces` })),
    ],
  });
});

after(async () => {
  await audit.shutdown();
  await otelApp.shutdown();
  await exporter.close();
  dir.remove();
});

type Row = Record<string, unknown>;
const query = (sql: string, params: Record<string, unknown> = {}): Promise<Row[]> =>
  exporter.store.query<Row>(sql, params);

async function rowsOfTrace(traceId: string, expected: number): Promise<Row[]> {
  let rows: Row[] = [];
  await waitUntil(
    async () => {
      rows = await query(
        `SELECT *, toTypeName(gen_ai_input_tokens) AS tokens_type, toTypeName(usage_cost) AS cost_type
           FROM audit.audit_request_log WHERE trace_id = {trace:String} ORDER BY event_time`,
        { trace: traceId },
      );
      return rows.length >= expected;
    },
    20_000,
    `${expected} request rows of trace ${traceId}`,
  );
  return rows;
}

/** The firing instance of a rule for a tenant, once the engine raised it. */
async function firingInstance(tenant: string, rule: string): Promise<Row> {
  let instance: Row | undefined;
  await waitUntil(
    async () => {
      const { body } = await api(`/alerts?tenant=${tenant}&rule=${rule}`);
      instance = (body.instances as Row[]).find((i) => i.state === 'firing');
      return instance !== undefined;
    },
    20_000,
    `a firing ${rule} instance of tenant ${tenant}`,
  );
  return instance as Row;
}

async function api(pathAndQuery: string, token = OPS): Promise<{ status: number; body: Row }> {
  const response = await fetch(`${exporter.apiUrl}/api/v1${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as Row };
}

test("the SDK's aiRequest is stored with typed numbers inside the active span, and reads as an AI call", async () => {
  const span = audit.tracer.startSpan('POST /api/assistant');
  const { eventId } = audit.aiRequest(
    {
      provider: 'openai',
      operationName: 'chat',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      responseId: 'chatcmpl-1',
      inputTokens: 812,
      outputTokens: 230,
      cost: { amount: 0.0042, currency: 'USD' },
      serverAddress: 'api.openai.com',
      method: 'POST',
      path: '/v1/chat/completions',
      identity: { userId: 'u-alice', userName: 'alice' },
    },
    trace.setSpan(context.active(), span),
  );
  span.end();
  await audit.forceFlush();
  const traceId = span.spanContext().traceId;
  const [row] = await rowsOfTrace(traceId, 1);
  assert.ok(row);
  assert.equal(row.event_id, eventId);
  assert.equal(row.span_id, span.spanContext().spanId);
  assert.deepEqual(
    {
      provider: row.gen_ai_provider,
      operation: row.gen_ai_operation,
      requestModel: row.gen_ai_request_model,
      responseModel: row.gen_ai_response_model,
      input: Number(row.gen_ai_input_tokens),
      output: Number(row.gen_ai_output_tokens),
      cost: row.usage_cost,
      currency: row.usage_currency,
      tokensType: row.tokens_type,
      costType: row.cost_type,
      user: row.user_id,
      module: row.module,
      result: row.result,
    },
    {
      provider: 'openai',
      operation: 'chat',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      input: 812,
      output: 230,
      cost: 0.0042,
      currency: 'USD',
      tokensType: 'UInt64',
      costType: 'Float64',
      user: 'u-alice',
      module: 'AI',
      result: 'success',
    },
  );
  // Numbers in typed columns, not strings in the attributes map.
  const attributes = row.attributes as Record<string, string>;
  assert.equal(attributes['gen_ai.usage.input_tokens'], undefined);
  assert.equal(attributes['audit.usage.cost'], undefined);
  assert.equal(attributes['gen_ai.response.id'], 'chatcmpl-1');

  const search = await api(`/search?tenant=acme&kinds=request&trace=${traceId}`);
  assert.equal(search.status, 200);
  const [hit] = search.body.rows as Row[];
  assert.equal(hit?.summary, 'chat gpt-4o-2024-08-06 (openai): 812 in + 230 out tokens, 0.0042 USD');
});

test('the GenAI spans of an app without the AuditLens SDK are audited (current and earlier attribute names)', async () => {
  const tracer = otelApp.getTracer('genai-instrumentation');
  const chat = tracer.startSpan('chat claude-sonnet-4', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'claude-sonnet-4',
      'gen_ai.response.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 420,
      'user.id': 'u-carol',
      'server.address': 'api.anthropic.com',
    },
  });
  chat.end();
  // An earlier GenAI release: gen_ai.system and prompt/completion tokens; a failed call.
  const legacy = tracer.startSpan(
    'embeddings text-embedding-3-small',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.system': 'openai',
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.request.model': 'text-embedding-3-small',
        'gen_ai.usage.prompt_tokens': 64,
        'gen_ai.usage.completion_tokens': 0,
        'error.type': 'rate_limit_exceeded',
      },
    },
    trace.setSpan(context.active(), chat),
  );
  legacy.setStatus({ code: SpanStatusCode.ERROR, message: '429 Too Many Requests' });
  legacy.end();
  await otelApp.forceFlush();

  const rows = await rowsOfTrace(chat.spanContext().traceId, 2);
  const byOperation = new Map(rows.map((r) => [r.gen_ai_operation, r]));
  const chatRow = byOperation.get('chat');
  const legacyRow = byOperation.get('embeddings');
  assert.ok(chatRow && legacyRow);
  assert.deepEqual(
    [chatRow.tenant_id, chatRow.service, chatRow.user_id, chatRow.gen_ai_provider, chatRow.result],
    ['beta', 'support-bot', 'u-carol', 'anthropic', 'success'],
  );
  assert.deepEqual([Number(chatRow.gen_ai_input_tokens), Number(chatRow.gen_ai_output_tokens)], [1500, 420]);
  assert.equal(chatRow.operation_name, 'chat claude-sonnet-4');
  assert.deepEqual(
    [
      legacyRow.gen_ai_provider,
      Number(legacyRow.gen_ai_input_tokens),
      legacyRow.result,
      legacyRow.error_message,
    ],
    ['openai', 64, 'failure', '429 Too Many Requests'],
  );
  assert.equal(legacyRow.parent_span_id, chat.spanContext().spanId);
});

test('aiRequest inside a GenAI span is stored once: the span is marked as recorded by the SDK', async () => {
  const tracer = otelApp.getTracer('genai-instrumentation');
  const span = tracer.startSpan('chat gpt-4o-mini', {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'audit.tenant_id': 'acme',
    },
  });
  audit.aiRequest(
    {
      provider: 'openai',
      operationName: 'chat',
      requestModel: 'gpt-4o-mini',
      inputTokens: 100,
      outputTokens: 10,
      cost: { amount: 0.0001, currency: 'USD' },
    },
    trace.setSpan(context.active(), span),
  );
  span.end();
  // Both flushes resolve once the exporter answered, and it answers only after the commit: the
  // span, had it been mapped, would be stored by now.
  await Promise.all([audit.forceFlush(), otelApp.forceFlush()]);
  const rows = await rowsOfTrace(span.spanContext().traceId, 1);
  assert.equal(rows.length, 1, 'one row for one call: the SDK record, not the span as well');
  assert.equal(Number(rows[0]?.gen_ai_input_tokens), 100);
});

test('bad usage values: the SDK refuses them at the call, the exporter names them in partial_success', async () => {
  assert.throws(
    () => audit.aiRequest({ provider: 'openai', operationName: 'chat', inputTokens: -3 }),
    /inputTokens must be a non-negative integer, got -3/,
  );
  assert.throws(
    () =>
      audit.aiRequest({
        provider: 'openai',
        operationName: 'chat',
        cost: { amount: 1, currency: 'dollars' },
      }),
    /cost.currency must be an ISO 4217 code/,
  );
  const answer = await postLogs(exporter.otlpUrl, [
    requestRecord({
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': 'many',
      },
    }),
    requestRecord({
      attributes: { 'gen_ai.operation.name': 'chat', 'audit.usage.cost': -1, 'audit.usage.currency': 'USD' },
    }),
  ]);
  assert.equal(answer.status, 200);
  const partial = answer.json?.partialSuccess as { rejectedLogRecords: string; errorMessage: string };
  assert.equal(Number(partial.rejectedLogRecords), 2);
  assert.match(partial.errorMessage, /gen_ai\.usage\.input_tokens: a number expected/);
  assert.match(partial.errorMessage, /audit\.usage\.cost: must not be negative/);
});

test('GET /api/v1/stats/usage: calls, tokens and cost per user, model, provider, tenant and day, per currency', async () => {
  const day = Date.UTC(2026, 10, 3, 10);
  const call = (
    userId: string,
    model: string,
    input: number,
    output: number,
    amount: number,
    currency: string,
    dayOffset = 0,
  ) =>
    audit.aiRequest({
      provider: model.startsWith('claude') ? 'anthropic' : 'openai',
      operationName: 'chat',
      requestModel: model,
      inputTokens: input,
      outputTokens: output,
      cost: { amount, currency },
      identity: { userId, tenantId: 'gamma' },
      timestamp: day + dayOffset * 86_400_000,
    });
  call('dave', 'gpt-4o', 1000, 100, 0.5, 'USD');
  call('dave', 'gpt-4o', 2000, 200, 1.25, 'USD', 1);
  call('erin', 'claude-sonnet-4', 500, 50, 0.75, 'USD', 1);
  call('erin', 'gpt-4o', 300, 30, 0.2, 'EUR', 1);
  await audit.forceFlush();
  const period = `from=${day - 3_600_000}&to=${day + 3 * 86_400_000}`;
  await waitUntil(
    async () => {
      const [n] = await query(`SELECT count() AS n FROM audit.audit_request_log WHERE tenant_id = 'gamma'`);
      return Number(n?.n) === 4;
    },
    20_000,
    'the four usage records of tenant gamma',
  );

  const { status, body } = await api(`/stats/usage?tenant=gamma&${period}`);
  assert.equal(status, 200);
  assert.deepEqual(body.totals, [
    { calls: 3, failed: 0, inputTokens: 3500, outputTokens: 350, cost: 2.5, currency: 'USD' },
    { calls: 1, failed: 0, inputTokens: 300, outputTokens: 30, cost: 0.2, currency: 'EUR' },
  ]);
  const pick = (rows: unknown) =>
    (rows as Row[]).map((r) => [r.key, r.currency, r.calls, r.inputTokens, r.cost]);
  assert.deepEqual(pick(body.byUser), [
    ['dave', 'USD', 2, 3000, 1.75],
    ['erin', 'USD', 1, 500, 0.75],
    ['erin', 'EUR', 1, 300, 0.2],
  ]);
  assert.deepEqual(pick(body.byModel), [
    ['gpt-4o', 'USD', 2, 3000, 1.75],
    ['claude-sonnet-4', 'USD', 1, 500, 0.75],
    ['gpt-4o', 'EUR', 1, 300, 0.2],
  ]);
  assert.deepEqual(pick(body.byDay), [
    ['2026-11-03', 'USD', 1, 1000, 0.5],
    ['2026-11-04', 'EUR', 1, 300, 0.2],
    ['2026-11-04', 'USD', 2, 2500, 2],
  ]);
  assert.deepEqual(pick(body.byTenant), [
    ['gamma', 'USD', 3, 3500, 2.5],
    ['gamma', 'EUR', 1, 300, 0.2],
  ]);

  const erin = await api(`/stats/usage?tenant=gamma&user=erin&model=gpt-4o&${period}`);
  assert.deepEqual(pick(erin.body.byUser), [['erin', 'EUR', 1, 300, 0.2]]);

  // Every tenant, with a token bound to all tenants; a tenant-bound token may not.
  const all = await api(`/stats/usage?tenant=*&${period}`);
  assert.equal(all.status, 200);
  assert.ok((all.body.byTenant as Row[]).some((r) => r.key === 'gamma'));
  const refused = await api(`/stats/usage?tenant=*&${period}`, ACME_READER);
  assert.equal(refused.status, 403);
  assert.equal((await api(`/stats/usage?tenant=gamma&${period}`, ACME_READER)).status, 403);
  assert.equal((await api(`/stats/usage?tenant=gamma&from=${day}&to=${day - 1}`)).status, 400);

  // The read is itself audited.
  await waitUntil(
    async () => {
      const rows = await query(
        `SELECT count() AS n FROM audit.audit_access_log WHERE resource = 'GET /api/v1/stats/usage'`,
      );
      return Number(rows[0]?.n) >= 3;
    },
    10_000,
    'access records of the usage reads',
  );

  // The typed usage values are sealed as stored: the tenant's rows verify intact.
  const verified = await api(`/integrity/verify?tenant=gamma&${period}`);
  assert.equal(verified.status, 200);
  assert.equal(verified.body.ok, true, JSON.stringify(verified.body.problems));
  assert.ok(Number(verified.body.rows) >= 4);
});

test('the built-in spend rule fires when one user spends over 50 within an hour, with the calls as evidence', async () => {
  // Three calls of 20 USD by one user; another user's 20 USD stays below.
  const calls = [0, 1, 2].map(() =>
    audit.aiRequest({
      provider: 'openai',
      operationName: 'chat',
      requestModel: 'o1-pro',
      inputTokens: 200_000,
      outputTokens: 50_000,
      cost: { amount: 20, currency: 'USD' },
      identity: { userId: 'mallory', tenantId: 'delta' },
    }),
  );
  audit.aiRequest({
    provider: 'openai',
    operationName: 'chat',
    requestModel: 'o1-pro',
    cost: { amount: 20, currency: 'USD' },
    identity: { userId: 'trent', tenantId: 'delta' },
  });
  await audit.forceFlush();
  const instance = await firingInstance('delta', 'builtin.ai-spend');
  assert.deepEqual(instance.groupLabels, { user_id: 'mallory', usage_currency: 'USD' });
  assert.deepEqual([...(instance.eventIds as string[])].sort(), calls.map((c) => c.eventId).sort());
  const [security] = await query(
    `SELECT event_type, mitre_technique, description FROM audit.audit_security_log
      WHERE tenant_id = 'delta' AND detection_method = 'builtin.ai-spend'`,
  );
  assert.equal(security?.event_type, 'UNUSUAL_SPEND');
  assert.equal(security?.mitre_technique, 'T1496');
  assert.match(String(security?.description), /60 USD of AI \/ API calls by mallory within 1h \(3 calls\)/);
});

test("the demo's AI bill spike: wangwu's runaway agent fires builtin.ai-spend", async () => {
  const users = new UserRepository(audit);
  const server = createDemoApp(audit, users).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const traffic = new TrafficGenerator({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
    await traffic.systemInitialisation();
    await traffic.everydayTraffic(); // one ordinary, cheap call first
    await traffic.aiBillSpike();
    await audit.forceFlush();
    const instance = await firingInstance('tenant_002', 'builtin.ai-spend');
    assert.equal((instance.groupLabels as Record<string, string>).usage_currency, 'USD');
    const [calls] = await query(
      `SELECT count() AS n, sum(usage_cost) AS cost FROM audit.audit_request_log
        WHERE tenant_id = 'tenant_002' AND gen_ai_request_model = 'o1-pro'`,
    );
    assert.equal(Number(calls?.n), 5);
    assert.ok(Number(calls?.cost) > 50, `the spike cost ${calls?.cost} USD`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
