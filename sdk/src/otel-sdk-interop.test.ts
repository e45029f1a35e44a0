import { SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import express from 'express';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { AuditClient } from './audit-client.js';
import { auditMiddleware } from './express.js';
import { waitUntil, OtlpCaptureServer } from '@auditlens/test-support';

/**
 * An app that already runs the OpenTelemetry Node SDK: the SDK uses the app's tracer provider, the
 * app's spans parent our records, and our request span is a child of the app's server span.
 */
test('inside an app running the OTel Node SDK, its spans are the parents of our spans and records', async () => {
  process.env.OTEL_LOGS_EXPORTER = 'none';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  const appSpans = new InMemorySpanExporter();
  const appSpanProcessor = new SimpleSpanProcessor(appSpans);
  const sdk = new NodeSDK({ serviceName: 'host-app', spanProcessors: [appSpanProcessor] });
  sdk.start();
  const collector = await OtlpCaptureServer.start();
  const audit = new AuditClient({
    serviceName: 'host-app',
    endpoint: collector.url,
    spoolDir: false,
    handleSignals: false,
    delivery: { scheduledDelayMillis: 10 },
  });
  const tracer = trace.getTracer('host-app');
  const app = express();
  const server = http.createServer(app);
  try {
    // A job span of the app around a data operation.
    let jobTrace = '';
    let jobSpan = '';
    tracer.startActiveSpan('nightly-job', (span) => {
      jobTrace = span.spanContext().traceId;
      jobSpan = span.spanContext().spanId;
      audit.dbOperation({
        table: 'invoices',
        operation: 'UPDATE',
        recordId: 1,
        before: { s: 'a' },
        after: { s: 'b' },
      });
      span.end();
    });

    // A server span of the app (what HTTP instrumentation would create) around our middleware.
    app.use((req, res, next) => {
      tracer.startActiveSpan(`${req.method}`, { kind: SpanKind.SERVER }, (span) => {
        res.on('finish', () => span.end());
        next();
      });
    });
    app.use(auditMiddleware({ client: audit }));
    app.get('/api/invoices/:id', (_req, res) => {
      res.json({});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/invoices/9`);

    await waitUntil(
      async () => {
        await audit.forceFlush();
        return collector.deliveredLogs().some((r) => r.eventName === 'audit.request');
      },
      5000,
      'the request record',
    );
    const records = collector.deliveredLogs();
    const job = records.filter((r) => r.eventName !== 'audit.request');
    assert.equal(job.length, 2);
    assert.ok(
      job.every((r) => r.traceId === jobTrace && r.spanId === jobSpan),
      'records of the job carry its span',
    );

    // The Node SDK's resource detection is asynchronous, and a span's export waits for it: flush first.
    // (Read before shutting the SDK down: shutting down clears the in-memory exporter.)
    await appSpanProcessor.forceFlush();
    const spans = appSpans.getFinishedSpans();
    const serverSpan = spans.find((s) => s.name === 'GET' && s.kind === SpanKind.SERVER);
    const ourSpan = spans.find((s) => s.name === 'GET /api/invoices/:id');
    assert.ok(serverSpan && ourSpan, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(ourSpan.kind, SpanKind.INTERNAL);
    assert.equal(ourSpan.parentSpanContext?.spanId, serverSpan.spanContext().spanId);
    assert.equal(ourSpan.attributes['audit.recorded'], true);
    const request = records.find((r) => r.eventName === 'audit.request');
    assert.equal(request?.traceId, serverSpan.spanContext().traceId);
    assert.equal(request?.spanId, ourSpan.spanContext().spanId);
    // Our spans went through the app's pipeline, not to our endpoint.
    assert.equal(collector.requests.filter((r) => r.path === '/v1/traces').length, 0);
  } finally {
    await audit.shutdown();
    await sdk.shutdown().catch(() => undefined);
    server.closeAllConnections();
    if (server.listening) await new Promise((r) => server.close(r));
    await collector.close();
  }
});
