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
import { parseQuery, readPeriod, singleValues } from './params.js';
import { authorizedTenant, principalOf } from './principal.js';
import { authorizedScope } from './tenant-scope.js';

const DAY_MS = 86_400_000;

/** What a search reads without `kinds`: every kind but the reads of audit data (searching must not fill the next search). */
const DEFAULT_SEARCH_KINDS = AUDIT_KINDS.filter((kind) => kind !== 'access');

/**
 * Read endpoints for the Grafana app: search, one record, a trace chain, statistics. Each one
 * is scoped to a tenant the token may read and writes an `audit.access` record before answering.
 */
export function createReadRouter(store: AuditStore, accessLog: AccessLog): express.Router {
  const router = express.Router();

  router.get('/search', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(searchQuerySchema, request.query);
    const tenants = authorizedScope(principal, query.tenant);
    const { fromMs, toMs } = readPeriod(query, DAY_MS);
    const page = await searchAudit(store, {
      ...query,
      traceId: query.trace,
      tenants,
      fromMs,
      toMs,
      kinds: query.kinds ?? DEFAULT_SEARCH_KINDS,
    });
    const { tenant: _tenant, cursor: _cursor, ...filter } = request.query;
    await accessLog.recordScope(principal, tenants, {
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
    const query = parseQuery(searchQuerySchema, request.query);
    const tenants = authorizedScope(principalOf(response), query.tenant);
    const { sql, params } = searchQuery(store, {
      ...query,
      traceId: query.trace,
      tenants,
      fromMs: 0,
      toMs: 0,
      kinds: query.kinds ?? DEFAULT_SEARCH_KINDS,
      cursor: undefined,
    });
    response.json({ sql: grafanaSql(sql, params), format: 'table' } satisfies Answer<
      typeof grafanaSqlSchema
    >);
  });

  router.get('/stats/sql', (request: Request, response: Response) => {
    const query = parseQuery(rangeQuerySchema, request.query);
    const { sql, params } = trendQuery(store.database, authorizedScope(principalOf(response), query.tenant));
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
    const query = parseQuery(rangeQuerySchema, request.query);
    const tenants = authorizedScope(principal, query.tenant);
    const { fromMs, toMs } = readPeriod(query, DAY_MS);
    const stats = await auditStats(store, tenants, fromMs, toMs);
    await accessLog.recordScope(principal, tenants, {
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
