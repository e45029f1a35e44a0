// Builds the AuditLens OpenTelemetry Collector distribution (collector/*.go, go.mod, go.sum) with
// the Go toolchain and prints the binary's path as its last line (`npm run collector:build`).
// The binary is kept under collector/.build/<key>/, the key being a digest of the Go sources,
// go.mod, go.sum and the Go version: a second run with nothing changed prints the path at once,
// a change rebuilds (seconds once Go's own build cache is warm; the first, cold build takes
// minutes — README, "The OpenTelemetry Collector").
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COLLECTOR_DIR = fileURLToPath(new URL('../collector/', import.meta.url));
const BUILD_DIR = join(COLLECTOR_DIR, '.build');
const BINARY_NAME = 'otelcol-auditlens';

function fail(message) {
  process.stderr.write(`collector:build: ${message}\n`);
  process.exit(1);
}

const goVersion = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
if (goVersion.error || goVersion.status !== 0) {
  fail(
    'the Go toolchain (go ≥ 1.25 on PATH) is needed to build the collector distribution in collector/: ' +
      (goVersion.error?.message ?? goVersion.stderr.trim()),
  );
}

const sources = readdirSync(COLLECTOR_DIR)
  .filter((name) => name.endsWith('.go') || name === 'go.mod' || name === 'go.sum')
  .sort();
const digest = createHash('sha256').update(goVersion.stdout.trim());
for (const name of sources) digest.update(`\0${name}\0`).update(readFileSync(join(COLLECTOR_DIR, name)));
const key = digest.digest('hex').slice(0, 16);
const binary = join(BUILD_DIR, key, BINARY_NAME);

if (!existsSync(binary)) {
  mkdirSync(join(BUILD_DIR, key), { recursive: true });
  // Built under a temporary name and renamed: a build running at the same time, or one that was
  // interrupted, never leaves a partial binary under the final name.
  const partial = `${binary}.partial-${process.pid}`;
  const started = Date.now();
  process.stderr.write(`collector:build: go build ${BINARY_NAME} (${sources.join(', ')})…\n`);
  const build = spawnSync(
    'go',
    ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', partial, '.'],
    { cwd: COLLECTOR_DIR, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (build.error || build.status !== 0) {
    rmSync(partial, { force: true });
    fail(`go build failed (${build.error?.message ?? `exit ${build.status}`})`);
  }
  renameSync(partial, binary);
  process.stderr.write(`collector:build: built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  // Only the current build is kept (each is about 65 MB).
  for (const entry of readdirSync(BUILD_DIR)) {
    if (entry !== key) rmSync(join(BUILD_DIR, entry), { recursive: true, force: true });
  }
}
console.log(binary);
