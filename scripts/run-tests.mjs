// Runs the repository's test suites and ends with one line: "N passed, N failed".
//   0. when collector tests are among them, builds (or reuses) the collector distribution first
//      (npm run collector:build), so that parallel test files do not build it at the same time;
//   1. node's own test runner over every compiled workspace test (*.test.js under */dist) and the
//      Grafana plugin's dashboard-SQL test (node:test, against ClickHouse filled over OTLP);
//   2. the Grafana plugin's jest suite (Testing Library + msw);
//   3. the Grafana plugin in Grafana's own way: build and package it, validate the package, check the
//      test host's model of Grafana's plugin proxy, and run every page of the BUILT module.js in
//      the Grafana 12 and 13 test hosts (Debian chromium + playwright-core).
// Arguments filter the node suite by path and skip the others (e.g. `node scripts/run-tests.mjs sdk`).
// Node 20 has no glob support in `--test`, so the files are listed here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const NODE_ROOTS = [
  'sdk/dist',
  'exporter-service/dist',
  'test-support/dist',
  'collector/dist',
  'examples/demo-app/dist',
  'grafana-plugin/tests/dashboards',
  'grafana-plugin/tests/deployment',
];
const only = process.argv.slice(2);

function testFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.js') || name.endsWith('.test.mjs') ? [path] : [];
  });
}

/** A suite still running after this long is stopped and counted as failed (CI has a time limit). */
const SUITE_DEADLINE_MS = 25 * 60_000;

/** Runs a command with its output shown and kept, resolving with the exit code and the text. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const deadline = setTimeout(() => {
      process.stderr.write(
        `\n${command} ${args[0]} … still running after ${SUITE_DEADLINE_MS / 60_000} min: stopped\n`,
      );
      process.kill(-child.pid, 'SIGKILL');
    }, SUITE_DEADLINE_MS);
    let text = '';
    const keep = (stream, target) =>
      stream.on('data', (chunk) => {
        target.write(chunk);
        text += chunk.toString();
      });
    keep(child.stdout, process.stdout);
    keep(child.stderr, process.stderr);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code: code ?? 1, text });
    });
  });
}

const lastNumber = (text, pattern) => {
  const matches = [...text.matchAll(pattern)];
  return matches.length > 0 ? Number(matches.at(-1)[1]) : 0;
};

/** Counts from node's spec reporter ("ℹ pass N") or jest's summary ("Tests: … N passed"). */
function counts(text) {
  return {
    passed: lastNumber(text, /^ℹ pass (\d+)/gm) + lastNumber(text, /^Tests:.*?(\d+) passed/gm),
    failed: lastNumber(text, /^ℹ fail (\d+)/gm) + lastNumber(text, /^Tests:.*?(\d+) failed/gm),
  };
}

const files = NODE_ROOTS.flatMap(testFiles).filter(
  (f) => only.length === 0 || only.some((o) => f.includes(o)),
);
if (files.length === 0) {
  // node --test with no file would run every test it finds instead.
  console.error(`no test file under ${NODE_ROOTS.join(', ')} matches ${only.join(' ')}`);
  process.exit(1);
}
const suites = [
  [
    process.execPath,
    ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  ],
];
if (only.length === 0) {
  suites.push(['npm', ['test', '--workspace', 'grafana-plugin']]);
  suites.push(['npm', ['run', 'test:grafana', '--workspace', 'grafana-plugin']]);
}

let passed = 0;
let failed = 0;
let exitCode = 0;
if (files.some((f) => f.startsWith('collector/'))) {
  const build = await run(process.execPath, ['scripts/build-collector.mjs']);
  if (build.code !== 0) {
    // The collector tests fail on their own, each naming the missing binary.
    failed += 1;
    exitCode = 1;
  }
}
for (const [command, args] of suites) {
  const result = await run(command, args);
  const suite = counts(result.text);
  passed += suite.passed;
  failed += suite.failed;
  if (result.code !== 0) {
    exitCode = 1;
    // A suite that failed without reporting a failed test (a crash, a build error) still counts.
    if (suite.failed === 0) failed += 1;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode);
