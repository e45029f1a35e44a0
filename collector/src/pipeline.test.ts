// Application → OpenTelemetry Collector (our distribution, running the shipped config.yaml) →
// AuditLens exporter → ClickHouse (embedded), for real: the official OpenTelemetry JS exporters
// and the AuditLens SDK send to the collector with their own ingest tokens; every record is
// stored once with its trace links; a token still limits the tenants its application can write;
// a record the exporter rejects (partial_success) is logged by the collector and not retried.
import type { RunningExporter } from '@auditlens/exporter';
import {
  assertEveryKindStored,
  sendEveryKind,
  postLogs,
  requestRecord,
  securityRecord,
  startTestExporter,
  assertStoredExactlyOnce,
  assertTrafficLinked,
  countTrafficRows,
  tempDir,
  steadyTraffic,
  waitUntil,
  type AuditQuery,
} from '@auditlens/test-support';
import { AuditClient } from '@auditlens/sdk';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CollectorProcess } from './testing/collector-process.js';
import { sampleSum } from './testing/prometheus.js';

const TOKEN_A = 'token-app-a';
const TOKEN_B = 'token-app-b';
const TOKEN_OTEL = 'token-official-exporters';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = tempDir('collector-pipeline');
let exporter: RunningExporter;
let collector: CollectorProcess;
let query: AuditQuery;

before(async () => {
  exporter = await startTestExporter(path.join(dir.path, 'exporter'), {
    ingestTokens: new Map([
      [TOKEN_A, { tenants: new Set(['tenant_a']) }],
      [TOKEN_B, { tenants: new Set(['tenant_b']) }],
      [TOKEN_OTEL, { tenants: new Set(['tenant-protobuf', 'tenant-json']) }],
    ]),
  });
  query = (sql, params) => exporter.store.query(sql, params);
  collector = await CollectorProcess.start({
    config: 'single',
    exporter: { otlpUrl: exporter.otlpUrl, otlpGrpcPort: 0 },
    dir: dir.path,
    tokens: [TOKEN_A, TOKEN_B, TOKEN_OTEL],
  });
});

after(async () => {
  await collector?.kill('SIGTERM');
  await exporter?.close();
  dir.remove();
});

const client = (service: string, token: string | undefined, tenant: string): AuditClient =>
  new AuditClient({
    serviceName: service,
    endpoint: collector.otlpUrl,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    spoolDir: path.join(dir.path, `spool-${service}`),
    handleSignals: false,
    tenant,
    spool: { fsync: false },
    delivery: { scheduledDelayMillis: 20, retry: { initialBackoffMs: 100, maxBackoffMs: 1000 } },
  });

const rowsOf = async (table: string, where: string, params: Record<string, unknown>): Promise<number> => {
  const [row] = await query<{ n: string }>(`SELECT count() AS n FROM audit.${table} WHERE ${where}`, params);
  return Number(row?.n);
};

test('the official OpenTelemetry exporters (protobuf and JSON) through the collector: every kind stored once, linked by trace', async () => {
  for (const encoding of ['protobuf', 'json'] as const) {
    const sent = await sendEveryKind(
      { otlpUrl: collector.otlpUrl, headers: { authorization: `Bearer ${TOKEN_OTEL}` } },
      encoding,
    );
    // The collector acknowledged on enqueue; its queue delivers a moment later. Two request rows
    // (the audit.request record and the HTTP server span) and one row of each other kind.
    const tables = ['audit_request_log', 'audit_database_log', 'audit_change_log', 'audit_security_log'];
    await waitUntil(
      async () => {
        const counts = await Promise.all(
          [...tables, 'audit_admin_log'].map((t) =>
            rowsOf(t, 'trace_id = {trace:String}', { trace: sent.traceId }),
          ),
        );
        return counts.reduce((a, b) => a + b, 0) === 6;
      },
      30_000,
      `the ${encoding} records through the collector`,
    );
    await assertEveryKindStored(exporter, sent, encoding);
  }
});

test('the SDK through the collector: steady traffic of two applications stored exactly once, trace links kept', async () => {
  const appA = client('collector-sdk-a', TOKEN_A, 'tenant_a');
  const appB = client('collector-sdk-b', TOKEN_B, 'tenant_b');
  try {
    // Two tokens at once: the collector's batches must never mix them (partitioned by header),
    // else one application's records would reach the exporter under the other's token.
    const trafficA = steadyTraffic(appA, 'collector-sdk-a');
    const trafficB = steadyTraffic(appB, 'collector-sdk-b');
    await sleep(3000);
    trafficA.stop();
    trafficB.stop();
    await appA.forceFlush();
    await appB.forceFlush();
    for (const [service, ids] of [
      ['collector-sdk-a', trafficA.ids],
      ['collector-sdk-b', trafficB.ids],
    ] as const) {
      await waitUntil(
        async () => (await countTrafficRows(query, service)) >= ids.length,
        30_000,
        `${service}'s records through the collector`,
      );
      await assertStoredExactlyOnce(query, service, ids);
      await assertTrafficLinked(query, service);
    }
    console.log(
      `collector e2e: SDK → collector → exporter: ${trafficA.ids.length + trafficB.ids.length} records of two applications stored exactly once`,
    );
  } finally {
    await appA.shutdown();
    await appB.shutdown();
  }
});

test('a token limits its tenants through the collector: A cannot write B, unknown tokens get 401 from the collector', async () => {
  const rejectedBefore = collector.logs().filter((l) => l.msg === 'Partial success response').length;
  // Application A claims tenant_b for its records: the collector passes A's own token on, and the
  // exporter refuses the records (partial_success), whatever the collector's configuration.
  const forged = [securityRecord({ tenant: 'tenant_b' }), securityRecord({ tenant: 'tenant_b' })];
  const genuine = securityRecord({ tenant: 'tenant_a' });
  const answer = await postLogs(collector.otlpUrl, [...forged, genuine], TOKEN_A);
  assert.equal(answer.status, 200, 'the collector accepts A’s request (A’s token is one it knows)');
  await waitUntil(
    async () => (await rowsOf('audit_security_log', "tenant_id = 'tenant_a'", {})) === 1,
    30_000,
    'A’s genuine record',
  );
  await waitUntil(
    () => collector.logs().filter((l) => l.msg === 'Partial success response').length > rejectedBefore,
    30_000,
    'the collector logging the rejection',
  );
  const forgedIds = forged.map((r) => String(r.attributes['log.record.uid']));
  assert.equal(
    await rowsOf('audit_security_log', 'toString(event_id) IN {ids:Array(String)}', { ids: forgedIds }),
    0,
    'no record A forged for tenant_b is stored',
  );
  const rejection = collector.logs().findLast((l) => l.msg === 'Partial success response');
  assert.equal(rejection?.dropped_log_records, 2);
  assert.match(String(rejection?.message), /tenant/);

  // Without a token the collector itself refuses: the application's SDK keeps the records and
  // retries (it treats 401 as retryable), nothing enters the collector's queue.
  for (const token of [undefined, 'not-a-known-token']) {
    const refused = await postLogs(collector.otlpUrl, [requestRecord({ tenant: 'tenant_b' })], token);
    assert.equal(refused.status, 401, `token ${token ?? '(none)'}`);
  }
  // B writes tenant_b as before.
  const own = securityRecord({ tenant: 'tenant_b' });
  assert.equal((await postLogs(collector.otlpUrl, [own], TOKEN_B)).status, 200);
  await waitUntil(
    async () =>
      (await rowsOf('audit_security_log', 'toString(event_id) = {id:String}', {
        id: String(own.attributes['log.record.uid']),
      })) === 1,
    30_000,
    'B’s own record',
  );
});

test('a record the exporter rejects (partial_success) is logged by the collector once, not retried, and counted as sent', async () => {
  const exporterCount = async (name: string, labels: Record<string, string>) => {
    const response = await fetch(`${exporter.apiUrl}/metrics`);
    return sampleSum(await response.text(), name, labels);
  };
  // Everything the collector accepted so far has been answered by the exporter.
  await waitUntil(
    async () =>
      (await collector.metric('otelcol_receiver_accepted_log_records')) ===
      (await collector.metric('otelcol_exporter_sent_log_records')),
    30_000,
    'the collector sending what earlier tests sent',
  );
  const before = {
    answered: await exporterCount('auditlens_otlp_requests_total', { signal: 'logs', status: '200' }),
    rejected: await exporterCount('auditlens_records_rejected_total', {}),
    sent: await collector.metric('otelcol_exporter_sent_log_records'),
    warnings: collector.logs().filter((l) => l.msg === 'Partial success response').length,
  };
  const valid = securityRecord({ tenant: 'tenant_a' });
  const invalid = securityRecord({ tenant: 'tenant_a', attributes: { 'audit.risk_level': 9 } });
  assert.equal((await postLogs(collector.otlpUrl, [valid, invalid], TOKEN_A)).status, 200);
  await waitUntil(
    () => collector.logs().filter((l) => l.msg === 'Partial success response').length > before.warnings,
    30_000,
    'the collector logging the rejection',
  );
  // Longer than the collector's first retry interval (1 s, randomised by ±50%) and its batch
  // timeout (200 ms): a retry of the request would have reached the exporter by now.
  await sleep(3000);
  const rejection = collector.logs().findLast((l) => l.msg === 'Partial success response');
  assert.equal(rejection?.dropped_log_records, 1);
  assert.match(String(rejection?.message), /risk/);
  assert.deepEqual(
    {
      answered:
        (await exporterCount('auditlens_otlp_requests_total', { signal: 'logs', status: '200' })) -
        before.answered,
      rejected: (await exporterCount('auditlens_records_rejected_total', {})) - before.rejected,
      warnings: collector.logs().filter((l) => l.msg === 'Partial success response').length - before.warnings,
      // The collector's own metrics count the rejected record as sent: only its log shows it.
      sent: (await collector.metric('otelcol_exporter_sent_log_records')) - before.sent,
      sendFailed: await collector.metric('otelcol_exporter_send_failed_log_records'),
    },
    { answered: 1, rejected: 1, warnings: 1, sent: 2, sendFailed: 0 },
  );
  const stored = await rowsOf('audit_security_log', 'toString(event_id) IN {ids:Array(String)}', {
    ids: [valid, invalid].map((r) => String(r.attributes['log.record.uid'])),
  });
  assert.equal(stored, 1, 'the valid record is stored, the invalid one is not');
});

test('the load-balancing configuration (OTLP/gRPC to the exporters): records stored once, tokens still bound to their tenants', async () => {
  const balancer = await CollectorProcess.start({
    config: 'loadBalancing',
    exporter: { otlpUrl: exporter.otlpUrl, otlpGrpcPort: Number(exporter.otlpGrpcAddress.split(':').at(-1)) },
    dir: path.join(dir.path, 'balancer'),
    tokens: [TOKEN_A, TOKEN_B],
  });
  const app = client('collector-balanced', TOKEN_B, 'tenant_b');
  try {
    const traffic = steadyTraffic(app, 'collector-balanced');
    const forged = securityRecord({ tenant: 'tenant_b' });
    assert.equal((await postLogs(balancer.otlpUrl, [forged], TOKEN_A)).status, 200);
    await sleep(1500);
    traffic.stop();
    await app.forceFlush();
    await waitUntil(
      async () => (await countTrafficRows(query, 'collector-balanced')) >= traffic.ids.length,
      30_000,
      'the records through the load-balancing collector',
    );
    await assertStoredExactlyOnce(query, 'collector-balanced', traffic.ids);
    await assertTrafficLinked(query, 'collector-balanced');
    await waitUntil(
      () => balancer.logs().some((l) => l.msg === 'Partial success response'),
      30_000,
      'the load-balancing collector logging the rejection of A’s forged record',
    );
    assert.equal(
      await rowsOf('audit_security_log', 'toString(event_id) = {id:String}', {
        id: String(forged.attributes['log.record.uid']),
      }),
      0,
      'A’s record for tenant_b is not stored',
    );
  } finally {
    await app.shutdown();
    await balancer.kill('SIGTERM');
  }
});
