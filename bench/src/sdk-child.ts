/**
 * `npm run sdk-overhead -w bench`: what recording costs. Prints nanoseconds per record for each kind next to
 * the plain OTel `logger.emit` measured in the same run (same attribute count), and the
 * middleware's cost per request against a bare Express app and against the OpenTelemetry HTTP +
 * Express instrumentations on the same app (bench/src/otel-http-app.ts). Absolute numbers depend on the machine;
 * the ratios are the point.
 *
 * Units: every figure is per record. A call that emits several records (a data operation with two
 * changed fields emits the db_operation and two field_change records) is divided by the records it
 * emits, because the goal (≤ 3 µs per record) and the mix weights (shares of records in the
 * benchmark suite's dataset) are per record.
 *
 * "call" is the time spent inside the calls (what the request path pays). "total" adds the
 * background work the calls cause (batching, OTLP protobuf serialization), measured as wall time
 * with the event loop yielding between chunks; the transport is a sink so no network is involved.
 *
 * The machine may be shared and noisy, so the cases are interleaved: each round measures the
 * baseline and then every case once, and "× emit" is the median over rounds of the case's figure
 * divided by the baseline's figure of the same round.
 *
 * Environment: BENCH_ITERATIONS (calls per case and round), BENCH_ROUNDS, BENCH_REQUESTS
 * (middleware), BENCH_ONLY (comma-separated name prefixes; the baseline always runs),
 * BENCH_MIX (JSON `[[name prefix, share of records], …]`), BENCH_JSON_OUT.
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
import { AuditClient, auditMiddleware, runAs } from '@auditlens/sdk';
import { sinkTransport } from './sink-transport.js';
import { otelHttpApp } from './otel-http-app.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ONLY = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const CHUNK = 500;
const GOAL_NS = 3000;

/**
 * Share of the records of each kind in the benchmark suite's dataset (bench/src/sdk.ts passes its
 * own in BENCH_MIX): requests as the middleware records them, data operations with their field
 * changes, security events, admin operations. Normalised over the kinds measured.
 */
const DEFAULT_MIX: [prefix: string, share: number][] = [
  ['request (headers, body', 0.47],
  ['db_operation + 2 field_change', 0.46],
  ['security', 0.047],
  ['admin', 0.019],
];
const MIX = process.env.BENCH_MIX ? (JSON.parse(process.env.BENCH_MIX) as [string, number][]) : DEFAULT_MIX;

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

interface Measurement {
  /** ns per record spent inside the calls (median over rounds). */
  callNs: number;
  /** ns per record including the background batching and serialization (median over rounds). */
  totalNs: number;
  /** Median over rounds of callNs / the baseline's callNs of the same round. */
  callRatio: number;
  totalRatio: number;
  recordsPerCall: number;
  rounds: { callNs: number; totalNs: number }[];
}

interface Case {
  name: string;
  fn: (i: number) => void;
  /** Records one call emits; figures are divided by it. */
  recordsPerCall: number;
  flush: () => Promise<void>;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const yieldLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One round of one case: ITERATIONS calls in chunks, the event loop yielding between chunks. */
async function round(c: Case): Promise<{ callNs: number; totalNs: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  let inCalls = 0n;
  const started = process.hrtime.bigint();
  for (let done = 0; done < ITERATIONS; done += CHUNK) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CHUNK; i++) c.fn(done + i);
    inCalls += process.hrtime.bigint() - t0;
    await yieldLoop();
  }
  await c.flush();
  const total = process.hrtime.bigint() - started;
  const records = ITERATIONS * c.recordsPerCall;
  return { callNs: Number(inCalls) / records, totalNs: Number(total) / records };
}

/** Warms every case up, then runs ROUNDS rounds, each measuring every case once, baseline first. */
async function measureAll(cases: Case[]): Promise<[string, Measurement][]> {
  for (const c of cases) {
    for (let i = 0; i < 5000; i++) c.fn(i);
    await c.flush();
  }
  const rounds = cases.map(() => [] as { callNs: number; totalNs: number }[]);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [index, c] of cases.entries()) rounds[index]?.push(await round(c));
  }
  const baseline = rounds[0] ?? [];
  return cases.map((c, index) => {
    const own = rounds[index] ?? [];
    const ratio = (pick: (m: { callNs: number; totalNs: number }) => number) =>
      median(own.map((m, r) => pick(m) / pick(baseline[r] ?? { callNs: NaN, totalNs: NaN })));
    return [
      c.name,
      {
        callNs: median(own.map((m) => m.callNs)),
        totalNs: median(own.map((m) => m.totalNs)),
        callRatio: ratio((m) => m.callNs),
        totalRatio: ratio((m) => m.totalNs),
        recordsPerCall: c.recordsPerCall,
        rounds: own,
      },
    ];
  });
}

/** Figures weighted by the share of records of each kind (only kinds that were measured count). */
function mixed(results: [string, Measurement][]): Omit<Measurement, 'recordsPerCall' | 'rounds'> {
  const sum = { callNs: 0, totalNs: 0, callRatio: 0, totalRatio: 0, weight: 0 };
  for (const [prefix, share] of MIX) {
    const m = results.find(([name]) => name.startsWith(prefix))?.[1];
    if (!m) continue;
    sum.callNs += m.callNs * share;
    sum.totalNs += m.totalNs * share;
    sum.callRatio += m.callRatio * share;
    sum.totalRatio += m.totalRatio * share;
    sum.weight += share;
  }
  return {
    callNs: sum.callNs / sum.weight,
    totalNs: sum.totalNs / sum.weight,
    callRatio: sum.callRatio / sum.weight,
    totalRatio: sum.totalRatio / sum.weight,
  };
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

  const cases: Case[] = [
    {
      name: 'OTel logger.emit (16 attributes, baseline)',
      recordsPerCall: 1,
      flush: plainFlush,
      fn: () =>
        plain.emit({
          eventName: 'audit.request',
          body: 'PUT /api/user/profile → 200',
          attributes: COMMON_ATTRIBUTES,
        }),
    },
    {
      name: 'request (no payloads)',
      recordsPerCall: 1,
      flush: auditFlush,
      fn: () =>
        audit.request({
          method: 'PUT',
          path: '/api/user/profile',
          route: '/api/user/profile',
          statusCode: 200,
          durationMs: 1.5,
        }),
    },
    {
      name: 'request (headers, body, params, query: redacted)',
      recordsPerCall: 1,
      flush: auditFlush,
      fn: () =>
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
    },
    {
      // One call, three records: the db_operation and a field_change each for name and email.
      name: 'db_operation + 2 field_change (per record, 3 per call)',
      recordsPerCall: 3,
      flush: auditFlush,
      fn: (i) =>
        audit.dbOperation({
          table: 'sys_user',
          operation: 'UPDATE',
          query: 'UPDATE sys_user SET name=?, email=? WHERE id=?',
          recordId: i,
          before: { id: i, name: '张三旧', email: 'old@example.com', age: 30 },
          after: { id: i, name: '张三', email: 'new@example.com', age: 30 },
        }),
    },
    {
      name: 'security (loginFailed)',
      recordsPerCall: 1,
      flush: auditFlush,
      fn: () => audit.loginFailed({ userName: 'hacker', reason: 'bad_password' }),
    },
    {
      name: 'admin (target, approval)',
      recordsPerCall: 1,
      flush: auditFlush,
      fn: () =>
        audit.admin({
          operation: 'CREATE_USER',
          module: 'USER_MGMT',
          target: { type: 'USER', id: 1002, name: 'lisi' },
          approval: { status: 'APPROVED', approverId: '3001' },
        }),
    },
    {
      name: 'generic record (LLM call metadata)',
      recordsPerCall: 1,
      flush: auditFlush,
      fn: () =>
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
    },
  ];
  const selected = cases.filter(
    (c, index) => index === 0 || !ONLY || ONLY.some((prefix) => c.name.startsWith(prefix)),
  );

  const results = await runAs(identity, () => measureAll(selected));
  const mix = mixed(results);
  const pad = (text: string, n: number) => text.padEnd(n);
  const num = (n: number) => n.toFixed(0).padStart(8);
  const row = (name: string, m: Omit<Measurement, 'recordsPerCall' | 'rounds'>) =>
    `${pad(name, 56)}${num(m.callNs)}  ${m.callRatio.toFixed(2).padStart(6)}×${num(m.totalNs)}  ${m.totalRatio.toFixed(2).padStart(6)}×   ${m.callNs <= GOAL_NS ? 'yes' : 'NO'}`;
  console.log(
    `\nAuditLens SDK benchmark — node ${process.version}, ${ITERATIONS} calls per case × ${ROUNDS} interleaved rounds (median)`,
  );
  console.log('All figures are ns per record (a call emitting 3 records counts 3); × emit: ratio to the');
  console.log('baseline of the same round, median over rounds.\n');
  console.log(
    `${pad('record', 56)}${'call ns'.padStart(8)}  ${'× emit'.padStart(7)}${'total ns'.padStart(10)}  ${'× emit'.padStart(7)}   ≤ 3 µs`,
  );
  for (const [name, m] of results) console.log(row(name, m));
  const weights = MIX.filter(([prefix]) => results.some(([name]) => name.startsWith(prefix)))
    .map(([prefix, share]) => `${prefix.split(' ')[0]} ${(share * 100).toFixed(1)} %`)
    .join(', ');
  console.log(row('mixed (weighted by share of records)', mix));
  console.log(`  weights: ${weights}`);
  if (ONLY) {
    await audit.shutdown();
    await plainProvider.shutdown();
    trace.disable();
    return;
  }

  const baseline = results[0]?.[1] ?? { callNs: NaN, totalNs: NaN };
  const middleware = await benchMiddleware(audit);
  console.log(
    `\nExpress 5 (keep-alive, ${middleware.concurrency} concurrent, ${middleware.requests} requests per run, median of ${ROUNDS}):`,
  );
  console.log(`  bare app                 ${middleware.bareUs.toFixed(1).padStart(7)} µs/request`);
  console.log(`  with auditMiddleware()   ${middleware.auditedUs.toFixed(1).padStart(7)} µs/request`);
  console.log(
    `  with OTel http+express   ${middleware.otelUs.toFixed(1).padStart(7)} µs/request  (@opentelemetry/instrumentation-http + -express, spans serialised; ${middleware.otelSpans} spans)`,
  );
  console.log(
    `  middleware cost          ${(middleware.auditedUs - middleware.bareUs).toFixed(1).padStart(7)} µs/request  (${(middleware.auditedUs / middleware.bareUs).toFixed(2)}× the bare app; ${(((middleware.auditedUs - middleware.bareUs) * 1000) / baseline.callNs).toFixed(1)}× one OTel emit)`,
  );
  console.log(
    `  OTel instrumentation     ${(middleware.otelUs - middleware.bareUs).toFixed(1).padStart(7)} µs/request  (${(middleware.otelUs / middleware.bareUs).toFixed(2)}× the bare app)`,
  );
  console.log(`  records delivered to the sink: ${audit.stats().sent}, dropped: ${audit.stats().dropped}\n`);
  // The repository's benchmark suite (bench/) reads the figures from here.
  if (process.env.BENCH_JSON_OUT) {
    writeFileSync(
      process.env.BENCH_JSON_OUT,
      JSON.stringify(
        {
          iterations: ITERATIONS,
          rounds: ROUNDS,
          unit: 'ns per record',
          records: results,
          mixed: mix,
          mix: MIX,
          middleware,
        },
        null,
        2,
      ),
    );
  }

  await audit.shutdown();
  await plainProvider.shutdown();
  trace.disable();
}

interface MiddlewareFigures {
  bareUs: number;
  auditedUs: number;
  /** The same app with @opentelemetry/instrumentation-http + -express, spans serialised. */
  otelUs: number;
  otelSpans: number;
  requests: number;
  concurrency: number;
}

async function benchMiddleware(audit: AuditClient): Promise<MiddlewareFigures> {
  const routes = (app: express.Express, json: typeof express.json) => {
    app.use(json());
    app.put('/api/users/:id/profile', (req, res) => {
      res.json({ ok: true, id: req.params.id });
    });
    return app;
  };
  const makeApp = (audited: boolean) => {
    const app = express();
    if (audited) app.use(auditMiddleware({ client: audit }));
    return routes(app, express.json);
  };
  const start = async (app: express.Express) => {
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  };
  const bare = await start(makeApp(false));
  const audited = await start(makeApp(true));
  const otel = otelHttpApp((expressOfOtel) => routes(expressOfOtel(), expressOfOtel.json));
  const otelServer = await start(otel.app);
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
  const runOtel = async (): Promise<number> => {
    otel.enable();
    try {
      const us = await run(otelServer);
      await otel.flush();
      return us;
    } finally {
      otel.disable();
    }
  };
  await run(bare);
  await run(audited);
  await runOtel();
  const bareRuns: number[] = [];
  const auditedRuns: number[] = [];
  const otelRuns: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRuns.push(await run(bare));
    auditedRuns.push(await run(audited));
    await audit.forceFlush();
    otelRuns.push(await runOtel());
  }
  agent.destroy();
  const otelSpans = await otel.flush();
  await otel.shutdown();
  await Promise.all([bare, audited, otelServer].map((s) => new Promise((r) => s.close(r))));
  return {
    bareUs: median(bareRuns),
    auditedUs: median(auditedRuns),
    otelUs: median(otelRuns),
    otelSpans,
    requests,
    concurrency,
  };
}

await main();
