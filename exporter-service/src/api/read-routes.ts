import express, { type Request, type Response } from 'express';
import { AUDIT_KINDS } from '@auditlens/contract';
import {
  rangeQuerySchema,
  recordPathSchema,
  searchQuerySchema,
  tracePathSchema,
  type Answer,
  type grafanaSqlSchema,
  type searchPageSchema,
  type statsSchema,
  type traceChainSchema,
} from '@auditlens/contract/rest';
import type { z } from 'zod';
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
import { singleValues } from './params.js';
import { authorizedTenant, principalOf } from './principal.js';

const DAY_MS = 86_400_000;

function timeRange(query: z.output<typeof rangeQuerySchema>): { fromMs: number; toMs: number } {
  const toMs = query.to ?? Date.now() + 1000;
  const fromMs = query.from ?? toMs - DAY_MS;
  if (fromMs >= toMs) throw new ApiError(400, 'from: must be before to');
  return { fromMs, toMs };
}

/**
 * Read endpoints for the Grafana app: search, one record, a trace chain, statistics. Each one
 * is scoped to a tenant the token may read and writes an `audit.access` record before answering.
 */
export function createReadRouter(store: AuditStore, accessLog: AccessLog): express.Router {
  const router = express.Router();

  router.get('/search', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = searchQuerySchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    const { fromMs, toMs } = timeRange(query);
    const page = await searchAudit(store, {
      ...query,
      traceId: query.trace,
      tenantId,
      fromMs,
      toMs,
      kinds: query.kinds ?? [...AUDIT_KINDS],
    });
    const { tenant: _tenant, cursor: _cursor, ...filter } = request.query;
    await accessLog.record(principal, {
      tenantId,
      type: 'search',
      resource: 'GET /api/v1/search',
      filter,
      rows: page.rows.length,
    });
    response.json(page satisfies Answer<typeof searchPageSchema>);
  });

  // The equivalent ClickHouse SQL of a search and of the trend, for Grafana Explore (DESIGN §8).
  // They read no audit data, so they leave no access record.
  router.get('/search/sql', (request: Request, response: Response) => {
    const query = searchQuerySchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principalOf(response), query.tenant);
    const { sql, params } = searchQuery(store, {
      ...query,
      traceId: query.trace,
      tenantId,
      fromMs: 0,
      toMs: 0,
      kinds: query.kinds ?? [...AUDIT_KINDS],
      cursor: undefined,
    });
    response.json({ sql: grafanaSql(sql, params), format: 'table' } satisfies Answer<
      typeof grafanaSqlSchema
    >);
  });

  router.get('/stats/sql', (request: Request, response: Response) => {
    const query = rangeQuerySchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principalOf(response), query.tenant);
    const { sql, params } = trendQuery(store.database, tenantId);
    response.json({
      sql: grafanaSql(sql, params),
      format: 'timeseries',
    } satisfies Answer<typeof grafanaSqlSchema>);
  });

  router.get('/records/:kind/:eventId', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const params = recordPathSchema.parse(request.params);
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
    const { traceId } = tracePathSchema.parse(request.params);
    const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
    const chain = await traceChain(store, tenantId, traceId.toLowerCase());
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/traces',
      filter: { traceId },
      rows: chain.rows,
    });
    response.json(chain satisfies Answer<typeof traceChainSchema>);
  });

  router.get('/stats', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = rangeQuerySchema.parse(singleValues(request.query));
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
    } satisfies Answer<typeof statsSchema>);
  });

  return router;
}
