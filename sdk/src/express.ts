import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { getAudit, type AuditClient } from './audit-client.js';
import { recordRequestError, runInScope, type AuditScope, type RequestFacts } from './audit-context.js';
import { clientAddressResolver, type TrustProxy } from './client-ip.js';
import { trackRouteTemplate } from './express-route.js';
import { assessRisk, DEFAULT_SKIP, isSkipped, type RiskRule, type SkipPattern } from './request-rules.js';
import {
  ATTR_HTTP_METHOD,
  ATTR_HTTP_ROUTE,
  ATTR_HTTP_STATUS,
  ATTR_RECORDED_BY_SDK,
  ATTR_URL_PATH,
} from '@auditlens/contract';
import type { AuditIdentity } from './types.js';

export interface AuditMiddlewareOptions {
  /** Default: the client created by `initAudit`. */
  client?: AuditClient;
  /**
   * Who is making the request: called lazily, when the first record needs the user (so an auth
   * middleware registered after this one has run by then). May also name tenant, roles, session.
   */
  resolveUser?: (req: Request) => AuditIdentity | undefined;
  /** Which proxies' X-Forwarded-For to believe. Default false (the socket peer is the client). */
  trustProxy?: TrustProxy;
  /** Paths not audited; replaces DEFAULT_SKIP (health checks, metrics, static files). */
  skip?: readonly SkipPattern[] | ((req: Request) => boolean);
  /** Risk rules of this app's requests; default the client's. */
  riskRules?: readonly RiskRule[];
  /** Record request headers (redacted): true (all), false, or the names to keep. Default true. */
  captureHeaders?: boolean | readonly string[];
  /** Record the parsed request body (redacted, size-capped). Default true. */
  captureBody?: boolean;
  /** `audit.module` of a request, e.g. from its path. */
  module?: (req: Request) => string | undefined;
}

/**
 * One line of Express (4 or 5) middleware that records every request as an `audit.request` record, inside
 * a span that every record of the request shares. Recording happens when the response finishes and
 * never waits for I/O.
 *
 *   app.use(auditMiddleware());
 */
export function auditMiddleware(options: AuditMiddlewareOptions = {}): RequestHandler {
  const resolveAddress = clientAddressResolver(options.trustProxy ?? false);
  const skip = options.skip ?? DEFAULT_SKIP;
  const skipRequest = typeof skip === 'function' ? skip : (req: Request) => isSkipped(req.path, skip);
  const keepHeaders = Array.isArray(options.captureHeaders)
    ? new Set(options.captureHeaders.map((h) => h.toLowerCase()))
    : undefined;
  const captureHeaders = options.captureHeaders !== false;
  const captureBody = options.captureBody !== false;

  return function auditLensMiddleware(req, res, next): void {
    const client = options.client ?? getAudit();
    if (!client || skipRequest(req)) {
      next();
      return;
    }
    const started = performance.now();
    const active = context.active();
    const hasParent = trace.getSpan(active) !== undefined;
    // Without an HTTP instrumentation, continue the caller's trace from its traceparent header.
    const parent = hasParent ? active : propagation.extract(active, req.headers);
    const span = client.tracer.startSpan(
      req.method,
      {
        kind: hasParent ? SpanKind.INTERNAL : SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_METHOD]: req.method,
          [ATTR_URL_PATH]: req.path,
          [ATTR_RECORDED_BY_SDK]: true,
        },
      },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    const routeTemplate = trackRouteTemplate(req);
    const userAgent = req.headers['user-agent'];
    const sessionId = (req as { sessionID?: unknown }).sessionID;
    const scope: AuditScope = {
      identity: {
        clientAddress: resolveAddress({
          remoteAddress: req.socket.remoteAddress,
          forwardedFor: req.headers['x-forwarded-for'],
        }),
        userAgent,
        sessionId: typeof sessionId === 'string' ? sessionId : undefined,
      },
    };
    if (options.resolveUser) {
      const resolveUser = options.resolveUser;
      scope.resolveIdentity = () => resolveUser(req);
    }
    let facts: RequestFacts | undefined;
    scope.requestFacts = () =>
      (facts ??= requestFacts(client, req, routeTemplate(), captureHeaders, keepHeaders, captureBody));

    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      res.off('finish', record);
      res.off('close', record);
      try {
        recordRequest(
          client,
          req,
          res,
          routeTemplate(),
          scope,
          span,
          started,
          options,
          captureHeaders,
          keepHeaders,
          captureBody,
          ctx,
        );
      } finally {
        span.end();
      }
    };
    res.once('finish', record);
    res.once('close', record);
    context.with(ctx, () => runInScope(scope, next));
  };
}

/**
 * Express error middleware (register after the routes) that hands the error to the request record
 * (`error.type`, `audit.error.message`), then passes it on.
 */
export function auditErrorHandler(): ErrorRequestHandler {
  return function auditLensErrorHandler(error, _req, _res, next): void {
    recordRequestError(error);
    next(error);
  };
}

function queryOf(req: Request): string | undefined {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  return q < 0 || q === url.length - 1 ? undefined : url.slice(q + 1);
}

function paramsOf(req: Request): Record<string, unknown> | undefined {
  const query = req.query as Record<string, unknown> | undefined;
  const params = req.params as Record<string, unknown> | undefined;
  const hasQuery = query !== undefined && Object.keys(query).length > 0;
  const hasParams = params !== undefined && Object.keys(params).length > 0;
  if (!hasQuery && !hasParams) return undefined;
  if (!hasParams) return { ...query };
  if (!hasQuery) return { ...params };
  return merged(query, params);
}

/**
 * `{ ...a, ...b }` as JSON sees it (string keys), copied key by key: in Node 20's V8, adding keys to
 * an object made by a spread costs most of a microsecond.
 */
function merged(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  // Assigning `__proto__` would set the prototype rather than copy the key.
  if (keysA.includes('__proto__') || keysB.includes('__proto__')) return { ...a, ...b };
  const out: Record<string, unknown> = {};
  for (const key of keysA) out[key] = a[key];
  for (const key of keysB) out[key] = b[key];
  return out;
}

function headersOf(req: Request, keep: ReadonlySet<string> | undefined): Record<string, unknown> {
  if (!keep) return req.headers;
  const out: Record<string, unknown> = {};
  for (const name of keep) if (req.headers[name] !== undefined) out[name] = req.headers[name];
  return out;
}

function bodyOf(req: Request): unknown {
  const body: unknown = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'object' && !Buffer.isBuffer(body) && Object.keys(body).length === 0) return undefined;
  return body;
}

function pathOf(req: Request): string {
  const url = req.originalUrl;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function requestFacts(
  client: AuditClient,
  req: Request,
  routeTemplate: string | undefined,
  captureHeaders: boolean,
  keepHeaders: ReadonlySet<string> | undefined,
  captureBody: boolean,
): RequestFacts {
  const { redactor } = client;
  const limits = client.payloadLimits;
  const query = queryOf(req);
  const params = paramsOf(req);
  const body = captureBody ? bodyOf(req) : undefined;
  return {
    method: req.method,
    path: pathOf(req),
    query: query === undefined ? undefined : redactor.redactQuery(query),
    route: routeTemplate ?? pathOf(req),
    params: params === undefined ? undefined : redactor.toJson(params, limits.params),
    headers: captureHeaders ? redactor.toJson(headersOf(req, keepHeaders), limits.headers) : undefined,
    body: body === undefined ? undefined : redactor.toJson(body, limits.body),
  };
}

function recordRequest(
  client: AuditClient,
  req: Request,
  res: Response,
  routeTemplate: string | undefined,
  scope: AuditScope,
  span: ReturnType<AuditClient['tracer']['startSpan']>,
  started: number,
  options: AuditMiddlewareOptions,
  captureHeaders: boolean,
  keepHeaders: ReadonlySet<string> | undefined,
  captureBody: boolean,
  ctx: ReturnType<typeof context.active>,
): void {
  const completed = res.writableFinished;
  const statusCode = completed || res.headersSent ? res.statusCode : undefined;
  const path = pathOf(req);
  const annotations = scope.annotations;
  const error =
    scope.error ??
    (completed ? undefined : { type: 'aborted', message: 'connection closed before the response completed' });
  const riskLevel =
    annotations?.riskLevel ??
    (options.riskRules
      ? assessRisk(options.riskRules, { method: req.method, path, statusCode: statusCode ?? 0 })
      : undefined);

  client.request(
    {
      method: req.method,
      path,
      query: queryOf(req),
      // The template; the path when no route matched (a 404), so the record always says where.
      route: routeTemplate ?? path,
      statusCode,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      params: paramsOf(req),
      headers: captureHeaders ? headersOf(req, keepHeaders) : undefined,
      body: captureBody ? bodyOf(req) : undefined,
      error,
      riskLevel,
      result: completed ? undefined : 'failure',
      module: annotations?.module ?? options.module?.(req),
      operation: annotations?.operation,
      sensitive: annotations?.sensitive,
      complianceTags: annotations?.complianceTags,
      description: annotations?.description,
    },
    scope,
    ctx,
  );

  // The span follows the HTTP semantic conventions: `http.route` only when a route matched.
  if (routeTemplate !== undefined) {
    span.updateName(`${req.method} ${routeTemplate}`);
    span.setAttribute(ATTR_HTTP_ROUTE, routeTemplate);
  }
  if (statusCode !== undefined) span.setAttribute(ATTR_HTTP_STATUS, statusCode);
  if ((statusCode ?? 500) >= 500 || error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
}
