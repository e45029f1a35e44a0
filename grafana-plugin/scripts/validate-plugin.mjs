// Checks a packaged plugin against the rules Grafana and its plugin validator apply to an unsigned
// app plugin, so a defect is found here rather than by a Grafana that refuses to load the plugin or
// by a catalog review. Written from grafana/grafana's docs/sources/developers/plugins/plugin.schema.json
// (as documented in grafana/plugin-tools' reference/metadata.md, which is generated from it), from
// Grafana's plugin role registration (pkg/services/accesscontrol pluginutils) and from
// grafana/plugin-validator's analyzers named below; none of their files is copied.
// Rules that need the network or a Go toolchain (published versions, organisation, broken links,
// virus and vulnerability scans, signature) are out of scope; the plugin is unsigned, which the
// validator reports as a warning and Grafana accepts through allow_loading_unsigned_plugins.
//   node scripts/validate-plugin.mjs [artifacts/<id>-<version>.zip]
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import semver from 'semver';

// ---- plugin.json schema (the parts an app plugin can contain) ----
const str = (extra = {}) => ({ type: 'string', ...extra });
const bool = { type: 'boolean' };
const openObject = { type: 'object', open: true };
const arrayOf = (items, extra = {}) => ({ type: 'array', items, ...extra });
const object = (properties, required = []) => ({ type: 'object', properties, required });

const GRAFANA_DEPENDENCY =
  /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)?(\.[0-9x*]+)?(-[0-9A-Za-z-.]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x*]+)?(\.[0-9x*]+)?(-[0-9A-Za-z-.]+)?)?(\s\|\|\s(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)?(\.[0-9x*]+)?(-[0-9A-Za-z-.]+)?(\s(<=|>=|<|=>)?([0-9]+)(\.[0-9x*]+)?(\.[0-9x*]+)?(-[0-9A-Za-z-.]+)?)?)*$/;
const PLUGIN_ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource)$/;

const SCHEMA = object(
  {
    $schema: str(),
    id: str({ pattern: PLUGIN_ID }),
    type: str({ enum: ['app', 'datasource', 'panel', 'renderer'] }),
    name: str(),
    info: object(
      {
        author: object({ name: str(), email: str(), url: str() }),
        build: openObject,
        description: str(),
        keywords: arrayOf(str(), { minItems: 1 }),
        links: arrayOf(object({ name: str(), url: str() })),
        logos: object({ small: str(), large: str() }, ['small', 'large']),
        screenshots: arrayOf(object({ name: str(), path: str() })),
        updated: str({ pattern: /^(\d{4}-\d{2}-\d{2}|%TODAY%)$/ }),
        version: str({ pattern: /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)|(%VERSION%)$/ }),
      },
      ['logos', 'version', 'updated', 'keywords'],
    ),
    dependencies: object(
      {
        grafanaVersion: str(),
        grafanaDependency: str({ pattern: GRAFANA_DEPENDENCY }),
        plugins: arrayOf({
          ...object(
            {
              id: str({ pattern: PLUGIN_ID }),
              type: str({ enum: ['app', 'datasource', 'panel'] }),
              name: str(),
            },
            ['id', 'type', 'name'],
          ),
          open: true,
        }),
        extensions: openObject,
      },
      ['grafanaDependency'],
    ),
    alerting: bool,
    annotations: bool,
    autoEnabled: bool,
    backend: bool,
    buildMode: str(),
    builtIn: bool,
    category: str(),
    docsPath: str(),
    enterpriseFeatures: openObject,
    executable: str(),
    hideFromList: bool,
    includes: arrayOf({
      ...object(
        {
          uid: str(),
          type: str({ enum: ['dashboard', 'page', 'panel', 'datasource'] }),
          name: str(),
          component: str(),
          role: str({ enum: ['Admin', 'Editor', 'Viewer'] }),
          action: str(),
          path: str(),
          addToNav: bool,
          defaultNav: bool,
          icon: str(),
        },
        ['type'],
      ),
      open: true,
    }),
    logs: bool,
    metrics: bool,
    mixed: bool,
    multiValueFilterOperators: bool,
    pascalName: str(),
    preload: bool,
    suggestions: bool,
    queryOptions: object({ maxDataPoints: bool, minInterval: bool, cacheTimeout: bool }),
    routes: arrayOf(
      object(
        {
          path: str({ pattern: /./ }),
          method: str(),
          url: str(),
          reqSignedIn: bool,
          reqRole: str(),
          reqAction: str(),
          headers: arrayOf(openObject),
          body: openObject,
          tokenAuth: openObject,
          jwtTokenAuth: openObject,
          urlParams: arrayOf(object({ name: str(), content: str() })),
        },
        ['path'],
      ),
    ),
    skipDataQuery: bool,
    state: str({ enum: ['alpha', 'beta', 'stable', 'deprecated'] }),
    streaming: bool,
    tracing: bool,
    iam: openObject,
    roles: arrayOf(
      object({
        role: object({
          name: str(),
          description: str(),
          permissions: arrayOf(object({ action: str(), scope: str() })),
        }),
        grants: arrayOf(str({ enum: ['Viewer', 'Editor', 'Admin', 'Grafana Admin'] })),
      }),
    ),
    extensions: openObject,
    languages: arrayOf(str()),
  },
  ['type', 'name', 'id', 'info', 'dependencies'],
);

/** JSON-schema-style check of `value` against `shape`; problems as "path: what is wrong". */
function checkShape(value, shape, path, problems) {
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (kind !== shape.type) return problems.push(`${path}: must be ${shape.type}, is ${kind}`);
  if (shape.type === 'string') {
    if (shape.pattern && !shape.pattern.test(value))
      problems.push(`${path}: "${value}" does not match the schema pattern`);
    if (shape.enum && !shape.enum.includes(value))
      problems.push(`${path}: must be one of ${shape.enum.join(', ')}`);
  } else if (shape.type === 'array') {
    if (shape.minItems && value.length < shape.minItems)
      problems.push(`${path}: needs at least ${shape.minItems} item(s)`);
    value.forEach((item, i) => checkShape(item, shape.items, `${path}[${i}]`, problems));
  } else if (shape.type === 'object' && shape.properties) {
    for (const key of shape.required ?? []) if (!(key in value)) problems.push(`${path}.${key}: is required`);
    for (const [key, item] of Object.entries(value)) {
      const property = shape.properties[key];
      if (property) checkShape(item, property, `${path}.${key}`, problems);
      else if (!shape.open) problems.push(`${path}.${key}: is not allowed`);
    }
  }
  return problems;
}

// ---- plugin-validator analyzers and Grafana's role registration ----
const IMAGE_TYPES = [
  ['.png', (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))],
  ['.jpg', (b) => b[0] === 0xff && b[1] === 0xd8],
  ['.jpeg', (b) => b[0] === 0xff && b[1] === 0xd8],
  ['.gif', (b) => b.subarray(0, 3).toString() === 'GIF'],
  ['.svg', (b) => b.subarray(0, 512).toString().includes('<svg')],
];
const UNSAFE_SVG = /<script|<foreignObject|\son[a-z]+\s*=|javascript:|href\s*=\s*["']https?:/i;

/** The archive's root folder and its files (paths relative to that folder). */
function archiveRoot(files, problems) {
  const roots = new Set([...files.keys()].map((path) => path.split('/')[0]));
  if (roots.size !== 1)
    problems.push(`archive: needs exactly one root folder, has ${[...roots].join(', ') || 'none'}`);
  const [root] = roots;
  const inRoot = new Map(
    [...files]
      .filter(([path]) => path.startsWith(`${root}/`))
      .map(([path, data]) => [path.slice(root.length + 1), data]),
  );
  if (root === 'dist' || [...inRoot.keys()].some((path) => path.startsWith('dist/')))
    problems.push('archive: dist/ must be renamed to the plugin id');
  return { root, inRoot };
}

/**
 * Every problem Grafana or its plugin validator would report for this packaged app plugin.
 * `files` maps archive paths (`<id>/plugin.json`, …) to their bytes; `packageJson` is the workspace's.
 */
export function validatePluginFiles(files, packageJson) {
  const problems = [];
  const { root, inRoot } = archiveRoot(files, problems);
  const text = (path) => inRoot.get(path)?.toString('utf8');
  if (!inRoot.has('plugin.json')) return [...problems, 'metadata: plugin.json not found'];
  let plugin;
  try {
    plugin = JSON.parse(text('plugin.json'));
  } catch (error) {
    return [...problems, `metadata: plugin.json is not JSON (${error.message})`];
  }
  checkShape(plugin, SCHEMA, 'plugin.json', problems);
  const { id = '', info = {}, dependencies = {} } = plugin;

  // archivename, pluginname, typesuffix, discoverability
  if (root !== id) problems.push(`archivename: the archive folder is "${root}", not the plugin id "${id}"`);
  if (plugin.name === id) problems.push('pluginname: name must be human friendly, not the id');
  if (id.split('-').length < 3) problems.push(`pluginname: id "${id}" is not <org>-<name>-<type>`);
  if (id.split('-').at(-1) !== plugin.type)
    problems.push(`typesuffix: id "${id}" does not end with -${plugin.type}`);
  if (!info.description) problems.push('discoverability: info.description is empty');
  if (!info.keywords?.length) problems.push('discoverability: info.keywords is empty');
  if (/%(VERSION|TODAY|PLUGIN_ID)%/.test(text('plugin.json')))
    problems.push('build: template placeholders left in plugin.json');

  // version, grafanadependency, restrictivedep
  if (!semver.valid(info.version)) problems.push(`version: "${info.version}" is not a semantic version`);
  if (info.version !== packageJson.version)
    problems.push(`version: plugin ${info.version} differs from package.json ${packageJson.version}`);
  const range = dependencies.grafanaDependency ?? '';
  if (!semver.validRange(range)) problems.push(`grafanadependency: "${range}" is not a valid version range`);
  if (/^\d+\.\d+\.(\d+|x)$/.test(range))
    problems.push(`restrictivedep: "${range}" admits a single Grafana release`);

  // modulejs, jssourcemap, readme, templatereadme, changelog, license
  if (!inRoot.has('module.js')) problems.push('modulejs: module.js is missing');
  if (!inRoot.has('module.js.map')) problems.push('jssourcemap: module.js.map is missing');
  const readme = text('README.md') ?? '';
  if (!readme.trim()) problems.push('readme: README.md is missing or empty');
  if (/<!--/.test(readme)) problems.push('readme: README.md contains HTML comments');
  if (/Grafana (Panel|Data Source|Datasource|App|Data Source Backend) Plugin Template/i.test(readme))
    problems.push('templatereadme: README.md is the create-plugin template');
  const changelog = text('CHANGELOG.md') ?? '';
  if (!changelog.trim()) problems.push('changelog: CHANGELOG.md is missing or empty');
  else if (!changelog.includes(`## ${info.version}`))
    problems.push(`changelog: no "## ${info.version}" section`);
  const license = text('LICENSE') ?? '';
  if (!license) problems.push('license: LICENSE is missing');
  else if (!/Apache License\s+Version 2\.0/.test(license) || packageJson.license !== 'Apache-2.0')
    problems.push(
      `license: LICENSE is not the Apache-2.0 text package.json declares (${packageJson.license})`,
    );
  if (/\{name of copyright owner\}|\{yyyy\}/.test(license))
    problems.push('license: template placeholders left in LICENSE');

  // logos, screenshots, metadatapaths, unsafesvg
  const images = [
    ['small logo', info.logos?.small],
    ['large logo', info.logos?.large],
    ...(info.screenshots ?? []).map((shot) => [`screenshot "${shot.name}"`, shot.path]),
  ];
  if (!info.screenshots?.length)
    problems.push('screenshots: plugin.json lists no screenshot for the catalog');
  for (const [what, path] of images) {
    if (!path?.trim()) {
      problems.push(`logos/screenshots: ${what} has an empty path`);
      continue;
    }
    if (/^[./]/.test(path) || /^[a-z]+:/i.test(path))
      problems.push(`metadatapaths: ${what} path "${path}" must be relative, without ./ or /`);
    const data = inRoot.get(path);
    if (!data) {
      problems.push(`metadatapaths: ${what} "${path}" is not in the archive`);
      continue;
    }
    const type = IMAGE_TYPES.find(([extension]) => path.toLowerCase().endsWith(extension));
    if (!type || !type[1](data))
      problems.push(`screenshots: ${what} "${path}" is not a PNG, JPEG, GIF or SVG of its extension`);
  }
  for (const [path, data] of inRoot) {
    if (path.endsWith('.svg') && UNSAFE_SVG.test(data.toString('utf8')))
      problems.push(`unsafesvg: ${path} has scripts or external references`);
  }

  // Grafana's plugin role registration: names, actions owned by the plugin, every gate declared.
  const actions = new Set();
  for (const [i, { role = {} }] of (plugin.roles ?? []).entries()) {
    if (!role.name) problems.push(`roles[${i}]: role.name (the name Grafana shows) is required`);
    for (const { action, scope } of role.permissions ?? []) {
      actions.add(action);
      const own = action.startsWith(`${id}.`) || action.startsWith(`${id}:`);
      if (!own && !(action === 'plugins.app:access' && scope === `plugins:id:${id}`))
        problems.push(`roles[${i}]: action "${action}" does not belong to ${id}`);
    }
  }
  for (const item of [...(plugin.includes ?? []), ...(plugin.routes ?? [])]) {
    const action = item.action ?? item.reqAction;
    if (action && !actions.has(action))
      problems.push(`"${item.name ?? item.path}" needs "${action}", which no role grants`);
  }
  for (const route of plugin.routes ?? []) {
    if (
      /JsonData\.apiToken/.test(route.url ?? '') ||
      (route.headers ?? []).some((h) => /(?<!Secure)JsonData\.apiToken/.test(h.content))
    )
      problems.push(`route ${route.path}: the API token must come from SecureJsonData`);
  }
  return problems;
}

/** The files of a zip archive as a Map of path → bytes. */
export function readArchive(zipPath) {
  return new Map(
    Object.entries(unzipSync(readFileSync(zipPath)))
      .filter(([path]) => !path.endsWith('/'))
      .map(([path, data]) => [path, Buffer.from(data)]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const zipPath =
    process.argv[2] ?? join(root, 'artifacts', `auditlens-audit-app-${packageJson.version}.zip`);
  const problems = validatePluginFiles(readArchive(zipPath), packageJson);
  for (const problem of problems) console.log(`FAIL ${problem}`);
  console.log(`${zipPath}: ${problems.length === 0 ? 'valid' : `${problems.length} problem(s)`}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
