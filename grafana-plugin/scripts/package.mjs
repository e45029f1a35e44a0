// Packages the built plugin (dist/, from `npm run build`) the way Grafana installs it: a zip whose
// single root folder is the plugin id (`auditlens-audit-app/module.js`, `auditlens-audit-app/plugin.json`,
// …), the layout `grafana cli plugins install --pluginUrl` and GF_PLUGINS_PREINSTALL accept and the
// plugin validator checks, plus its MD5 checksum (the sum the validator compares). Writes
// artifacts/<id>-<version>.zip and .zip.md5, and refuses to package a dist/ that fails
// scripts/validate-plugin.mjs.
//   npm run package -w grafana-plugin
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { validatePluginFiles } from './validate-plugin.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** dist/ as archive entries under `<id>/`, with fixed times so the same build zips to the same bytes. */
export function packagePlugin(distDir = join(root, 'dist'), outDir = join(root, 'artifacts')) {
  const plugin = JSON.parse(readFileSync(join(distDir, 'plugin.json'), 'utf8'));
  const entries = {};
  for (const path of filesUnder(distDir).sort()) {
    const name = `${plugin.id}/${relative(distDir, path).split(sep).join('/')}`;
    entries[name] = [readFileSync(path), { mtime: new Date('2000-01-01T00:00:00Z') }];
  }
  const zipPath = join(outDir, `${plugin.id}-${plugin.info.version}.zip`);
  // A package that fails validation must not leave an older valid one behind.
  rmSync(zipPath, { force: true });
  rmSync(`${zipPath}.md5`, { force: true });
  const zip = zipSync(entries, { level: 9 });
  const problems = validatePluginFiles(
    new Map(Object.entries(entries).map(([name, [data]]) => [name, data])),
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')),
  );
  if (problems.length > 0) throw new Error(`the plugin fails validation:\n  ${problems.join('\n  ')}`);
  mkdirSync(outDir, { recursive: true });
  const md5 = createHash('md5').update(zip).digest('hex');
  writeFileSync(zipPath, zip);
  writeFileSync(`${zipPath}.md5`, `${md5}  ${plugin.id}-${plugin.info.version}.zip\n`);
  return { zipPath, md5, files: Object.keys(entries).length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { zipPath, md5, files } = packagePlugin();
    console.log(`${relative(process.cwd(), zipPath)}: ${files} files, md5 ${md5}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
