import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { parseHeaderList, resolveEndpoint } from './config.js';

test('OTEL_* variables configure endpoint, headers, protocol, compression and service name', () => {
  const resolved = resolveEndpoint(
    {},
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=t1',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
      OTEL_SERVICE_NAME: 'billing',
      AUDITLENS_DATA_DIR: '/var/lib/auditlens',
    },
  );
  assert.equal(resolved.logsUrl, 'http://collector:4318/v1/logs');
  assert.equal(resolved.tracesUrl, 'http://collector:4318/v1/traces');
  assert.deepEqual(resolved.headers, { authorization: 'Bearer abc', 'x-tenant': 't1' });
  assert.equal(resolved.encoding, 'json');
  assert.equal(resolved.compression, 'none');
  assert.equal(resolved.serviceName, 'billing');
  assert.equal(resolved.spoolDir, path.join('/var/lib/auditlens', 'spool', 'billing'));
});

test('signal-specific endpoint variables are used as given; options win over variables', () => {
  const env = {
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/custom',
    OTEL_EXPORTER_OTLP_HEADERS: 'a=1',
  };
  assert.equal(resolveEndpoint({}, env).logsUrl, 'http://logs:9999/custom');
  const explicit = resolveEndpoint(
    { endpoint: 'http://mine:4318', headers: { a: '2' }, spoolDir: false },
    env,
  );
  assert.equal(explicit.logsUrl, 'http://mine:4318/v1/logs');
  assert.deepEqual(explicit.headers, { a: '2' });
  assert.equal(explicit.spoolDir, undefined);
});

test('defaults: localhost:4318, protobuf, gzip, service name from OTEL_RESOURCE_ATTRIBUTES', () => {
  const resolved = resolveEndpoint(
    {},
    { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=shop' },
  );
  assert.equal(resolved.logsUrl, 'http://localhost:4318/v1/logs');
  assert.equal(resolved.encoding, 'protobuf');
  assert.equal(resolved.compression, 'gzip');
  assert.equal(resolved.serviceName, 'shop');
});

test('parseHeaderList ignores malformed pairs', () => {
  assert.deepEqual(parseHeaderList('a=1,,=x,b, c = d%3D'), { a: '1', c: 'd=' });
});
