// No import cycle in any workspace (issue 22): a file that imports, directly or through others,
// a file that imports it back means an interface lives in the wrong file. Type-only imports count:
// they are cycles of ownership even when no load order breaks.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp.js';
import { REPOSITORY_ROOT, workspaces } from '../workspaces.js';
import { importCycles, importGraph } from './import-graph.js';

test('no workspace has an import cycle', () => {
  const checked: string[] = [];
  for (const workspace of workspaces()) {
    const root = join(REPOSITORY_ROOT, workspace.dir);
    const graph = importGraph([join(root, 'src'), join(root, 'tests'), join(root, 'scripts')]);
    if (graph.size === 0) continue;
    checked.push(`${workspace.dir} (${graph.size} files)`);
    const cycles = importCycles(graph, REPOSITORY_ROOT);
    assert.deepEqual(
      cycles,
      [],
      `${workspace.dir} has import cycles:\n${cycles.map((cycle) => `  ${cycle.join(' ⇄ ')}`).join('\n')}`,
    );
  }
  // The check saw the code: the SDK, the exporter and the plugin at least.
  for (const dir of ['sdk', 'exporter-service', 'grafana-plugin']) {
    assert.ok(
      checked.some((entry) => entry.startsWith(`${dir} `)),
      `${dir} was not checked: ${checked.join(', ')}`,
    );
  }
});

test('the cycle check finds a type-only cycle through three files, and nothing in a tree without one', () => {
  const dir = tempDir('import-cycles');
  try {
    const src = join(dir.path, 'src');
    mkdirSync(join(src, 'feature'), { recursive: true });
    writeFileSync(
      join(src, 'modules.ts'),
      "import { feature } from './feature/module.js';\nexport const all = [feature];\n",
    );
    writeFileSync(
      join(src, 'feature', 'module.ts'),
      "import { routes } from './routes.js';\nexport const feature = routes;\n",
    );
    writeFileSync(
      join(src, 'feature', 'routes.ts'),
      "import type { all } from '../modules.js';\nexport const routes = 1;\n",
    );
    writeFileSync(
      join(src, 'leaf.tsx'),
      "import { routes } from './feature/routes';\nexport const leaf = routes;\n",
    );
    assert.deepEqual(importCycles(importGraph([src]), dir.path), [
      ['src/feature/module.ts', 'src/feature/routes.ts', 'src/modules.ts'],
    ]);

    writeFileSync(join(src, 'feature', 'routes.ts'), 'export const routes = 1;\n');
    assert.deepEqual(importCycles(importGraph([src]), dir.path), []);
  } finally {
    dir.remove();
  }
});
