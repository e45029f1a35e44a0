// `auditlens usage` on records sent over OTLP (request records with GenAI attributes, as any
// OpenTelemetry logger sends them) to a running exporter, read after it stopped (the embedded
// store has one owner at a time): the tables per user and model, per-currency totals, --json,
// usage errors, and the CLI's own access record.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postLogs, requestRecord, startTestExporter, tempDir } from '@auditlens/test-support';
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
