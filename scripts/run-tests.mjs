// Runs every compiled test file of the workspaces with node's own test runner.
// Node 20 has no glob support in `--test`, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['sdk/dist', 'exporter-service/dist', 'examples/demo-app/dist'];
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
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const files = roots.flatMap(testFiles).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
