/**
 * `npm run bench -w sdk`: what recording costs. Prints nanoseconds per record for each kind next to
 * the plain OTel `logger.emit` measured in the same run (same attribute count), and the
 * middleware's cost per request against a bare Express app. Absolute numbers depend on the machine;
 * the ratios are the point.
 *
 * "call" is the time spent inside the calls (what the request path pays). "total" adds the
 * background work the calls cause (batching, OTLP protobuf serialization), measured as wall time
 * with the event loop yielding between chunks; the transport is a sink so no network is involved.
 */
import { trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import express from 'express';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuditClient } from '../audit-client.js';
import { runAs } from '../audit-context.js';
import { auditMiddleware } from '../express.js';
import type { LogBatchTransport } from '../export/otlp-http-transport.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000);
const CHUNK = 500;
const ROUNDS = 5;

/** Serializes like the OTLP exporter would, then discards. */
class SerializingSinkExporter implements LogRecordExporter {
  export(
    records: Parameters<LogRecordExporter['export']>[0],
    done: Parameters<LogRecordExporter['export']>[1],
  ): void {
    ProtobufLogsSerializer.serializeRequest(records);
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const sinkTransport: LogBatchTransport = {
  encoding: 'protobuf',
  send: () => Promise.resolve({ kind: 'accepted', rejectedRecords: 0 }),
};

interface Measurement {
  callNs: number;
  totalNs: number;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `fn` ITERATIONS times in chunks; `recordsPerCall` converts to per-record figures. */
async function measure(
  fn: (i: number) => void,
  recordsPerCall: number,
  flush: () => Promise<void>,
): Promise<Measurement> {
  for (let i = 0; i < 5000; i++) fn(i); // warm-up
  await flush();
  const calls: number[] = [];
  const totals: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    (globalThis as { gc?: () => void }).gc?.();
    let inCalls = 0n;
    const started = process.hrtime.bigint();
    for (let done = 0; done < ITERATIONS; done += CHUNK) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < CHUNK; i++) fn(done + i);
      inCalls += process.hrtime.bigint() - t0;
      await yieldLoop();
    }
    await flush();
    const total = process.hrtime.bigint() - started;
    const records = ITERATIONS * recordsPerCall;
    calls.push(Number(inCalls) / records);
    totals.push(Number(total) / records);
  }
  return { callNs: median(calls), totalNs: median(totals) };
}

const COMMON_ATTRIBUTES = {
  'log.record.uid': '01890a5d-ac96-774b-bcce-b302099a8057',
  'audit.tenant_id': 'tenant_001',
  'user.id': '1001',
  'user.name': 'zhangsan',
  'session.id': 'sess-1',
  'client.address': '192.168.1.100',
  'user_agent.original': 'Mozilla/5.0',
  'audit.result': 'success',
  'audit.risk_level': 2,
  'audit.sensitive': false,
  'audit.operation': 'update',
  'http.request.method': 'PUT',
  'url.path': '/api/user/profile',
  'http.route': '/api/user/profile',
  'http.response.status_code': 200,
  'audit.duration_ms': 1.5,
};

async function main(): Promise<void> {
  // A tracer provider without processors: spans are real (ids, context) but go nowhere.
  new NodeTracerProvider().register();

  const plainProvider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor({
        exporter: new SerializingSinkExporter(),
        maxQueueSize: 1_000_000,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 200,
      }),
    ],
  });
  const plain = plainProvider.getLogger('bench');
  const audit = new AuditClient({
    serviceName: 'bench',
    transport: sinkTransport,
    spoolDir: false,
    handleSignals: false,
    delivery: { maxQueueSize: 1_000_000 },
  });
  const auditFlush = () => audit.forceFlush();
  const plainFlush = () => plainProvider.forceFlush();
  const identity = {
    tenantId: 'tenant_001',
    userId: '1001',
    userName: 'zhangsan',
    sessionId: 'sess-1',
    clientAddress: '192.168.1.100',
    userAgent: 'Mozilla/5.0',
  };

  const results: [string, Measurement][] = [];
  results.push([
    'OTel logger.emit (16 attributes, baseline)',
    await measure(
      () =>
        plain.emit({
          eventName: 'audit.request',
          body: 'PUT /api/user/profile → 200',
          attributes: COMMON_ATTRIBUTES,
        }),
      1,
      plainFlush,
    ),
  ]);

  await runAs(identity, async () => {
    results.push([
      'request (no payloads)',
      await measure(
        () =>
          audit.request({
            method: 'PUT',
            path: '/api/user/profile',
            route: '/api/user/profile',
            statusCode: 200,
            durationMs: 1.5,
          }),
        1,
        auditFlush,
      ),
    ]);
    results.push([
      'request (headers, body, params, query: redacted)',
      await measure(
        () =>
          audit.request({
            method: 'PUT',
            path: '/api/user/profile',
            query: 'lang=zh&token=abc',
            route: '/api/user/profile',
            statusCode: 200,
            durationMs: 1.5,
            params: { lang: 'zh', token: 'abc' },
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer x',
              'user-agent': 'Mozilla/5.0',
              accept: '*/*',
            },
            body: { name: '张三', email: 'zhangsan@example.com', phone: '13800138000' },
          }),
        1,
        auditFlush,
      ),
    ]);
    results.push([
      'db_operation + 2 field_change (per record)',
      await measure(
        (i) =>
          audit.dbOperation({
            table: 'sys_user',
            operation: 'UPDATE',
            query: 'UPDATE sys_user SET name=?, email=? WHERE id=?',
            recordId: i,
            before: { id: i, name: '张三旧', email: 'old@example.com', age: 30 },
            after: { id: i, name: '张三', email: 'new@example.com', age: 30 },
          }),
        3,
        auditFlush,
      ),
    ]);
    results.push([
      'security (loginFailed)',
      await measure(() => audit.loginFailed({ userName: 'hacker', reason: 'bad_password' }), 1, auditFlush),
    ]);
    results.push([
      'admin (target, approval)',
      await measure(
        () =>
          audit.admin({
            operation: 'CREATE_USER',
            module: 'USER_MGMT',
            target: { type: 'USER', id: 1002, name: 'lisi' },
            approval: { status: 'APPROVED', approverId: '3001' },
          }),
        1,
        auditFlush,
      ),
    ]);
    results.push([
      'generic record (LLM call metadata)',
      await measure(
        () =>
          audit.record('audit.request', {
            operation: 'LLM_API_REQUEST',
            attributes: {
              'http.request.method': 'POST',
              'url.path': '/v1/chat',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.provider.name': 'openai',
              'gen_ai.usage.input_tokens': 812,
              'gen_ai.usage.output_tokens': 143,
              'audit.llm.cost_usd': 0.0042,
            },
          }),
        1,
        auditFlush,
      ),
    ]);
  });

  const baseline = results[0]?.[1] ?? { callNs: NaN, totalNs: NaN };
  const pad = (text: string, n: number) => text.padEnd(n);
  const num = (n: number) => n.toFixed(0).padStart(8);
  console.log(
    `\nAuditLens SDK benchmark — node ${process.version}, ${ITERATIONS} calls × ${ROUNDS} rounds (median)\n`,
  );
  console.log(
    `${pad('record', 52)}${'call ns'.padStart(8)}  ${'× emit'.padStart(7)}${'total ns'.padStart(10)}  ${'× emit'.padStart(7)}   ≤ 3 µs`,
  );
  for (const [name, m] of results) {
    console.log(
      `${pad(name, 52)}${num(m.callNs)}  ${(m.callNs / baseline.callNs).toFixed(2).padStart(6)}×${num(m.totalNs)}  ${(m.totalNs / baseline.totalNs).toFixed(2).padStart(6)}×   ${m.callNs <= 3000 ? 'yes' : 'NO'}`,
    );
  }

  const middleware = await benchMiddleware(audit);
  console.log(
    `\nExpress 5 (keep-alive, ${middleware.concurrency} concurrent, ${middleware.requests} requests per run, median of ${ROUNDS}):`,
  );
  console.log(`  bare app                 ${middleware.bareUs.toFixed(1).padStart(7)} µs/request`);
  console.log(`  with auditMiddleware()   ${middleware.auditedUs.toFixed(1).padStart(7)} µs/request`);
  console.log(
    `  middleware cost          ${(middleware.auditedUs - middleware.bareUs).toFixed(1).padStart(7)} µs/request  (${(middleware.auditedUs / middleware.bareUs).toFixed(2)}× the bare app; ${(((middleware.auditedUs - middleware.bareUs) * 1000) / baseline.callNs).toFixed(1)}× one OTel emit)`,
  );
  console.log(`  records delivered to the sink: ${audit.stats().sent}, dropped: ${audit.stats().dropped}\n`);
  // The repository's benchmark suite (bench/) reads the figures from here.
  if (process.env.BENCH_JSON_OUT) {
    writeFileSync(
      process.env.BENCH_JSON_OUT,
      JSON.stringify({ iterations: ITERATIONS, rounds: ROUNDS, records: results, middleware }, null, 2),
    );
  }

  await audit.shutdown();
  await plainProvider.shutdown();
  trace.disable();
}

async function benchMiddleware(
  audit: AuditClient,
): Promise<{ bareUs: number; auditedUs: number; requests: number; concurrency: number }> {
  const makeApp = (audited: boolean) => {
    const app = express();
    if (audited) app.use(auditMiddleware({ client: audit }));
    app.use(express.json());
    app.put('/api/users/:id/profile', (req, res) => {
      res.json({ ok: true, id: req.params.id });
    });
    return app;
  };
  const start = async (app: express.Express) => {
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const bare = await start(makeApp(false));
  const audited = await start(makeApp(true));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const concurrency = 16;
  const requests = Number(process.env.BENCH_REQUESTS ?? 4000);
  const body = JSON.stringify({ name: '张三', email: 'zhangsan@example.com' });

  const one = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/users/7/profile?lang=zh',
          method: 'PUT',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: 'Bearer t',
          },
        },
        (response) => {
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const run = async (server: http.Server): Promise<number> => {
    const port = (server.address() as AddressInfo).port;
    let remaining = requests;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (remaining-- > 0) await one(port);
      }),
    );
    return Number(process.hrtime.bigint() - started) / 1000 / requests;
  };
  await run(bare);
  await run(audited);
  const bareRuns: number[] = [];
  const auditedRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRuns.push(await run(bare));
    auditedRuns.push(await run(audited));
    await audit.forceFlush();
  }
  agent.destroy();
  await Promise.all([bare, audited].map((s) => new Promise((r) => s.close(r))));
  return { bareUs: median(bareRuns), auditedUs: median(auditedRuns), requests, concurrency };
}

await main();
