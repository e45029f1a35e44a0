import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { resolveEndpoint, type EndpointOptions, type ResolvedEndpoint } from './config.js';

/**
 * Resolves with exactly `vars` as the OTEL_* and AUDITLENS_* environment (OpenTelemetry's helpers
 * read process.env), and returns the warnings OpenTelemetry's diagnostic logger received.
 */
function resolveWith(
  vars: Record<string, string>,
  options: EndpointOptions = {},
): { resolved: ResolvedEndpoint; warnings: string[] } {
  const saved = Object.entries(process.env).filter(([key]) => /^(OTEL_|AUDITLENS_)/.test(key));
  for (const [key] of saved) Reflect.deleteProperty(process.env, key);
  Object.assign(process.env, vars);
  const warnings: string[] = [];
  const record = (message: string): void => {
    warnings.push(message);
  };
  diag.setLogger(
    { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  try {
    return { resolved: resolveEndpoint(options), warnings };
  } finally {
    diag.disable();
    for (const key of Object.keys(vars)) Reflect.deleteProperty(process.env, key);
    for (const [key, value] of saved) process.env[key] = value;
  }
}

test('OTEL_* variables configure endpoint, headers, protocol, compression, timeout and service name', () => {
  const { resolved, warnings } = resolveWith({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_SERVICE_NAME: 'billing',
    AUDITLENS_DATA_DIR: '/var/lib/auditlens',
  });
  assert.equal(resolved.logsUrl, 'http://collector:4318/v1/logs');
  assert.equal(resolved.tracesUrl, 'http://collector:4318/v1/traces');
  assert.deepEqual(resolved.headers, { authorization: 'Bearer abc', 'x-tenant': 't1' });
  assert.equal(resolved.encoding, 'json');
  assert.equal(resolved.compression, 'none');
  assert.equal(resolved.timeoutMillis, 2500);
  assert.equal(resolved.serviceName, 'billing');
  assert.equal(resolved.spoolDir, path.join('/var/lib/auditlens', 'spool', 'billing'));
  assert.deepEqual(warnings, []);
});

test('signal-specific variables win over the general ones; options win over variables', () => {
  const vars = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/custom',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=1',
    OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'b=2',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '700',
  };
  const fromEnv = resolveWith(vars).resolved;
  assert.equal(fromEnv.logsUrl, 'http://logs:9999/custom');
  assert.equal(fromEnv.tracesUrl, 'http://collector:4318/v1/traces');
  assert.deepEqual(fromEnv.headers, { a: '1', b: '2' });
  assert.equal(fromEnv.timeoutMillis, 700);

  const explicit = resolveWith(vars, {
    endpoint: 'http://mine:4318',
    headers: { a: '2' },
    timeoutMillis: 100,
    spoolDir: false,
  }).resolved;
  assert.equal(explicit.logsUrl, 'http://mine:4318/v1/logs');
  assert.equal(explicit.tracesUrl, 'http://mine:4318/v1/traces');
  assert.deepEqual(explicit.headers, { a: '2', b: '2' });
  assert.equal(explicit.timeoutMillis, 100);
  assert.equal(explicit.spoolDir, undefined);
});

test('defaults: localhost:4318, protobuf, gzip, 10 s, service name from OTEL_RESOURCE_ATTRIBUTES', () => {
  const { resolved, warnings } = resolveWith({
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=shop',
  });
  assert.equal(resolved.logsUrl, 'http://localhost:4318/v1/logs');
  assert.equal(resolved.encoding, 'protobuf');
  assert.equal(resolved.compression, 'gzip');
  assert.equal(resolved.timeoutMillis, 10_000);
  assert.equal(resolved.serviceName, 'shop');
  assert.equal(resolved.spoolDir, path.join('.auditlens-data', 'spool', 'shop'));
  assert.deepEqual(warnings, []);
});

test('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES; the serviceName option wins over both', () => {
  const vars = { OTEL_SERVICE_NAME: 'billing', OTEL_RESOURCE_ATTRIBUTES: 'service.name=shop' };
  assert.equal(resolveWith(vars).resolved.serviceName, 'billing');
  assert.equal(resolveWith(vars, { serviceName: 'orders' }).resolved.serviceName, 'orders');
});

test('bad values are ignored with a warning naming the variable, and the default is used', () => {
  const { resolved, warnings } = resolveWith({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318 with spaces',
    OTEL_EXPORTER_OTLP_TIMEOUT: 'ten seconds',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'zip',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  });
  assert.equal(resolved.logsUrl, 'http://localhost:4318/v1/logs');
  assert.equal(resolved.timeoutMillis, 10_000);
  assert.equal(resolved.compression, 'gzip');
  assert.equal(resolved.encoding, 'protobuf');
  for (const name of [
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TIMEOUT',
    'OTEL_EXPORTER_OTLP_COMPRESSION',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
  ]) {
    assert.ok(
      warnings.some((warning) => warning.includes(name)),
      `a warning names ${name}: ${warnings.join(' | ')}`,
    );
  }
});

test('a negative timeout is refused with a warning; malformed header pairs are skipped', () => {
  const { resolved, warnings } = resolveWith({
    OTEL_EXPORTER_OTLP_TIMEOUT: '-5',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1,,=x,b, c = d%3D',
  });
  assert.equal(resolved.timeoutMillis, 10_000);
  assert.ok(warnings.some((warning) => warning.includes('OTEL_EXPORTER_OTLP_TIMEOUT')));
  assert.deepEqual(resolved.headers, { a: '1', c: 'd=' });
});
