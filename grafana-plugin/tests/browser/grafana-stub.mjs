/* global fetch */
// Plays the parts of Grafana the plugin's pages talk to, for the browser test: serves the host page,
// forwards /api/plugin-proxy/auditlens-audit-app/… to the exporter exactly as plugin.json's routes
// say (first matching route, method filter, reqAction check, bearer token header, URL join), and
// answers the few Grafana APIs the pages call (contact points, alert rules, folders, settings).
import { createServer } from 'node:http';
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PLUGIN_ID = 'auditlens-audit-app';

/** Grafana's JoinURLFragments: one slash between the route URL and the rest of the path. */
function joinUrl(base, rest) {
  if (!rest) return base;
  if (base.endsWith('/') && rest.startsWith('/')) return base + rest.slice(1);
  if (!base.endsWith('/') && !rest.startsWith('/')) return `${base}/${rest}`;
  return base + rest;
}

function render(template, settings) {
  return template
    .replace(/\{\{\s*\.JsonData\.(\w+)\s*\}\}/g, (_, key) => String(settings.jsonData[key] ?? ''))
    .replace(/\{\{\s*\.SecureJsonData\.(\w+)\s*\}\}/g, (_, key) =>
      String(settings.secureJsonData[key] ?? ''),
    );
}

/** The route Grafana's plugin proxy would use (pkg/api/pluginproxy): first match in plugin.json order. */
export function matchRoute(routes, method, proxyPath) {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    if (!proxyPath.startsWith(route.path)) continue;
    return route;
  }
  return undefined;
}

async function body(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * @param {{ pluginDir: string, hostDir: string, settings: { jsonData: object, secureJsonData: object },
 *           permissions: string[], grafana: { contactPoints: object[], alertRules: object[] } }} options
 */
export function startGrafanaStub({ pluginDir, hostDir, settings, permissions, grafana }) {
  const plugin = JSON.parse(readFileSync(join(pluginDir, 'src', 'plugin.json'), 'utf8'));
  const proxied = [];
  const json = (response, status, value) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
  };
  const server = createServer(async (request, response) => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const prefix = `/api/plugin-proxy/${PLUGIN_ID}/`;
      if (url.pathname.startsWith(prefix)) {
        const proxyPath = url.pathname.slice(prefix.length);
        const route = matchRoute(plugin.routes, request.method, proxyPath);
        if (!route) return json(response, 404, { message: 'plugin route match not found' });
        if (route.reqAction && !permissions.includes(route.reqAction)) {
          return json(response, 403, { message: 'plugin proxy route access denied' });
        }
        const target = new URL(joinUrl(render(route.url, settings), proxyPath.slice(route.path.length)));
        target.search = url.search;
        const headers = { 'x-grafana-user': 'dana', accept: request.headers.accept ?? '*/*' };
        if (request.headers['content-type']) headers['content-type'] = request.headers['content-type'];
        for (const h of route.headers ?? []) headers[h.name.toLowerCase()] = render(h.content, settings);
        proxied.push(`${request.method} ${route.path} → ${target.pathname}`);
        const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
        const upstream = await fetch(target, {
          method: request.method,
          headers,
          body: hasBody ? await body(request) : undefined,
        }).catch((error) => ({ error }));
        if ('error' in upstream)
          return json(response, 502, { message: `bad gateway: ${upstream.error.message}` });
        const buffer = Buffer.from(await upstream.arrayBuffer());
        response.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        });
        return response.end(buffer);
      }
      if (url.pathname === '/api/v1/provisioning/contact-points')
        return json(response, 200, grafana.contactPoints);
      if (url.pathname === '/api/v1/provisioning/alert-rules') return json(response, 200, grafana.alertRules);
      if (url.pathname.startsWith('/api/folders'))
        return json(response, 200, { uid: 'auditlens', title: 'AuditLens' });
      if (url.pathname === `/api/plugins/${PLUGIN_ID}/settings`)
        return json(response, 200, { message: 'Plugin settings updated' });
      const asset = /^\/([\w.-]+\.js)$/.exec(url.pathname)?.[1];
      if (asset && existsSync(join(hostDir, asset))) {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        return response.end(readFileSync(join(hostDir, asset)));
      }
      if (url.pathname.startsWith('/api/')) return json(response, 404, { message: 'not found' });
      // Any other path is a page of the app: the host page.
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><html><head><meta charset="utf-8"><title>AuditLens</title>
<style>html,body{margin:0;background:#111217;color:#ccccdc;font-family:Inter,Helvetica,Arial,sans-serif;font-size:14px}
#root{padding:16px 24px}</style>
<script>window.AUDITLENS_HOST=${JSON.stringify({ jsonData: settings.jsonData, actions: permissions })}</script>
</head><body><div id="root"></div><script src="/host.js"></script></body></html>`);
    } catch (error) {
      json(response, 500, { message: String(error) });
    }
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        proxied,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
