import { z } from 'zod';
import { AUDIT_KINDS, RESULTS } from '../records.js';
import { count, flag, pageOf, rangeQuerySchema, traceId } from './common.js';

// Reading audit records: GET /api/v1/search, /records/{kind}/{eventId}, /traces/{traceId},
// /stats, the Grafana Explore SQL of a search and of the trend (/search/sql, /stats/sql); and the
// exporter's readiness (GET /readyz).

/** GET /api/v1/search: the filters (query string). */
export const searchQuerySchema = rangeQuerySchema.extend({
  kinds: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .pipe(z.array(z.enum(AUDIT_KINDS)).min(1))
    .optional(),
  user: z.string().max(256).optional(),
  ip: z.string().max(64).optional(),
  trace: traceId.optional(),
  action: z.string().max(256).optional(),
  result: z.enum(RESULTS).optional(),
  minRisk: z.coerce.number().int().min(1).max(4).optional(),
  module: z.string().max(256).optional(),
  service: z.string().max(256).optional(),
  text: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});

/** GET /api/v1/records/{kind}/{eventId}: the path. */
export const recordPathSchema = z.object({ kind: z.enum(AUDIT_KINDS), eventId: z.uuid() });

/** GET /api/v1/traces/{traceId}: the path. */
export const tracePathSchema = z.object({ traceId });

/** One row of a search result or a trace chain: the columns every kind has, and a summary. */
export const auditRowSchema = z.object({
  kind: z.enum(AUDIT_KINDS),
  event_id: z.string(),
  event_time: z.string(),
  tenant_id: z.string(),
  trace_id: z.string(),
  span_id: z.string(),
  service: z.string(),
  user_id: z.string(),
  username: z.string(),
  session_id: z.string(),
  ip_address: z.string(),
  result: z.string(),
  risk_level: count,
  is_sensitive: flag,
  module: z.string(),
  operation_name: z.string(),
  description: z.string(),
  summary: z.string(),
  /** Read from the archive table (embedded mode): the row is past its online days. */
  archived: flag.optional(),
});
export type AuditRow = z.infer<typeof auditRowSchema>;

export const searchPageSchema = pageOf(auditRowSchema);
export type SearchPage = z.infer<typeof searchPageSchema>;

/** One record with every column of its table. */
export const recordSchema = z.record(z.string(), z.unknown());
export type AuditRecord = z.infer<typeof recordSchema>;

const changeRowSchema = auditRowSchema.extend({ db_event_id: z.string() });
/** A trace as one chain: requests → data operations → their field changes, security and admin rows. */
export const traceChainSchema = z.object({
  traceId: z.string(),
  requests: z.array(auditRowSchema.extend({ parent_span_id: z.string() })),
  dbOperations: z.array(auditRowSchema.extend({ changes: z.array(changeRowSchema) })),
  orphanChanges: z.array(changeRowSchema),
  securityEvents: z.array(auditRowSchema),
  adminOperations: z.array(auditRowSchema),
  rows: z.number(),
});
export type TraceChain = z.infer<typeof traceChainSchema>;

/** GET /api/v1/stats: the source's report figures for a period. */
export const statsSchema = z.object({
  from: z.string(),
  to: z.string(),
  total: z.number(),
  failed: z.number(),
  highRisk: z.number(),
  sensitive: z.number(),
  uniqueUsers: z.number(),
  uniqueIps: z.number(),
  errorRate: z.number(),
  riskRate: z.number(),
  byKind: z.record(z.string(), z.number()),
  byResult: z.record(z.string(), z.number()),
  topActions: z.array(z.object({ action: z.string(), events: z.number() })),
  /** Every bucket of the period, quiet ones as zeros; buckets are trendStepMs wide. */
  trend: z.array(
    z.object({ bucket: z.string(), events: z.number(), failed: z.number(), highRisk: z.number() }),
  ),
  trendStepMs: z.number(),
});
export type Stats = z.infer<typeof statsSchema>;

/** GET /readyz. */
export const readySchema = z.object({
  status: z.string(),
  storeReachable: z.boolean().optional(),
  schemaCurrent: z.boolean().optional(),
});
