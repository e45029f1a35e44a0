import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseApiTokens, parseIngestTokens } from './config.js';
import { tempDir } from '@auditlens/test-support';

test('defaults follow DESIGN §5: embedded store, ports 4318/8080, database audit, open dev mode', () => {
  const config = loadConfig({});
  assert.equal(config.clickhouse.url, undefined);
  assert.equal(config.clickhouse.user, 'default');
  assert.equal(config.clickhouse.database, 'audit');
  assert.equal(config.otlpPort, 4318);
  assert.equal(config.apiPort, 8080);
  assert.match(config.dataDir, /\.auditlens-data$/);
  assert.equal(config.ingestTokens.size, 0);
  assert.equal(config.apiTokens.size, 0);
  assert.equal(config.spansAsRequests, true);
});

test('every invalid variable is named in one error', () => {
  assert.throws(
    () =>
      loadConfig({
        AUDITLENS_OTLP_PORT: '70000',
        AUDITLENS_CLICKHOUSE_URL: 'not a url',
        AUDITLENS_CLICKHOUSE_DATABASE: 'audit; DROP',
        AUDITLENS_SPANS_AS_REQUESTS: 'maybe',
      }),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      for (const name of [
        'AUDITLENS_OTLP_PORT',
        'AUDITLENS_CLICKHOUSE_URL',
        'AUDITLENS_CLICKHOUSE_DATABASE',
        'AUDITLENS_SPANS_AS_REQUESTS',
      ]) {
        assert.match(error.message, new RegExp(name));
      }
      return true;
    },
  );
});

test('ingest tokens map to tenants; a malformed entry is named by position, never by its text', () => {
  const tokens = parseIngestTokens('alpha:acme,globex; collector:*;sys:@system');
  assert.deepEqual([...(tokens.get('alpha')?.tenants ?? [])], ['acme', 'globex']);
  assert.deepEqual([...(tokens.get('collector')?.tenants ?? [])], ['*']);
  assert.throws(
    () => parseIngestTokens('good:acme;super-secret-token'),
    (error: Error) => /entry 2/.test(error.message) && !error.message.includes('super-secret-token'),
  );
});

test('API tokens take a role of reader or admin and optionally the tenants they may see', () => {
  const tokens = parseApiTokens('r1:reader:acme,globex;a1:admin');
  assert.equal(tokens.get('a1')?.role, 'admin');
  assert.deepEqual([...(tokens.get('a1')?.tenants ?? [])], ['*']);
  assert.deepEqual([...(tokens.get('r1')?.tenants ?? [])], ['acme', 'globex']);
  assert.throws(() => parseApiTokens('x:root'), /AUDITLENS_API_TOKENS: entry 1/);
});

test('a config file supplies AUDITLENS_* values; the environment wins', () => {
  const dir = tempDir('config');
  try {
    const file = join(dir.path, 'auditlens.json');
    writeFileSync(file, JSON.stringify({ AUDITLENS_OTLP_PORT: 5000, AUDITLENS_API_PORT: 5001 }));
    const config = loadConfig({ AUDITLENS_API_PORT: '6001' }, file);
    assert.equal(config.otlpPort, 5000);
    assert.equal(config.apiPort, 6001);
    writeFileSync(file, JSON.stringify({ OTLP_PORT: 1 }));
    assert.throws(() => loadConfig({}, file), /unknown key OTLP_PORT/);
  } finally {
    dir.remove();
  }
});

test('the retention floor is at least the statutory 180 days: it can be raised, never lowered; its source is kept', () => {
  assert.throws(
    () => loadConfig({ AUDITLENS_RETENTION_FLOOR_DAYS: '1' }),
    (error: Error) =>
      error instanceof ConfigError &&
      /AUDITLENS_RETENTION_FLOOR_DAYS: at least 180 days, the statutory minimum/.test(error.message),
  );
  assert.throws(() => loadConfig({ AUDITLENS_RETENTION_FLOOR_DAYS: '179' }), ConfigError);
  const defaults = loadConfig({}).compliance;
  assert.deepEqual(
    [defaults.retentionFloorDays, defaults.retentionFloorSetBy],
    [180, 'statutory minimum (default)'],
  );
  const raised = loadConfig({ AUDITLENS_RETENTION_FLOOR_DAYS: '365' }).compliance;
  assert.deepEqual(
    [raised.retentionFloorDays, raised.retentionFloorSetBy],
    [365, 'AUDITLENS_RETENTION_FLOOR_DAYS in the environment'],
  );
  const dir = tempDir('config-floor');
  try {
    const file = join(dir.path, 'auditlens.json');
    writeFileSync(file, JSON.stringify({ AUDITLENS_RETENTION_FLOOR_DAYS: 400 }));
    const fromFile = loadConfig({}, file).compliance;
    assert.deepEqual(
      [fromFile.retentionFloorDays, fromFile.retentionFloorSetBy],
      [400, `AUDITLENS_RETENTION_FLOOR_DAYS in ${file}`],
    );
  } finally {
    dir.remove();
  }
});
