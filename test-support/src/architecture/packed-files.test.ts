// No test code in a published package (issue 22): `npm pack --dry-run` of every workspace that is
// not private lists neither tests nor test support, and every JavaScript file it would publish is
// the output of a source file of the package's own build (tsconfig.json, which excludes tests).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPOSITORY_ROOT, workspaces, type Workspace } from '../workspaces.js';

/** Paths that are tests or test support by the repository's conventions. */
const TEST_CODE = /(\.test\.|\.soak\.|\.spec\.|(^|\/)(testing|e2e|soak|bench|tests?)\/|tsbuildinfo)/;

function packedFiles(workspace: Workspace): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(REPOSITORY_ROOT, workspace.dir),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [pack] = JSON.parse(output) as { files: { path: string }[] }[];
  assert.ok(pack, `npm pack --dry-run of ${workspace.dir} listed nothing`);
  return pack.files.map((file) => file.path);
}

/** dist/…/name.js for every source file the package's build compiles. */
function builtFiles(workspace: Workspace): Set<string> {
  const dir = join(REPOSITORY_ROOT, workspace.dir);
  const config = ts.getParsedCommandLineOfConfigFile(
    join(dir, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  assert.ok(config, `${workspace.dir}/tsconfig.json could not be read`);
  const { rootDir = dir, outDir = dir } = config.options;
  return new Set(
    config.fileNames.map((source) =>
      relative(dir, join(outDir, relative(rootDir, source))).replace(/\.tsx?$/, '.js'),
    ),
  );
}

const published = workspaces().filter((workspace) => !workspace.private);

test('the published packages are the contract, the SDK and the exporter', () => {
  assert.deepEqual(published.map((workspace) => workspace.name).sort(), [
    '@auditlens/contract',
    '@auditlens/exporter',
    '@auditlens/sdk',
  ]);
});

for (const workspace of published) {
  test(`npm pack of ${workspace.name} holds no test file and only what its build compiles`, () => {
    const files = packedFiles(workspace);
    const built = builtFiles(workspace);
    assert.ok(files.includes('dist/index.js'), `${workspace.name} packs no dist/index.js: is it built?`);
    assert.deepEqual(
      files.filter((path) => TEST_CODE.test(path)),
      [],
      `${workspace.name} would publish test code`,
    );
    assert.deepEqual(
      files.filter((path) => path.startsWith('dist/') && path.endsWith('.js') && !built.has(path)),
      [],
      `${workspace.name} would publish JavaScript that its build (tsconfig.json) does not compile — test ` +
        `support, or a stale build output (remove ${workspace.dir}/dist and build again)`,
    );
  });
}
