// Shared by the embedded and server-store integration tests: the official OpenTelemetry JS
// exporters (not our SDK) send every audit kind, over protobuf and over JSON, to a running
// exporter; each row is then read back from ClickHouse with its trace linkage.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { context, trace, SpanKind, type Span } from '@opentelemetry/api';
import type { AnyValueMap } from '@opentelemetry/api-logs';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { RunningExporter } from '@auditlens/exporter';

export type WireEncoding = 'protobuf' | 'json';

/** Where the official exporters send: the exporter itself, or a collector in front of it. */
export interface OtlpTarget {
  otlpUrl: string;
  /** Sent with every export, e.g. an ingest token's Authorization header. */
  headers?: Record<string, string>;
}

function providers(target: OtlpTarget, encoding: WireEncoding, tenant: string) {
  const resource = resourceFromAttributes({
    'service.name': `shop-${encoding}`,
    'service.version': '1.2.3',
    'deployment.environment.name': 'test',
    'audit.tenant_id': tenant,
  });
  const logs = { url: `${target.otlpUrl}/v1/logs`, headers: target.headers ?? {} };
  const traces = { url: `${target.otlpUrl}/v1/traces`, headers: target.headers ?? {} };
  const logExporter = encoding === 'protobuf' ? new ProtoLogExporter(logs) : new JsonLogExporter(logs);
  const traceExporter =
    encoding === 'protobuf' ? new ProtoTraceExporter(traces) : new JsonTraceExporter(traces);
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor(traceExporter)],
  });
  return { loggerProvider, tracerProvider };
}

const common = (user: string): AnyValueMap => ({
  'user.id': user,
  'user.name': `${user}-name`,
  'user.roles': ['editor', 'viewer'],
  'session.id': 'sess-1',
  'client.address': '203.0.113.7',
  'user_agent.original': 'curl/8.0',
  'audit.module': 'profile',
  'audit.compliance_tags': ['PCI-10.2.1'],
});

/** Sends one of each kind inside one server span, flushes, and returns the ids to look for. */
export async function sendEveryKind(target: OtlpTarget, encoding: WireEncoding) {
  const tenant = `tenant-${encoding}`;
  const { loggerProvider, tracerProvider } = providers(target, encoding, tenant);
  const logger = loggerProvider.getLogger('official-otel-test');
  const tracer = tracerProvider.getTracer('official-otel-test');
  const dbEventId = randomUUID();
  let traceId = '';
  let spanId = '';

  const span: Span = tracer.startSpan('PUT /users/:id', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'PUT',
      'url.path': '/users/42',
      'http.route': '/users/:id',
      'http.response.status_code': 200,
      'client.address': '203.0.113.7',
      'user.id': 'u-42',
    },
  });
  const active = trace.setSpan(context.active(), span);
  traceId = span.spanContext().traceId;
  spanId = span.spanContext().spanId;
  const emit = (eventName: string, body: string, attributes: AnyValueMap): void => {
    logger.emit({ eventName, body, attributes: { ...common('u-42'), ...attributes }, context: active });
  };
  emit('audit.request', 'update profile', {
    'log.record.uid': randomUUID(),
    'http.request.method': 'PUT',
    'url.path': '/users/42',
    'url.query': 'x=1',
    'http.route': '/users/:id',
    'http.response.status_code': 200,
    'audit.duration_ms': 12.5,
    'audit.result': 'success',
    'audit.risk_level': 2,
    'audit.request.body': '{"name":"Ann","password":"***"}',
    'llm.model': 'gpt-x',
  });
  emit('audit.db_operation', 'UPDATE users', {
    'log.record.uid': dbEventId,
    'db.system.name': 'postgresql',
    'db.namespace': 'shop',
    'db.collection.name': 'users',
    'db.operation.name': 'UPDATE',
    'db.query.text': 'UPDATE users SET name = $1 WHERE id = $2',
    'audit.db.affected_rows': 1,
    'audit.db.before': '{"name":"Bob"}',
    'audit.db.after': '{"name":"Ann"}',
  });
  emit('audit.field_change', 'name changed', {
    'log.record.uid': randomUUID(),
    'db.collection.name': 'users',
    'audit.change.record_id': '42',
    'audit.change.field': 'name',
    'audit.change.old_value': 'Bob',
    'audit.change.new_value': 'Ann',
    'audit.change.type': 'UPDATE',
    'audit.change.db_event_id': dbEventId,
  });
  emit('audit.security', 'permission denied', {
    'log.record.uid': randomUUID(),
    'audit.security.event_type': 'PERMISSION_DENIED',
    'audit.security.mitre_technique': 'T1078',
    'audit.security.mitre_tactic': 'Privilege Escalation',
    'audit.result': 'denied',
    'audit.risk_level': 3,
  });
  emit('audit.admin', 'grant role', {
    'log.record.uid': randomUUID(),
    'audit.operation': 'grant_role',
    'audit.admin.target_type': 'USER',
    'audit.admin.target_id': '42',
    'audit.admin.target_name': 'ann',
    'audit.approval.required': true,
    'audit.approval.status': 'APPROVED',
    'audit.risk_level': 3,
  });
  logger.emit({ eventName: 'app.debug', body: 'not an audit record', context: active });
  span.end();

  await loggerProvider.forceFlush();
  await tracerProvider.forceFlush();
  await loggerProvider.shutdown();
  await tracerProvider.shutdown();
  return { tenant, traceId, spanId, dbEventId };
}

interface Linked {
  trace_id: string;
  span_id: string;
  tenant_id: string;
  service: string;
}

/** Reads each kind back and checks its typed columns and linkage. */
export async function assertEveryKindStored(
  exporter: RunningExporter,
  sent: Awaited<ReturnType<typeof sendEveryKind>>,
  encoding: WireEncoding,
): Promise<void> {
  const db = exporter.store.database;
  const byTrace = <T>(table: string, columns: string) =>
    exporter.store.query<T & Linked>(
      `SELECT trace_id, span_id, tenant_id, service, ${columns} FROM ${db}.${table}
       WHERE tenant_id = {tenant:String} AND trace_id = {trace:String} ORDER BY event_time, span_id`,
      { tenant: sent.tenant, trace: sent.traceId },
    );

  const requests = await byTrace<{
    http_method: string;
    url_query: string;
    duration_ms: number;
    attributes: Record<string, string>;
    user_roles: string[];
    ip_address: string;
    parent_span_id: string;
    operation_name: string;
  }>(
    'audit_request_log',
    'http_method, url_query, duration_ms, attributes, user_roles, toString(ip_address) AS ip_address, parent_span_id, operation_name',
  );
  // One from the audit.request log record, one from the HTTP server span itself.
  assert.equal(requests.length, 2, `request rows over ${encoding}`);
  const fromLog = requests.find((r) => r.url_query === 'x=1');
  const fromSpan = requests.find((r) => r.operation_name === 'PUT /users/:id');
  assert.ok(fromLog && fromSpan);
  assert.equal(fromLog.span_id, sent.spanId);
  assert.equal(fromLog.service, `shop-${encoding}`);
  assert.equal(fromLog.duration_ms, 12.5);
  assert.deepEqual(fromLog.user_roles, ['editor', 'viewer']);
  assert.equal(fromLog.ip_address, '::ffff:203.0.113.7');
  assert.equal(fromLog.attributes['llm.model'], 'gpt-x');
  assert.equal(fromLog.attributes['resource.deployment.environment.name'], undefined);
  assert.equal(fromSpan.span_id, sent.spanId);
  assert.equal(fromSpan.http_method, 'PUT');

  const [dbRow, ...moreDb] = await byTrace<{
    event_id: string;
    db_table: string;
    affected_rows: string;
    before_data: string;
  }>('audit_database_log', 'toString(event_id) AS event_id, db_table, affected_rows, before_data');
  assert.equal(moreDb.length, 0);
  assert.equal(dbRow?.event_id, sent.dbEventId);
  assert.equal(dbRow?.db_table, 'users');
  assert.equal(Number(dbRow?.affected_rows), 1);
  assert.equal(dbRow?.before_data, '{"name":"Bob"}');

  const changes = await byTrace<{
    db_event_id: string;
    field_name: string;
    old_value: string;
    new_value: string;
    change_type: string;
  }>(
    'audit_change_log',
    'toString(db_event_id) AS db_event_id, field_name, old_value, new_value, change_type',
  );
  assert.deepEqual(
    changes.map((c) => [c.db_event_id, c.field_name, c.old_value, c.new_value, c.change_type]),
    [[sent.dbEventId, 'name', 'Bob', 'Ann', 'UPDATE']],
  );

  const security = await byTrace<{
    event_type: string;
    mitre_technique: string;
    result: string;
    risk_level: number;
  }>('audit_security_log', 'event_type, mitre_technique, result, risk_level');
  assert.deepEqual(
    security.map((s) => [s.event_type, s.mitre_technique, s.result, s.risk_level]),
    [['PERMISSION_DENIED', 'T1078', 'denied', 3]],
  );

  const admin = await byTrace<{
    operation_name: string;
    target_id: string;
    approval_required: boolean;
    approval_status: string;
  }>('audit_admin_log', 'operation_name, target_id, approval_required, approval_status');
  assert.deepEqual(
    admin.map((a) => [a.operation_name, a.target_id, a.approval_required, a.approval_status]),
    [['grant_role', '42', true, 'APPROVED']],
  );
}
