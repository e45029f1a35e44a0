import type { Request } from 'express';

/**
 * The route template of a request (`/api/users/:id`), as the router matched it.
 *
 * Express sets `req.route` when a route matches, with `req.baseUrl` then the path the enclosing
 * router is mounted on; once a handler throws (Express 5) or a sub-router returns, it resets
 * `req.baseUrl` (to `undefined` in Express 5's final handler), so reading the two when the response
 * finishes gave `undefined/boom`. The template is therefore taken at the moment Express assigns
 * `req.route`, which both Express 4 and 5 do.
 */
export function trackRouteTemplate(req: Request): () => string | undefined {
  let route: unknown = req.route;
  let template: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (path !== undefined) template = `${req.baseUrl ?? ''}${String(path)}`;
    },
  });
  return () => template;
}
