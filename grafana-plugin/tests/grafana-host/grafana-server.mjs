/* global fetch */
// The server side of the test host: the parts of Grafana's HTTP server an app plugin meets, modelled
// on grafana/grafana (pkg/api: index page and boot data, static plugin files under
// public/plugins/<id>/, plugin settings GET/POST, the app plugin proxy; the alerting provisioning and
// folder APIs the app calls), written from reading that code, not copied. The plugin is served from
// its BUILT dist/ as Grafana serves an installed plugin; the proxy is plugin-proxy.mjs.
// Every proxied request and every missing static file is logged, so a test can assert that Grafana
// would have answered none of them with 404.
import { createServer } from 'node:http';
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { joinUrlFragments, matchRoute, renderTemplate } from './plugin-proxy.mjs';

const CONTENT_TYPES = {
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.json': 'application/json',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.md': 'text/markdown',
};
const ROLE_RANK = { Viewer: 1, Editor: 2, Admin: 3 };

/** The path part of a URL as Go's url.Parse gives it ("" when there is none). */
const goUrlPath = (url) => url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function sendJson(response, status, value) {
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  response.end(JSON.stringify(value));
}

/** A file under `root`, or undefined (also for paths that try to leave it). */
async function staticFile(root, relativePath) {
  const path = normalize(join(root, relativePath));
  if (!path.startsWith(normalize(root))) return undefined;
  return readFile(path).catch(() => undefined);
}

/**
 * @param {{
 *   version: string,               // the Grafana version the host models, e.g. "12.4.10"
 *   pluginDir: string,             // the installed plugin (its built dist/)
 *   hostBuildDir: string,          // host.js of the matching Grafana line
 *   grafanaUiPublicDir: string,    // that line's @grafana/ui dist/public (icons Grafana serves)
 *   user: { login: string, orgRole: 'Viewer'|'Editor'|'Admin', permissions: string[],
 *           timezone?: string, weekStart?: string, theme?: 'dark'|'light' },  // the user's profile
 *   settings: { jsonData: object, secureJsonData: object },
 *   datasources: object[],         // the organisation's data sources (instance settings)
 *   grafana: { contactPoints: object[], alertRules: object[] },
 *   sendUserHeader?: boolean,      // Grafana's [dataproxy] send_user_header
 * }} options
 */
export async function startGrafanaServer(options) {
  const plugin = JSON.parse(await readFile(join(options.pluginDir, 'plugin.json'), 'utf8'));
  const state = { user: options.user, settings: options.settings, folders: new Map() };
  const proxyLog = [];
  const missingFiles = [];
  const sendUserHeader = options.sendUserHeader ?? true;

  // pkg/api/index.go setIndexViewData: the signed-in user's preferences (time zone, first day of
  // the week, theme) and the organisation's data sources, by name, in settings.datasources.
  const bootData = () => ({
    settings: {
      appSubUrl: '',
      buildInfo: { version: options.version, edition: 'Open Source' },
      datasources: Object.fromEntries(options.datasources.map((ds) => [ds.name, ds])),
    },
    user: {
      id: 1,
      orgId: 1,
      isSignedIn: true,
      login: state.user.login,
      name: state.user.login,
      orgRole: state.user.orgRole,
      timezone: state.user.timezone ?? 'browser',
      weekStart: state.user.weekStart ?? '',
      theme: state.user.theme ?? 'dark',
      lightTheme: state.user.theme === 'light',
      permissions: Object.fromEntries(state.user.permissions.map((action) => [action, true])),
    },
    navTree: [],
  });
  const indexPage = () => {
    const script = (name, value) =>
      `<script>window.${name} = ${JSON.stringify(value).replace(/</g, '\\u003c')};</script>`;
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><base href="/"><title>Grafana</title>
<style>html,body{margin:0;font-family:Inter,Helvetica,Arial,sans-serif;font-size:14px}</style>
${script('grafanaBootData', bootData())}
${script('grafanaHost', { pluginId: plugin.id, datasources: options.datasources })}
</head><body><div id="reactRoot"></div><script src="public/build/host.js"></script></body></html>`;
  };

  const pluginMeta = () => ({
    id: plugin.id,
    type: plugin.type,
    name: plugin.name,
    info: plugin.info,
    includes: plugin.includes,
    dependencies: plugin.dependencies,
    enabled: true,
    pinned: true,
    baseUrl: `public/plugins/${plugin.id}`,
    module: `public/plugins/${plugin.id}/module.js`,
    jsonData: state.settings.jsonData,
    secureJsonFields: Object.fromEntries(Object.keys(state.settings.secureJsonData).map((k) => [k, true])),
  });

  /** pkg/api/pluginproxy HandleRequest + director. */
  async function proxy(request, response, url) {
    const proxyPath = url.pathname.replace(/^\/api\/plugin-proxy\/([\w-]+)\/?/, '');
    const log = (status, route, upstream = '') => {
      proxyLog.push({ method: request.method, proxyPath, route: route?.path, upstream, status });
    };
    const match = matchRoute(plugin.routes ?? [], request.method, proxyPath);
    if (!match) {
      log(404);
      return sendJson(response, 404, { message: 'plugin route match not found' });
    }
    const { route, rest } = match;
    const allowed = route.reqAction
      ? state.user.permissions.includes(route.reqAction)
      : !route.reqRole || ROLE_RANK[state.user.orgRole] >= ROLE_RANK[route.reqRole];
    if (!allowed) {
      log(403, route);
      return sendJson(response, 403, { message: 'plugin proxy route access denied' });
    }
    const data = { JsonData: state.settings.jsonData, SecureJsonData: state.settings.secureJsonData };
    let target;
    const headers = {};
    try {
      const routeUrl = renderTemplate(route.url, data);
      target = new URL(routeUrl);
      target.pathname = joinUrlFragments(goUrlPath(routeUrl), rest) || '/';
      target.search = url.search;
      for (const header of route.headers ?? [])
        headers[header.name.toLowerCase()] = renderTemplate(header.content, data);
    } catch (error) {
      log(500, route);
      return sendJson(response, 500, { message: `Could not interpolate plugin route: ${error.message}` });
    }
    for (const name of ['accept', 'content-type', 'user-agent']) {
      if (request.headers[name]) headers[name] ??= request.headers[name];
    }
    if (sendUserHeader) headers['x-grafana-user'] = state.user.login;
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await readBody(request) : undefined,
    }).catch((error) => ({ error }));
    if ('error' in upstream) {
      log(502, route, target.pathname);
      return sendJson(response, 502, { message: `Bad Gateway: ${upstream.error.message}` });
    }
    log(upstream.status, route, target.pathname);
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
    });
    response.end(Buffer.from(await upstream.arrayBuffer()));
  }

  /** pkg/api/plugins.go UpdatePluginSetting: org admins only; secure fields merged, never echoed. */
  async function saveSettings(request, response) {
    if (state.user.orgRole !== 'Admin') return sendJson(response, 403, { message: 'Permission denied' });
    const body = JSON.parse((await readBody(request)).toString('utf8') || '{}');
    state.settings = {
      jsonData: body.jsonData ?? state.settings.jsonData,
      secureJsonData: { ...state.settings.secureJsonData, ...body.secureJsonData },
    };
    return sendJson(response, 200, { message: 'Plugin settings updated' });
  }

  /** The alerting provisioning and folder APIs the Alert rules page uses, kept in memory. */
  async function alerting(request, response, path) {
    const { grafana } = options;
    if (path === '/api/v1/provisioning/contact-points') return sendJson(response, 200, grafana.contactPoints);
    if (path === '/api/v1/provisioning/alert-rules' && request.method === 'GET')
      return sendJson(response, 200, grafana.alertRules);
    if (path.startsWith('/api/v1/provisioning/alert-rules')) {
      const rule = JSON.parse((await readBody(request)).toString('utf8'));
      grafana.alertRules = [...grafana.alertRules.filter((r) => r.uid !== rule.uid), rule];
      return sendJson(response, request.method === 'POST' ? 201 : 200, rule);
    }
    if (path === '/api/folders' && request.method === 'POST') {
      const folder = JSON.parse((await readBody(request)).toString('utf8'));
      state.folders.set(folder.uid, folder);
      return sendJson(response, 200, folder);
    }
    const folder = state.folders.get(decodeURIComponent(path.slice('/api/folders/'.length)));
    return folder
      ? sendJson(response, 200, folder)
      : sendJson(response, 404, { message: 'folder not found' });
  }

  /** A static file; a missing one is logged unless it is one of Grafana's own assets. */
  async function serveStatic(response, root, relativePath, path, logMissing = true) {
    const file = await staticFile(root, relativePath);
    if (!file) {
      if (logMissing) missingFiles.push(path);
      return sendJson(response, 404, { message: 'Not found' });
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
    return response.end(file);
  }

  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://grafana.invalid');
      const path = url.pathname;
      const pluginFiles = `/public/plugins/${plugin.id}/`;
      if (path.startsWith(`/api/plugin-proxy/${plugin.id}/`)) return await proxy(request, response, url);
      if (path.startsWith('/api/plugin-proxy/'))
        return sendJson(response, 404, { message: 'Plugin not found, no installed plugin with that id' });
      if (path === `/api/plugins/${plugin.id}/settings`) {
        return request.method === 'POST'
          ? await saveSettings(request, response)
          : sendJson(response, 200, pluginMeta());
      }
      if (path.startsWith('/api/v1/provisioning/') || path.startsWith('/api/folders'))
        return await alerting(request, response, path);
      if (path.startsWith('/api/')) return sendJson(response, 404, { message: 'Not found' });
      if (path.startsWith(pluginFiles))
        return await serveStatic(response, options.pluginDir, path.slice(pluginFiles.length), path);
      if (path.startsWith('/public/build/') && !path.startsWith('/public/build/img/'))
        return await serveStatic(response, options.hostBuildDir, path.slice('/public/build/'.length), path);
      // Grafana's own assets: the icons @grafana/ui ships; fonts and the rest are not modelled.
      if (path.startsWith('/public/build/img/'))
        return await serveStatic(
          response,
          options.grafanaUiPublicDir,
          path.slice('/public/build/'.length),
          path,
          false,
        );
      if (path.startsWith('/public/')) return sendJson(response, 404, { message: 'Not found' });
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return response.end(indexPage());
    } catch (error) {
      return sendJson(response, 500, { message: String(error) });
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    proxyLog,
    missingFiles,
    settings: () => state.settings,
    setUser: (user) => {
      state.user = user;
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
}
