// `auditlens usage` on records sent over OTLP (request records with GenAI attributes, as any
// OpenTelemetry logger sends them) to a running exporter, read after it stopped (the embedded
// store has one owner at a time): the tables per user and model, per-currency totals, --json,
// usage errors, and the CLI's own access record.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postLogs, requestRecord, runAuditlens, startTestExporter, tempDir } from '@auditlens/test-support';
import { createStore } from '../store/index.js';
import { loadConfig } from '../config.js';
import { runCli } from '../testing/cli.js';

const call = (user: string, model: string, input: number, output: number, cost: number, currency: string) =>
  requestRecord({
    tenant: 'acme',
    attributes: {
      'user.id': user,
      'http.request.method': 'POST',
      'url.path': '/v1/chat/completions',
      'gen_ai.provider.name': 'openai',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
      'audit.usage.cost': cost,
      'audit.usage.currency': currency,
    },
  });

const run = (dataDir: string, args: string[]) =>
  runCli(args, { AUDITLENS_DATA_DIR: dataDir, AUDITLENS_LOG_LEVEL: 'silent' });

test('auditlens usage: per user and per model, totals per currency, JSON, and usage errors', async () => {
  const dir = tempDir('usage-cli');
  try {
    const exporter = await startTestExporter(dir.path);
    const answer = await postLogs(exporter.otlpUrl, [
      call('alice', 'gpt-4o', 1200, 300, 0.012, 'USD'),
      call('alice', 'gpt-4o-mini', 800, 100, 0.0005, 'USD'),
      call('bob', 'gpt-4o', 5000, 2000, 0.05, 'EUR'),
    ]);
    assert.equal(answer.status, 200);
    assert.equal(answer.json?.partialSuccess, undefined, JSON.stringify(answer.json));
    await exporter.close();

    const byUser = await run(dir.path, ['usage', '--tenant', 'acme']);
    assert.equal(byUser.code, 0, byUser.stderr);
    const lines = byUser.stdout.split('\n');
    assert.match(lines[0] ?? '', /^AI \/ API usage, tenant acme, /);
    assert.match(byUser.stdout, /^total\s+2\s+0\s+2,000\s+400\s+0\.0125 USD$/m);
    assert.match(byUser.stdout, /^total\s+1\s+0\s+5,000\s+2,000\s+0\.05 EUR$/m);
    assert.match(byUser.stdout, /^alice\s+2\s+0\s+2,000\s+400\s+0\.0125 USD$/m);
    assert.match(byUser.stdout, /^bob\s+1\s+0\s+5,000\s+2,000\s+0\.05 EUR$/m);

    const byModel = await run(dir.path, ['usage', '--tenant', 'acme', '--by', 'model', '--json']);
    assert.equal(byModel.code, 0, byModel.stderr);
    const json = JSON.parse(byModel.stdout) as {
      byModel: { key: string; currency: string; calls: number }[];
    };
    assert.deepEqual(
      json.byModel.map((r) => [r.key, r.currency, r.calls]),
      [
        ['gpt-4o', 'EUR', 1],
        ['gpt-4o', 'USD', 1],
        ['gpt-4o-mini', 'USD', 1],
      ],
    );

    const bad = await run(dir.path, ['usage', '--tenant', 'acme', '--by', 'colour']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--by: one of user, model, provider, tenant, day/);
    const badLimit = await run(dir.path, ['usage', '--tenant', 'acme', '--limit', '0']);
    assert.equal(badLimit.code, 2);
    assert.match(badLimit.stderr, /--limit: /);

    // Each successful read left its audit.access record.
    const store = await createStore(loadConfig({ AUDITLENS_DATA_DIR: dir.path }));
    try {
      const [row] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM audit.audit_access_log WHERE resource = 'auditlens usage'`,
      );
      assert.equal(Number(row?.n), 2);
    } finally {
      await store.close();
    }
  } finally {
    dir.remove();
  }
});

test('auditlens usage beside a running exporter reads through its API, with the same answer as the store', async () => {
  const dir = tempDir('usage-cli-api');
  const READER = 'usage-reader-token';
  const period = [
    '--from',
    new Date(Date.now() - 3_600_000).toISOString(),
    '--to',
    new Date(Date.now() + 3_600_000).toISOString(),
  ];
  try {
    const exporter = await startTestExporter(dir.path, {
      apiTokens: new Map([[READER, { role: 'reader' as const, tenants: new Set(['acme']) }]]),
    });
    let viaApi: string;
    try {
      const answer = await postLogs(exporter.otlpUrl, [
        call('alice', 'gpt-4o', 1200, 300, 0.012, 'USD'),
        call('bob', 'gpt-4o', 5000, 2000, 0.05, 'EUR'),
      ]);
      assert.equal(answer.status, 200);
      // The exporter holds the embedded store: the command goes through its API, with a reader token.
      const beside = await runAuditlens(['usage', '--tenant', 'acme', '--by', 'model', ...period, '--json'], {
        AUDITLENS_DATA_DIR: dir.path,
        AUDITLENS_API_URL: exporter.apiUrl,
        AUDITLENS_API_TOKEN: READER,
        AUDITLENS_LOG_LEVEL: 'silent',
      });
      assert.equal(beside.code, 0, beside.stderr);
      assert.match(beside.stderr, /using the exporter's API at http/);
      viaApi = beside.stdout;
      const other = await runAuditlens(['usage', '--tenant', 'other', ...period, '--api', exporter.apiUrl], {
        AUDITLENS_DATA_DIR: dir.path,
        AUDITLENS_API_TOKEN: READER,
        AUDITLENS_LOG_LEVEL: 'silent',
      });
      assert.notEqual(other.code, 0, 'a token bound to acme reads no other tenant');
    } finally {
      await exporter.close();
    }
    const direct = await run(dir.path, ['usage', '--tenant', 'acme', '--by', 'model', ...period, '--json']);
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stderr, /using the embedded store in .* directly/);
    assert.deepEqual(JSON.parse(direct.stdout), JSON.parse(viaApi));
    assert.equal((JSON.parse(viaApi) as { byModel: unknown[] }).byModel.length, 2);
  } finally {
    dir.remove();
  }
});
