// The test host's model of Grafana's plugin proxy route matching, checked on Grafana's own cases
// (the routes and expectations of TestPluginProxyRoutes in pkg/api/pluginproxy/pluginproxy_test.go
// and the tree patterns of pkg/web) and on this plugin's plugin.json: every call the app makes
// finds the route it needs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { joinUrlFragments, matchPath, matchRoute, renderTemplate } from './plugin-proxy.mjs';

const pluginJson = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'plugin.json'), 'utf8'),
);

/** The upstream path Grafana would request: the route URL's path joined with what `*` matched. */
function upstream(routes, method, proxyPath) {
  const match = matchRoute(routes, method, proxyPath);
  if (!match) return 404;
  return joinUrlFragments(new URL(match.route.url).pathname, match.rest);
}

test("Grafana's TestPluginProxyRoutes cases", () => {
  const routes = [
    { path: '', method: 'GET', url: 'http://localhost' },
    { path: 'some-api', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances', method: 'GET', url: 'http://localhost/api/instances/' },
    { path: 'some-api/*', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances/*', method: 'GET', url: 'http://localhost/api/instances' },
    { path: 'some-other-api/*', method: 'GET', url: 'http://localhost/api/v2' },
    { path: 'some-other-api/instances/*', method: 'GET', url: 'http://localhost/api/v2/instances' },
  ];
  const cases = [
    ['/notexists', 404],
    ['/', '/'],
    ['/some-api', '/api'],
    ['/some-api/instances', '/api/instances/'],
    ['/some-api/some/thing', '/api/some/thing'],
    ['/some-api/instances/instance-one', '/api/instances/instance-one'],
    ['/some-other-api/some/thing', '/api/v2/some/thing'],
    ['/some-other-api/instances/instance-one', '/api/v2/instances/instance-one'],
  ];
  for (const [proxyPath, expected] of cases) {
    // An empty URL path is sent as "/" by any HTTP client.
    const got = upstream(routes, 'GET', proxyPath);
    assert.equal(got === '' ? '/' : got, expected, proxyPath);
  }
});

test('tree patterns: exact segments, a trailing * for sub-paths, :name for one segment', () => {
  assert.deepEqual(matchPath('exporter', 'exporter'), {});
  assert.equal(matchPath('exporter', 'exporter/api/v1/stats'), undefined);
  assert.equal(matchPath('exporter/*', 'exporter'), undefined);
  assert.deepEqual(matchPath('exporter/*', 'exporter/api/v1/stats'), { '*': 'api/v1/stats' });
  assert.deepEqual(matchPath('exporter/*', '/exporter/readyz/'), { '*': 'readyz' });
  assert.deepEqual(matchPath('/api/:projectID/envelope/', '/api/1/envelope/'), { ':projectID': '1' });
  assert.deepEqual(matchPath('users/:id:int', 'users/42'), { ':id': '42' });
  assert.equal(matchPath('users/:id:int', 'users/abc'), undefined);
  assert.deepEqual(matchPath('files/*', 'files/a%2Fb/c'), { '*': 'a/b/c' });
});

test('method filter and first match in plugin.json order', () => {
  const routes = [
    { path: 'api/*', method: 'GET', url: 'http://read' },
    { path: 'api/*', method: '*', url: 'http://any' },
  ];
  assert.equal(matchRoute(routes, 'GET', 'api/x').route.url, 'http://read');
  assert.equal(matchRoute(routes, 'POST', 'api/x').route.url, 'http://any');
  assert.equal(matchRoute(routes.slice(0, 1), 'POST', 'api/x'), undefined);
});

test('JoinURLFragments and route templates', () => {
  assert.equal(joinUrlFragments('', 'api/v1/stats'), '/api/v1/stats');
  assert.equal(joinUrlFragments('/api/v1/alert-rules', 'x/enable'), '/api/v1/alert-rules/x/enable');
  assert.equal(joinUrlFragments('/base/', '/x'), '/base/x');
  assert.equal(joinUrlFragments('/base', ''), '/base');
  const data = { JsonData: { exporterUrl: 'http://e:8080' }, SecureJsonData: { apiToken: 's3' } };
  assert.equal(renderTemplate('{{ .JsonData.exporterUrl }}/api', data), 'http://e:8080/api');
  assert.equal(renderTemplate('Bearer {{.SecureJsonData.apiToken}}', data), 'Bearer s3');
  assert.equal(renderTemplate('{{ .JsonData.missing }}', data), '<no value>');
  assert.throws(() => renderTemplate('{{ .URL }}', data), /unsupported template action/);
});

test("every exporter call of the app finds its plugin.json route, with the route's action", () => {
  const { routes } = pluginJson;
  const at = (method, proxyPath) => {
    const match = matchRoute(routes, method, proxyPath);
    assert.ok(match, `${method} ${proxyPath}: plugin route match not found`);
    const url = new URL(renderTemplate(match.route.url, { JsonData: { exporterUrl: 'http://e:8080' } }));
    return [match.route.reqAction.split('.').pop(), joinUrlFragments(url.pathname, match.rest)];
  };
  assert.deepEqual(at('GET', 'exporter/api/v1/stats'), ['audit:read', '/api/v1/stats']);
  assert.deepEqual(at('GET', 'exporter/readyz'), ['audit:read', '/readyz']);
  assert.deepEqual(at('POST', 'mutate/alert-rules'), ['rules:write', '/api/v1/alert-rules']);
  assert.deepEqual(at('PUT', 'mutate/alert-rules/r1'), ['rules:write', '/api/v1/alert-rules/r1']);
  assert.deepEqual(at('POST', 'mutate/alert-rules/r1/disable'), [
    'rules:write',
    '/api/v1/alert-rules/r1/disable',
  ]);
  assert.deepEqual(at('POST', 'mutate/alert-rules/test'), ['rules:write', '/api/v1/alert-rules/test']);
  assert.deepEqual(at('POST', 'mutate/security-events/e1/status'), [
    'events:triage',
    '/api/v1/security-events/e1/status',
  ]);
  assert.deepEqual(at('POST', 'mutate/grafana/changes'), ['rules:write', '/api/v1/grafana/changes']);
  assert.deepEqual(at('POST', 'mutate/reports'), ['reports:create', '/api/v1/reports']);
  assert.deepEqual(at('POST', 'mutate/retention-policies'), [
    'retention:write',
    '/api/v1/retention-policies',
  ]);
  assert.deepEqual(at('PUT', 'mutate/retention-policies/p1'), [
    'retention:write',
    '/api/v1/retention-policies/p1',
  ]);
  assert.deepEqual(at('POST', 'mutate/retention/reapply'), ['retention:write', '/api/v1/retention/reapply']);
  // Reads never take a mutation route, and the read route takes GET only.
  assert.equal(matchRoute(routes, 'POST', 'exporter/api/v1/alert-rules'), undefined);
});
