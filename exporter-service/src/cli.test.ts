import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@auditlens/test-support';
import { runCli } from './testing/cli.js';

const BIN = fileURLToPath(new URL('../bin/auditlens.js', import.meta.url));

const run = runCli;

test('auditlens migrate creates the schema once; running it again reports it current', async () => {
  const dir = tempDir('cli');
  try {
    const first = await run(['migrate'], { AUDITLENS_DATA_DIR: dir.path });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied migrations 1/);
    const second = await run(['migrate'], { AUDITLENS_DATA_DIR: dir.path });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /schema is current/);
  } finally {
    dir.remove();
  }
});

test('auditlens migrate --print --cluster prints the replicated DDL without touching a store', async () => {
  const result = await run(['migrate', '--print', '--cluster', 'auditlens'], {});
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /CREATE TABLE IF NOT EXISTS audit\.audit_security_log_local ON CLUSTER auditlens/,
  );
});

test('with AUDITLENS_MIGRATE_ON_START=false, serve refuses a store whose schema is missing', async () => {
  const dir = tempDir('cli-no-migrate');
  try {
    const env = {
      AUDITLENS_DATA_DIR: dir.path,
      AUDITLENS_OTLP_PORT: '0',
      AUDITLENS_OTLP_GRPC_PORT: '0',
      AUDITLENS_API_PORT: '0',
    };
    const refused = await run(['serve'], { ...env, AUDITLENS_MIGRATE_ON_START: 'false' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /missing or out of date .* run `auditlens migrate`/);
  } finally {
    dir.remove();
  }
});

test('invalid configuration exits 2 with a message naming the variable', async () => {
  const result = await run(['migrate'], { AUDITLENS_CLICKHOUSE_DATABASE: 'x-y' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /AUDITLENS_CLICKHOUSE_DATABASE/);
});

test('auditlens serve answers health checks, logs no secrets, and stops cleanly on SIGTERM', async () => {
  const dir = tempDir('cli-serve');
  try {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        AUDITLENS_DATA_DIR: dir.path,
        AUDITLENS_OTLP_PORT: '0',
        AUDITLENS_OTLP_GRPC_PORT: '0',
        AUDITLENS_API_PORT: '0',
        AUDITLENS_HOST: '127.0.0.1',
        AUDITLENS_INGEST_TOKENS: 'supersecret-ingest-token:acme',
        AUDITLENS_CLICKHOUSE_PASSWORD: 'supersecret-password',
      },
    });
    let output = '';
    const apiUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"apiUrl":"([^"]+)"/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`serve exited early: ${output}`)));
    });
    assert.match(output, /AUDITLENS_API_TOKENS is not set: DEV MODE/);
    assert.doesNotMatch(output, /AUDITLENS_INGEST_TOKENS is not set/);
    const ready = await fetch(`${apiUrl}/readyz`);
    assert.equal(ready.status, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.match(output, /exporter stopped/);
    assert.doesNotMatch(output, /supersecret/);
  } finally {
    dir.remove();
  }
});

test('outside the repository, npx --prefix <repository> auditlens runs the CLI', async () => {
  const dir = tempDir('cli-elsewhere');
  try {
    const repository = fileURLToPath(new URL('../../', import.meta.url));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('npx', ['--no-install', '--prefix', repository, 'auditlens', 'migrate', '--help'], {
        cwd: dir.path,
        env: { PATH: process.env.PATH ?? '', HOME: dir.path },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: auditlens migrate/);
  } finally {
    dir.remove();
  }
});
