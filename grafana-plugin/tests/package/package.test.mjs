// The packaged plugin (`npm run package`: artifacts/<id>-<version>.zip) passes the rules of Grafana's
// plugin schema and of grafana/plugin-validator that apply to an unsigned app
// (scripts/validate-plugin.mjs), has Grafana's install layout and a matching checksum, and declares
// exactly the Grafana versions it can load in. Each rule is also shown to catch the defect it is for.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { readArchive, validatePluginFiles } from '../../scripts/validate-plugin.mjs';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packageJson = JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8'));
const ID = 'auditlens-audit-app';
const zipPath = join(pluginDir, 'artifacts', `${ID}-${packageJson.version}.zip`);
const files = existsSync(zipPath) ? readArchive(zipPath) : new Map();
const pluginJson = () => JSON.parse(files.get(`${ID}/plugin.json`).toString('utf8'));

/** The archive with plugin.json changed by `edit`, or with `path` replaced/removed. */
function variant({ edit, path, data }) {
  const copy = new Map(files);
  if (edit) {
    const plugin = pluginJson();
    edit(plugin);
    copy.set(`${ID}/plugin.json`, Buffer.from(JSON.stringify(plugin)));
  }
  if (path && data === undefined) copy.delete(path);
  else if (path) copy.set(path, data);
  return validatePluginFiles(copy, packageJson);
}

test('the package passes every schema and validator rule', () => {
  assert.ok(files.size > 0, `${zipPath} missing: run \`npm run package -w grafana-plugin\``);
  assert.deepEqual(validatePluginFiles(files, packageJson), []);
});

test("Grafana's install layout: one <id>/ folder with module.js and plugin.json; the checksum matches", () => {
  assert.ok([...files.keys()].every((path) => path.startsWith(`${ID}/`)));
  for (const file of ['module.js', 'module.js.map', 'plugin.json', 'README.md', 'CHANGELOG.md', 'LICENSE'])
    assert.ok(files.has(`${ID}/${file}`), file);
  const md5 = createHash('md5').update(readFileSync(zipPath)).digest('hex');
  assert.equal(readFileSync(`${zipPath}.md5`, 'utf8').split(/\s+/)[0], md5);
});

test('grafanaDependency admits exactly the Grafana versions that share react/jsx-runtime', () => {
  // Grafana shares react/jsx-runtime (sharedDependencies.ts) from 12.3.0 and in the 12.0.10, 12.1.7
  // and 12.2.5 patch releases (grafana/grafana#108478 and its backports #117501, #117502, #117503);
  // module.js depends on it, so it cannot load in any other 12.x.
  const range = pluginJson().dependencies.grafanaDependency;
  const loads = [
    '12.0.10',
    '12.0.11',
    '12.1.7',
    '12.1.8',
    '12.2.5',
    '12.2.9',
    '12.3.0',
    '12.4.10',
    '13.0.0',
    '13.2.3',
  ];
  const cannot = ['11.6.11', '12.0.0', '12.0.9', '12.1.0', '12.1.6', '12.2.0', '12.2.4'];
  for (const version of loads) assert.ok(semver.satisfies(version, range), `${range} must admit ${version}`);
  for (const version of cannot)
    assert.ok(!semver.satisfies(version, range), `${range} must refuse ${version}`);
});

test('each rule catches its defect', () => {
  const expect = (problems, pattern) =>
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `expected a problem matching ${pattern}, got ${JSON.stringify(problems)}`,
    );
  // Grafana's schema: a role has name, description and permissions only (Grafana derives the
  // display name from `name`).
  expect(
    variant({ edit: (p) => (p.roles[0].role.displayName = 'AuditLens Reader') }),
    /roles\[0\]\.role\.displayName: is not allowed/,
  );
  // semver reads ">= 12.0.10"; Grafana's schema pattern does not.
  expect(variant({ edit: (p) => (p.dependencies.grafanaDependency = '>= 12.0.10') }), /grafanaDependency/);
  expect(variant({ edit: (p) => (p.routes[0].path = '') }), /routes\[0\]\.path/);
  expect(
    variant({ edit: (p) => (p.info.screenshots = []) }),
    /screenshots: plugin\.json lists no screenshot/,
  );
  expect(variant({ edit: (p) => (p.info.logos.small = './img/logo.svg') }), /metadatapaths: small logo/);
  expect(variant({ edit: (p) => (p.routes[0].reqAction = `${ID}.unknown:read`) }), /which no role grants/);
  expect(variant({ edit: (p) => (p.info.version = '0.0.9') }), /version: plugin 0\.0\.9 differs/);
  expect(variant({ path: `${ID}/LICENSE` }), /license: LICENSE is missing/);
  expect(variant({ path: `${ID}/CHANGELOG.md` }), /changelog/);
  expect(variant({ path: `${ID}/module.js.map` }), /jssourcemap/);
  expect(variant({ path: `${ID}/README.md`, data: Buffer.from('# x\n<!-- todo -->') }), /readme: .*comments/);
  const shot = pluginJson().info.screenshots[0].path;
  expect(variant({ path: `${ID}/${shot}`, data: Buffer.from('<html>not an image</html>') }), /not a PNG/);
  expect(
    variant({ path: `${ID}/img/logo.svg`, data: Buffer.from('<svg><script>x()</script></svg>') }),
    /unsafesvg/,
  );
  const nested = new Map([...files].map(([path, data]) => [`dist/${path}`, data]));
  expect(validatePluginFiles(nested, packageJson), /archive/);
});
