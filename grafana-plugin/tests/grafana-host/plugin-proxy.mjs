// Grafana's app plugin proxy (/api/plugin-proxy/<plugin id>/<proxy path>), modelled on
// pkg/api/plugin_proxy.go, pkg/api/pluginproxy/pluginproxy.go and utils.go, pkg/web/tree.go and
// pkg/util (JoinURLFragments) of grafana/grafana 12.x/13.x, for the test host: written from reading
// that code, not copied. What it reproduces, because the plugin depends on it:
// - routes are tried in plugin.json order; a route with a `method` other than "" or "*" only takes
//   requests with exactly that method;
// - a route's `path` is matched with Grafana's web tree: segments must match exactly, `:name` takes one
//   segment, and a trailing `*` takes the rest (one or more segments). `exporter` matches only the
//   path `exporter`, never `exporter/api/v1/stats`; `exporter/*` matches the latter, not the former;
// - the first match wins; its `reqAction` must be held by the user (403 otherwise); no match is
//   404 "plugin route match not found";
// - the request goes to the route's `url` (a Go template over JsonData/SecureJsonData) with only the
//   part matched by `*` appended (JoinURLFragments); the query string is kept; route headers are
//   templated the same way; cookies are dropped; X-Grafana-User carries the login when Grafana's
//   send_user_header is on.

/** Path escape handling as Go's url.PathUnescape (undefined when malformed). */
function pathUnescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The kind of one pattern segment (pkg/web/tree.go checkPattern). */
function segmentMatcher(segment) {
  if (segment === '*') return { kind: 'all' };
  if (segment === '*.*') return { kind: 'ext' };
  if (!segment.includes(':')) return { kind: 'static', text: segment };
  const names = [];
  const source = segment.replace(/:([a-zA-Z0-9]+)(\([^)]*\)|:int|:string)?/g, (_, name, shape) => {
    names.push(`:${name}`);
    if (shape === ':int') return '([0-9]+)';
    if (shape === ':string') return '([\\w]+)';
    return shape ?? '(.+)';
  });
  if (source === '(.+)') return { kind: 'holder', name: names[0] };
  return { kind: 'regexp', names, regexp: new RegExp(source) };
}

/** Matches one URL segment (or, for a trailing `*`, the rest of the URL) against a pattern segment. */
function matchSegment(matcher, segment, params) {
  switch (matcher.kind) {
    case 'static':
      return matcher.text === segment;
    case 'holder':
      params[matcher.name] = segment;
      return true;
    case 'regexp': {
      const found = matcher.regexp.exec(segment);
      if (!found || found.length - 1 !== matcher.names.length) return false;
      matcher.names.forEach((name, i) => (params[name] = found[i + 1]));
      return true;
    }
    case 'ext': {
      const dot = segment.lastIndexOf('.');
      params[':path'] = dot > -1 ? segment.slice(0, dot) : segment;
      if (dot > -1) params[':ext'] = segment.slice(dot + 1);
      return true;
    }
    default:
      return true; // `*`
  }
}

/**
 * Grafana's web tree holding the one pattern of a route (pkg/web/tree.go): the pattern's segments
 * but the last are nested subtrees, the last is the leaf. Returns the params (`*` = what a trailing
 * `*` matched) or undefined when the URL does not match.
 */
export function matchPath(pattern, url) {
  const segments = pattern.replace(/\/$/, '').replace(/^\//, '').split('/').map(segmentMatcher);
  const leafLevel = segments.length - 1;
  const leaf = segments[leafLevel];
  const params = {};
  const matchLeaf = (segment) => {
    if (segment === undefined || !matchSegment(leaf, segment, params)) return false;
    if (leaf.kind === 'all') params['*'] = segment;
    return true;
  };
  const matchFrom = (level, rest) => {
    const slash = rest.indexOf('/');
    // The last URL segment is matched against the leaves of the current tree, which only the
    // leaf level has.
    if (slash === -1) return level === leafLevel && matchLeaf(pathUnescape(rest));
    if (level < leafLevel) {
      const segment = pathUnescape(rest.slice(0, slash));
      return (
        segment !== undefined &&
        matchSegment(segments[level], segment, params) &&
        matchFrom(level + 1, rest.slice(slash + 1))
      );
    }
    // More URL segments than subtrees: only a `*` or `*.*` leaf takes the remainder.
    return (leaf.kind === 'all' || leaf.kind === 'ext') && matchLeaf(pathUnescape(rest));
  };
  return matchFrom(0, url.replace(/^\//, '').replace(/\/$/, '')) ? params : undefined;
}

/**
 * The route Grafana's plugin proxy picks for a request, and the proxy path left for the upstream
 * URL (what `*` matched, else ""). Undefined when no route matches.
 */
export function matchRoute(routes, method, proxyPath) {
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) continue;
    const params = matchPath(route.path ?? '', proxyPath);
    if (!params) continue;
    return { route, rest: params['*'] ?? '' };
  }
  return undefined;
}

/** pkg/util JoinURLFragments: one slash between the two parts; an empty second part adds nothing. */
export function joinUrlFragments(base, rest) {
  if (rest.length === 0) return base;
  const baseSlash = base.endsWith('/');
  const restSlash = rest.startsWith('/');
  if (baseSlash && restSlash) return base + rest.slice(1);
  if (!baseSlash && !restSlash) return `${base}/${rest}`;
  return base + rest;
}

/**
 * The Go text/template actions plugin.json routes use: `{{ .JsonData.name }}` and
 * `{{ .SecureJsonData.name }}`. A missing key prints "<no value>" as Go's templates do; any other
 * action is refused (Grafana would answer 500 for a template it cannot execute).
 */
export function renderTemplate(text, data) {
  return text.replace(/\{\{(.*?)\}\}/g, (_, action) => {
    const field = /^\s*\.(JsonData|SecureJsonData)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(action);
    if (!field) throw new Error(`unsupported template action {{${action}}}`);
    const value = data[field[1]]?.[field[2]];
    return value === undefined || value === null ? '<no value>' : String(value);
  });
}
