import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { KINDS, type AuditKind } from '../mapping/kinds.js';
import type { AuditStore } from '../store/store.js';
import type { AccessLog } from './access-log.js';
import {
  auditStats,
  readRecord,
  searchAudit,
  searchQuery,
  traceChain,
  trendQuery,
  trendStepMs,
  zeroFilledTrend,
} from './audit-queries.js';
import { ApiError } from './errors.js';
import { grafanaSql } from './grafana-sql.js';
import { singleValues, timeValue } from './params.js';
import { authorizedTenant, principalOf } from './principal.js';

const KIND_NAMES = Object.keys(KINDS) as [AuditKind, ...AuditKind[]];
const DAY_MS = 86_400_000;

const rangeSchema = z.object({
  tenant: z.string().optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
});

function timeRange(query: z.infer<typeof rangeSchema>): { fromMs: number; toMs: number } {
  const toMs = query.to ?? Date.now() + 1000;
  const fromMs = query.from ?? toMs - DAY_MS;
  if (fromMs >= toMs) throw new ApiError(400, 'from: must be before to');
  return { fromMs, toMs };
}

const searchSchema = rangeSchema.extend({
  kinds: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(KIND_NAMES)).min(1))
    .optional(),
  user: z.string().max(256).optional(),
  ip: z.string().max(64).optional(),
  trace: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'a 32-character hex trace id expected')
    .optional(),
  action: z.string().max(256).optional(),
  result: z.enum(['success', 'failure', 'partial', 'denied']).optional(),
  minRisk: z.coerce.number().int().min(1).max(4).optional(),
  module: z.string().max(256).optional(),
  service: z.string().max(256).optional(),
  text: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});

/**
 * Read endpoints for the Grafana app: search, one record, a trace chain, statistics. Each one
 * is scoped to a tenant the token may read and writes an `audit.access` record before answering.
 */
export function createReadRouter(store: AuditStore, accessLog: AccessLog): express.Router {
  const router = express.Router();

  router.get('/search', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = searchSchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    const { fromMs, toMs } = timeRange(query);
    const page = await searchAudit(store, {
      ...query,
      traceId: query.trace,
      tenantId,
      fromMs,
      toMs,
      kinds: query.kinds ?? KIND_NAMES,
    });
    const { tenant: _tenant, cursor: _cursor, ...filter } = request.query;
    await accessLog.record(principal, {
      tenantId,
      type: 'search',
      resource: 'GET /api/v1/search',
      filter,
      rows: page.rows.length,
    });
    response.json(page);
  });

  // The equivalent ClickHouse SQL of a search and of the trend, for Grafana Explore (DESIGN §8).
  // They read no audit data, so they leave no access record.
  router.get('/search/sql', (request: Request, response: Response) => {
    const query = searchSchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principalOf(response), query.tenant);
    const { sql, params } = searchQuery(store, {
      ...query,
      traceId: query.trace,
      tenantId,
      fromMs: 0,
      toMs: 0,
      kinds: query.kinds ?? KIND_NAMES,
      cursor: undefined,
    });
    response.json({ sql: grafanaSql(sql, params), format: 'table' });
  });

  router.get('/stats/sql', (request: Request, response: Response) => {
    const query = rangeSchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principalOf(response), query.tenant);
    const { sql, params } = trendQuery(store.database, tenantId);
    response.json({ sql: grafanaSql(sql, params), format: 'timeseries' });
  });

  router.get('/records/:kind/:eventId', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const params = z.object({ kind: z.enum(KIND_NAMES), eventId: z.uuid() }).parse(request.params);
    const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
    const record = await readRecord(store, tenantId, params.kind, params.eventId);
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/records',
      filter: params,
      rows: record ? 1 : 0,
    });
    if (!record) throw new ApiError(404, `no ${params.kind} record ${params.eventId} for this tenant`);
    response.json(record);
  });

  router.get('/traces/:traceId', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const { traceId } = z
      .object({ traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, 'a 32-character hex trace id expected') })
      .parse(request.params);
    const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
    const chain = await traceChain(store, tenantId, traceId.toLowerCase());
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/traces',
      filter: { traceId },
      rows: chain.rows,
    });
    response.json(chain);
  });

  router.get('/stats', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = rangeSchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    const { fromMs, toMs } = timeRange(query);
    const stats = await auditStats(store, tenantId, fromMs, toMs);
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/stats',
      filter: { from: fromMs, to: toMs },
      rows: stats.total,
    });
    const stepMs = trendStepMs(toMs - fromMs);
    response.json({
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      ...stats,
      trend: zeroFilledTrend(stats.trend, fromMs, toMs, stepMs),
      trendStepMs: stepMs,
    });
  });

  return router;
}
