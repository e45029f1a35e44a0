// The official OpenTelemetry OTLP/gRPC exporters (what the Collector's load-balancing exporter
// uses) deliver to the exporter's gRPC receiver; errors map to gRPC status codes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { RunningExporter } from '../exporter.js';
import { tempDir, startTestExporter } from '@auditlens/test-support';

const TOKEN = 'grpc-collector-token';
const dir = tempDir('grpc');
let exporter: RunningExporter;

before(async () => {
  exporter = await startTestExporter(dir.path, {
    ingestTokens: new Map([[TOKEN, { tenants: new Set(['*']) }]]),
  });
});
after(async () => {
  await exporter.close();
  dir.remove();
});

test('official OTLP/gRPC log and trace exporters deliver audit records and HTTP spans', async () => {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${TOKEN}`);
  const url = `http://${exporter.otlpGrpcAddress}`;
  const resource = resourceFromAttributes({ 'service.name': 'grpc-app', 'audit.tenant_id': 'grpc-tenant' });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url, metadata }) })],
  });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url, metadata }))],
  });
  const span = tracerProvider.getTracer('t').startSpan('GET /orders', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'url.path': '/orders', 'http.response.status_code': 200 },
  });
  const uid = randomUUID();
  loggerProvider.getLogger('t').emit({
    eventName: 'audit.security',
    body: 'login ok',
    attributes: { 'log.record.uid': uid, 'audit.security.event_type': 'LOGIN_SUCCESS', 'user.id': 'carol' },
    context: trace.setSpan(context.active(), span),
  });
  span.end();
  await loggerProvider.forceFlush();
  await tracerProvider.forceFlush();
  await loggerProvider.shutdown();
  await tracerProvider.shutdown();

  const traceId = span.spanContext().traceId;
  const security = await exporter.store.query<{ event_id: string; trace_id: string }>(
    "SELECT event_id, trace_id FROM audit.audit_security_log WHERE tenant_id = 'grpc-tenant'",
  );
  assert.deepEqual(security, [{ event_id: uid, trace_id: traceId }]);
  const requests = await exporter.store.query<{ url_path: string }>(
    "SELECT url_path FROM audit.audit_request_log WHERE tenant_id = 'grpc-tenant'",
  );
  assert.deepEqual(requests, [{ url_path: '/orders' }]);
});

test('gRPC errors: no token → UNAUTHENTICATED, bad bytes → INVALID_ARGUMENT', async () => {
  const client = new grpc.Client(exporter.otlpGrpcAddress, grpc.credentials.createInsecure());
  const call = (body: Buffer, metadata: grpc.Metadata) =>
    new Promise<grpc.ServiceError | null>((resolve) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
        (value: Buffer) => value,
        (value: Buffer) => value,
        body,
        metadata,
        (error) => resolve(error),
      );
    });
  const authorized = new grpc.Metadata();
  authorized.set('authorization', `Bearer ${TOKEN}`);
  assert.equal((await call(Buffer.alloc(0), new grpc.Metadata()))?.code, grpc.status.UNAUTHENTICATED);
  assert.equal(
    (await call(Buffer.from([0xff, 0xff, 0xff, 0x0f]), authorized))?.code,
    grpc.status.INVALID_ARGUMENT,
  );
  assert.equal(await call(Buffer.alloc(0), authorized), null, 'an empty request is a valid, empty export');
  client.close();
});
