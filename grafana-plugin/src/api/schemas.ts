import { z } from 'zod';

// Schemas of the exporter's answers (exporter-service/src/api/*). Parsing every answer means a
// changed API shows a clear error instead of a page that silently renders nonsense.

export const KINDS = ['request', 'db_operation', 'field_change', 'security', 'admin', 'access'] as const;
export type AuditKind = (typeof KINDS)[number];
export const RESULTS = ['success', 'failure', 'partial', 'denied'] as const;

/** ClickHouse 64-bit integers arrive as strings in JSON. */
const count = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

export const auditRowSchema = z.object({
  kind: z.enum(KINDS),
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
  is_sensitive: z.union([z.boolean(), z.number().transform((v) => v !== 0)]),
  module: z.string(),
  operation_name: z.string(),
  description: z.string(),
  summary: z.string(),
});
export type AuditRow = z.infer<typeof auditRowSchema>;

export const searchPageSchema = z.object({
  rows: z.array(auditRowSchema),
  nextCursor: z.string().nullable(),
});
export type SearchPage = z.infer<typeof searchPageSchema>;

/** One record with every column of its table. */
export const recordSchema = z.record(z.string(), z.unknown());
export type AuditRecord = z.infer<typeof recordSchema>;

const changeRowSchema = auditRowSchema.extend({ db_event_id: z.string() });
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

/** Exporter health (GET /readyz through the proxy). */
export const readySchema = z.object({
  status: z.string(),
  storeReachable: z.boolean().optional(),
  schemaCurrent: z.boolean().optional(),
});

/** GET /search/sql, /stats/sql, /security-events/sql: the equivalent ClickHouse query for Grafana Explore. */
export const grafanaSqlSchema = z.object({ sql: z.string(), format: z.enum(['table', 'timeseries']) });
export type GrafanaSql = z.infer<typeof grafanaSqlSchema>;
