// The CLI beside a running exporter (issue 20): while `auditlens serve` holds the embedded store,
// every command works through its REST API (found in the data directory, or --api), with the token
// from AUDITLENS_API_TOKEN, and says so; once it stops, the same commands open the store and print
// the same. Listings are tables or --json; a closed pipe and a mistyped option end cleanly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExporterProcess, freePort, runAuditlens, tempDir, type AuditlensRun } from '@auditlens/test-support';

const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));
const TOKEN = 'cli-admin-token-0123456789';

const viaApi = (run: AuditlensRun, apiUrl: string) =>
  assert.ok(
    run.stderr.includes(`using the exporter's API at ${apiUrl}`),
    `expected the API at ${apiUrl}; stderr: ${run.stderr}`,
  );
const direct = (run: AuditlensRun) =>
  assert.match(run.stderr, /using the embedded store in .*clickhouse directly/, run.stderr);
const ok = (run: AuditlensRun) => assert.equal(run.code, 0, `exit ${String(run.code)}: ${run.stderr}`);

test('beside a running exporter the CLI uses its API, after it the store, with the same output', async () => {
  const dir = tempDir('cli-beside');
  const dataDir = join(dir.path, 'data');
  const env = { AUDITLENS_DATA_DIR: dataDir };
  const exporter = await ExporterProcess.start({ ...env, AUDITLENS_API_TOKENS: `${TOKEN}:admin` });
  try {
    const withToken = { ...env, AUDITLENS_API_TOKEN: TOKEN };
    assert.ok(
      existsSync(join(dataDir, 'exporter.json')),
      'the exporter announces itself in its data directory',
    );

    // No token: the API refuses, and the CLI says which variable to set (a usage error, not a lock trace).
    const refused = await runAuditlens(['retention', 'list'], env);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /refused the call \(missing-token\): set AUDITLENS_API_TOKEN/);
    assert.doesNotMatch(refused.stderr, /Cannot lock file/);

    const created = await runAuditlens(
      ['retention', 'set', '--table', 'audit_admin_log', '--module', 'PAYMENT', '--online', '400'],
      withToken,
    );
    ok(created);
    viaApi(created, exporter.apiUrl);
    const [policy] = JSON.parse(created.stdout) as { id: string; retentionDays: number }[];
    assert.equal(policy?.retentionDays, 400);

    const commands: string[][] = [
      ['retention', 'list'],
      ['retention', 'list', '--json'],
      ['rules', 'list'],
      ['rules', 'list', '--json'],
      ['migrate'],
    ];
    const throughApi = [];
    for (const args of commands) {
      const run = await runAuditlens(args, withToken);
      ok(run);
      viaApi(run, exporter.apiUrl);
      throughApi.push(run.stdout);
    }
    assert.match(throughApi[0] ?? '', /^ID +TABLE +MODULE +RISK +ONLINE +TOTAL +DELETE +ENABLED +NAME\n/);
    assert.match(throughApi[0] ?? '', new RegExp(`^${policy?.id} +audit_admin_log +PAYMENT +any +400 `, 'm'));
    assert.match(throughApi[0] ?? '', /legal retention floor: 180 days\n$/);
    assert.ok(
      (JSON.parse(throughApi[1] ?? '') as { policies: { id: string }[] }).policies.some(
        (p) => p.id === policy?.id,
      ),
    );
    assert.match(
      throughApi[2] ?? '',
      /^ID +KIND +STATE +TENANT +ORIGIN\nbuiltin\.\S+ +threshold +enabled +\* +built-in/,
    );

    const verified = await runAuditlens(['verify', '--tenant', 'acme', '--json'], withToken);
    assert.equal(verified.code, 3, verified.stderr); // no data: nothing was verified
    viaApi(verified, exporter.apiUrl);
    assert.equal((JSON.parse(verified.stdout) as { verdict: string }).verdict, 'no_data');
    const report = await runAuditlens(
      ['report', '--tenant', 'acme', '--framework', 'mlps3', '--period', 'daily', '--format', 'json'],
      withToken,
    );
    ok(report);
    viaApi(report, exporter.apiUrl);
    assert.equal((JSON.parse(report.stdout) as { framework: { id: string } }).framework.id, 'mlps3');

    // grafana sync goes through the exporter too, with the exporter's Grafana settings.
    const sync = await runAuditlens(['grafana', 'sync', '--dry-run'], withToken);
    viaApi(sync, exporter.apiUrl);
    assert.equal(sync.code, 2, sync.stderr);
    assert.match(
      sync.stderr,
      /the exporter's API answered 409: Grafana is not configured on the exporter \(AUDITLENS_GRAFANA_URL/,
    );

    // --api names the API explicitly; one that does not answer is an error naming it.
    const named = await runAuditlens(['rules', 'list', '--json', '--api', exporter.apiUrl], {
      AUDITLENS_DATA_DIR: join(dir.path, 'elsewhere'),
      AUDITLENS_API_TOKEN: TOKEN,
    });
    ok(named);
    assert.match(named.stderr, /using the exporter's API at .* \(--api\)/);
    assert.equal(named.stdout, throughApi[3]);
    const closedPort = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await runAuditlens(['retention', 'list'], { ...env, AUDITLENS_API_URL: closedPort });
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, new RegExp(`could not reach the exporter's API at ${closedPort}`));

    // Stopped: the same commands on the store itself, the same output.
    await exporter.stop();
    assert.ok(!existsSync(join(dataDir, 'exporter.json')), 'a stopped exporter withdraws its announcement');
    for (const [index, args] of commands.entries()) {
      const run = await runAuditlens(args, env);
      ok(run);
      direct(run);
      assert.equal(run.stdout, throughApi[index], `auditlens ${args.join(' ')}: the same output either way`);
    }
    // The API's access records of tenant acme (the verify and report above) are sealed and intact.
    const verifiedDirect = await runAuditlens(['verify', '--tenant', 'acme', '--json'], env);
    assert.equal(verifiedDirect.code, 0, verifiedDirect.stderr);
    direct(verifiedDirect);
    assert.equal((JSON.parse(verifiedDirect.stdout) as { verdict: string }).verdict, 'intact');

    // A SIGKILLed exporter leaves its file behind: a dead pid is no running exporter.
    await exporter.restart();
    await exporter.kill('SIGKILL');
    assert.ok(existsSync(join(dataDir, 'exporter.json')));
    const afterKill = await runAuditlens(['retention', 'list', '--json'], env);
    ok(afterKill);
    direct(afterKill);
  } finally {
    await exporter.kill('SIGKILL');
    dir.remove();
  }
});

test('a store held by a process that did not announce itself: a clear error, not a lock trace', async () => {
  const dir = tempDir('cli-locked');
  const env = { AUDITLENS_DATA_DIR: dir.path };
  const exporter = await ExporterProcess.start(env);
  try {
    rmSync(join(dir.path, 'exporter.json'));
    const run = await runAuditlens(['retention', 'list'], env);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /the embedded store in .* is in use by process \d+ \(an exporter or another auditlens command\) .* --api URL or AUDITLENS_API_URL/,
    );
    assert.doesNotMatch(run.stderr, /DB::Exception|Cannot lock/);
  } finally {
    await exporter.kill('SIGKILL');
    dir.remove();
  }
});

test('migrate --print | head -1 ends quietly', async () => {
  // pipefail: the exit status is the command's own, not head's.
  const child = spawn('bash', ['-o', 'pipefail', '-c', '"$NODE" "$BIN" migrate --print | head -1'], {
    env: { PATH: process.env.PATH ?? '', NODE: process.execPath, BIN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stdout, 'CREATE DATABASE IF NOT EXISTS audit;\n');
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('unknown and mistyped options are usage errors that name the option', async () => {
  const mistyped = await runAuditlens(
    ['report', '--tenant', 'acme', '--framework', 'mlps3', '--period', 'daily', '----at', '2026-01-01'],
    {},
  );
  assert.equal(mistyped.code, 2);
  assert.match(mistyped.stderr, /unknown option '----at'\n\(Did you mean --at\?\)/);
  const typo = await runAuditlens(['retention', 'list', '--jsn'], {});
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown option '--jsn'\n\(Did you mean --json\?\)/);
  const extra = await runAuditlens(['retention', 'list', 'everything'], {});
  assert.equal(extra.code, 2);
  assert.match(extra.stderr, /too many arguments for 'list'/);
});
