// Offline version of the Grafana plugin validator's checks that need no network, Go toolchain or
// signing key: run after `npm run build`. Prints one line per check, then "N passed, N failed".
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const dist = join(root, 'dist');
const results = [];
const check = (name, ok, detail = '') => results.push({ name, ok: Boolean(ok), detail });
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

check('dist/ exists (run npm run build first)', existsSync(dist));
const pluginPath = join(dist, 'plugin.json');
const plugin = existsSync(pluginPath) ? readJson(pluginPath) : {};
const pkg = readJson(join(root, 'package.json'));
const id = plugin.id ?? '';

check('plugin.json: id is <org>-<name>-app', /^[a-z0-9]+(-[a-z0-9]+)+-app$/.test(id), id);
check('plugin.json: type app', plugin.type === 'app');
check('plugin.json: name set', typeof plugin.name === 'string' && plugin.name.length > 0);
check(
  'plugin.json: version filled from package.json',
  plugin.info?.version === pkg.version,
  plugin.info?.version,
);
check(
  'plugin.json: updated date filled',
  /^\d{4}-\d{2}-\d{2}$/.test(plugin.info?.updated ?? ''),
  plugin.info?.updated,
);
check('plugin.json: description set', (plugin.info?.description ?? '').length > 20);
check('plugin.json: author set', Boolean(plugin.info?.author?.name));
check('plugin.json: keywords set', (plugin.info?.keywords ?? []).length > 0);
check(
  'plugin.json: no template placeholders left',
  !/%(VERSION|TODAY|PLUGIN_ID)%/.test(JSON.stringify(plugin)),
);
check(
  'plugin.json: grafanaDependency >= 12',
  /^>=\s*1[2-9]\./.test(plugin.dependencies?.grafanaDependency ?? ''),
  plugin.dependencies?.grafanaDependency,
);
for (const size of ['small', 'large']) {
  const logo = plugin.info?.logos?.[size];
  check(`logo ${size} exists`, logo && existsSync(join(dist, logo)), logo);
}
for (const shot of plugin.info?.screenshots ?? [])
  check(`screenshot ${shot.path} exists`, existsSync(join(dist, shot.path)));
check('module.js exists', existsSync(join(dist, 'module.js')));
check('module.js source map exists', existsSync(join(dist, 'module.js.map')));
check(
  'module.js is an AMD module',
  /define\(/.test(existsSync(join(dist, 'module.js')) ? readFileSync(join(dist, 'module.js'), 'utf8') : ''),
);
check(
  'README.md present and not a template',
  existsSync(join(dist, 'README.md')) && statSync(join(dist, 'README.md')).size > 200,
);
check('CHANGELOG.md present', existsSync(join(dist, 'CHANGELOG.md')));
const pages = (plugin.includes ?? []).filter((i) => i.type === 'page');
check('includes: pages present', pages.length >= 6, `${pages.length} pages`);
for (const page of pages) {
  check(
    `page "${page.name}" path under the app`,
    page.path?.startsWith(`/a/${id}/`) || page.path === `/plugins/${id}`,
    page.path,
  );
}
for (const dashboard of (plugin.includes ?? []).filter((i) => i.type === 'dashboard')) {
  const path = join(dist, dashboard.path);
  let uid = '';
  try {
    uid = readJson(path).uid ?? '';
  } catch {
    uid = '';
  }
  check(`dashboard ${dashboard.path} exists with a uid`, uid.length > 0, uid);
}
const actions = new Set();
for (const role of plugin.roles ?? []) {
  check(`role ${role.role?.name} named plugins:${id}:…`, role.role?.name?.startsWith(`plugins:${id}:`));
  for (const p of role.role?.permissions ?? []) {
    actions.add(p.action);
    check(
      `role action ${p.action} belongs to the plugin`,
      p.action.startsWith(`${id}.`) || (p.action === 'plugins.app:access' && p.scope === `plugins:id:${id}`),
    );
  }
}
for (const item of [...pages, ...(plugin.routes ?? [])]) {
  const action = item.action ?? item.reqAction;
  if (action) check(`"${item.name ?? item.path}" requires a declared action`, actions.has(action), action);
}
for (const route of plugin.routes ?? []) {
  check(
    `route ${route.path}: URL from jsonData`,
    /\{\{\s*\.JsonData\.exporterUrl\s*\}\}/.test(route.url ?? ''),
  );
  check(
    `route ${route.path}: token from secureJsonData, never jsonData`,
    (route.headers ?? []).some((h) => /SecureJsonData\.apiToken/.test(h.content)) &&
      !/JsonData\.apiToken/.test(route.url),
  );
}
const noMethod = (plugin.routes ?? []).filter((r) => !r.method);
check(
  'the read route is GET only (mutations go through action-gated routes)',
  (plugin.routes ?? []).find((r) => r.path === 'exporter')?.method === 'GET' &&
    noMethod.every((r) => r.path.startsWith('mutate/')),
);

for (const r of results)
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.detail ? ` (${r.detail})` : ''}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
