import { AUDIT_KINDS } from '@auditlens/contract';
import { normalizeIp, formatTime, parseTime } from '../mapping/fields.js';
import { AUDIT_TABLES, KINDS, type AuditKind } from '../mapping/kinds.js';
import { archivedColumn, auditSource, existingArchives } from '../store/audit-source.js';
import type { AuditStore, QueryParams } from '../store/store.js';
import { ApiError } from './errors.js';
import { afterCursor, nextCursor } from './cursor.js';
import { tenantCondition, type TenantScope } from './tenant-scope.js';

/** A request: `POST /orders → 201` (no arrow when it has no status, e.g. a call still under way). */
const HTTP_SUMMARY_SQL =
  "concat(http_method, ' ', url_path, if(status_code = 0, '', concat(' → ', toString(status_code))))";
/**
 * An AI / API call (issue 19): `chat gpt-4o (openai): 812 in + 230 out tokens, 0.0042 USD` —
 * the model that answered when known, else the one asked for.
 */
const AI_SUMMARY_SQL = `concat(gen_ai_operation, ' ',
  if(gen_ai_response_model = '', gen_ai_request_model, gen_ai_response_model),
  if(gen_ai_provider = '', '', concat(' (', gen_ai_provider, ')')),
  ': ', toString(gen_ai_input_tokens), ' in + ', toString(gen_ai_output_tokens), ' out tokens',
  if(usage_currency = '', '', concat(', ', toString(usage_cost), ' ', usage_currency)),
  if(status_code = 0, '', concat(' → ', toString(status_code))))`;

/** A one-line description of a row, per kind, computed in SQL. */
const SUMMARY_SQL: Record<AuditKind, string> = {
  request: `if(gen_ai_operation = '', ${HTTP_SUMMARY_SQL}, ${AI_SUMMARY_SQL})`,
  db_operation: "concat(db_operation, ' ', db_table, ' (', toString(affected_rows), ' rows)')",
  field_change: "concat(change_type, ' ', db_table, '#', record_id, '.', field_name)",
  security: "concat(event_type, if(mitre_technique = '', '', concat(' ', mitre_technique)))",
  admin: "concat(operation_name, ' ', target_type, ' ', target_id)",
  access: "concat(access_type, ' ', resource, ' (', toString(rows_returned), ' rows)')",
};

// Columns are selected unaliased: an alias would shadow the column in WHERE and ORDER BY.
// UUID and IPv6 values arrive as their text forms in JSON anyway. `archived`: read from the
// archive table (store/audit-source.ts: every query here reaches archived rows too).
const listColumns = (store: AuditStore): string =>
  `event_id, event_time, tenant_id, trace_id, span_id, service, user_id, username, session_id,
  ip_address, result, risk_level, is_sensitive, module, operation_name, description, ${archivedColumn(store)} AS archived`;

export interface AuditListRow {
  kind: AuditKind;
  event_id: string;
  event_time: string;
  tenant_id: string;
  trace_id: string;
  span_id: string;
  service: string;
  user_id: string;
  username: string;
  session_id: string;
  ip_address: string;
  result: string;
  risk_level: number;
  is_sensitive: boolean;
  module: string;
  operation_name: string;
  description: string;
  summary: string;
  /** The row was moved to the archive table (embedded mode). */
  archived: boolean;
}

export interface SearchFilter {
  tenants: TenantScope;
  kinds: AuditKind[];
  fromMs: number;
  toMs: number;
  user?: string | undefined;
  ip?: string | undefined;
  traceId?: string | undefined;
  action?: string | undefined;
  result?: string | undefined;
  minRisk?: number | undefined;
  module?: string | undefined;
  service?: string | undefined;
  text?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  /** desc: newest first; asc: oldest first. */
  order: 'desc' | 'asc';
  limit: number;
  cursor?: string | undefined;
}

/**
 * How each kind that names a resource matches `resourceType` and `resourceId` (source 004: find
 * by resource). A data operation's record id is in its field changes (the SDK writes one per
 * changed field, with the operation's event id), so the operation matches through them.
 */
const RESOURCE_SQL: Partial<
  Record<
    AuditKind,
    (store: AuditStore, tenants: string, archives?: ReadonlySet<string>) => { type: string; id: string }
  >
> = {
  admin: () => ({ type: 'target_type = {resourceType:String}', id: 'target_id = {resourceId:String}' }),
  field_change: () => ({ type: 'db_table = {resourceType:String}', id: 'record_id = {resourceId:String}' }),
  db_operation: (store, tenants, archives) => ({
    type: 'db_table = {resourceType:String}',
    id: `event_id IN (SELECT db_event_id FROM ${auditSource(store, KINDS.field_change.table, archives)}
        WHERE ${tenants} AND db_table = {resourceType:String} AND record_id = {resourceId:String})`,
  }),
  security: () => ({
    type: "startsWith(target_resource, concat({resourceType:String}, '#'))",
    id: "target_resource = concat({resourceType:String}, '#', {resourceId:String})",
  }),
};

/** The kinds whose records name a resource (resourceType, resourceId). */
export const RESOURCE_KINDS = Object.keys(RESOURCE_SQL) as AuditKind[];

export interface SearchPage {
  rows: AuditListRow[];
  nextCursor: string | null;
}

/**
 * Searches every requested kind for one tenant, newest first, with keyset pagination on
 * (event_time, event_id): no offset, no result cap, stable under concurrent inserts of older rows.
 * All values travel as server-side parameters.
 */
export async function searchAudit(store: AuditStore, filter: SearchFilter): Promise<SearchPage> {
  const archives = await existingArchives(store, AUDIT_TABLES);
  const { sql, params } = searchQuery(store, filter, archives);
  const rows = await store.query<AuditListRow>(sql, params);
  return { rows, nextCursor: nextCursor(rows, filter.limit) };
}

/**
 * The SQL and parameters of a search (run by searchAudit, shown for Grafana by GET /search/sql).
 * `archives`: the tables with an archive table now (auditSource); Grafana's copy is given none, so
 * it reads through `merge` and stays right once archiving starts.
 */
export function searchQuery(
  store: AuditStore,
  filter: SearchFilter,
  archives?: ReadonlySet<string>,
): { sql: string; params: QueryParams } {
  const params: QueryParams = {
    from: formatTime(filter.fromMs),
    to: formatTime(filter.toMs),
    limit: filter.limit,
  };
  const tenants = tenantCondition(filter.tenants, params);
  const conditions = [
    tenants,
    "event_time >= {from:DateTime64(3, 'UTC')}",
    "event_time < {to:DateTime64(3, 'UTC')}",
  ];
  const add = (condition: string, name: string, value: unknown): void => {
    conditions.push(condition);
    params[name] = value;
  };
  if (filter.user) add('(user_id = {user:String} OR username = {user:String})', 'user', filter.user);
  if (filter.ip) add('ip_address = toIPv6({ip:String})', 'ip', normalizeIpParam(filter.ip));
  if (filter.traceId) add('trace_id = {trace:String}', 'trace', filter.traceId.toLowerCase());
  if (filter.action) add('operation_name = {action:String}', 'action', filter.action);
  if (filter.result) add('result = {result:String}', 'result', filter.result);
  if (filter.minRisk) add('risk_level >= {minRisk:UInt8}', 'minRisk', filter.minRisk);
  if (filter.module) add('module = {module:String}', 'module', filter.module);
  if (filter.service) add('service = {service:String}', 'service', filter.service);
  if (filter.text) add('positionCaseInsensitiveUTF8(description, {text:String}) > 0', 'text', filter.text);
  if (filter.cursor) conditions.push(afterCursor(filter.cursor, params, filter.order));
  const where = conditions.join(' AND ');
  let kinds = filter.kinds;
  const resource: Partial<Record<AuditKind, string>> = {};
  if (filter.resourceType !== undefined) {
    params.resourceType = filter.resourceType;
    if (filter.resourceId !== undefined) params.resourceId = filter.resourceId;
    kinds = kinds.filter((kind) => RESOURCE_KINDS.includes(kind));
    if (kinds.length === 0)
      throw new ApiError(400, `resourceType: only ${RESOURCE_KINDS.join(', ')} records name a resource`);
    for (const kind of kinds) {
      const match = RESOURCE_SQL[kind]?.(store, tenants, archives);
      if (match)
        resource[kind] =
          ` AND ${filter.resourceId === undefined ? match.type : `${match.type} AND ${match.id}`}`;
    }
  } else if (filter.resourceId !== undefined) {
    throw new ApiError(400, 'resourceId: give resourceType too (a table or target type)');
  }
  const order = filter.order === 'asc' ? 'event_time, event_id' : 'event_time DESC, event_id DESC';
  const parts = kinds.map(
    (kind) =>
      `(SELECT '${kind}' AS kind, ${listColumns(store)}, ${SUMMARY_SQL[kind]} AS summary
        FROM ${auditSource(store, KINDS[kind].table, archives)} WHERE ${where}${resource[kind] ?? ''}
        ORDER BY ${order} LIMIT {limit:UInt32})`,
  );
  return {
    sql: `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY ${order} LIMIT {limit:UInt32}`,
    params,
  };
}

function normalizeIpParam(ip: string): string {
  try {
    return normalizeIp(ip, 'ip');
  } catch (error) {
    throw new ApiError(400, (error as Error).message);
  }
}

/** Every column of one record. */
export async function readRecord(
  store: AuditStore,
  tenantId: string,
  kind: AuditKind,
  eventId: string,
): Promise<Record<string, unknown> | undefined> {
  const [row] = await store.query<Record<string, unknown>>(
    `SELECT *, ${archivedColumn(store)} AS archived FROM ${auditSource(store, KINDS[kind].table)}
     WHERE tenant_id = {tenant:String} AND event_id = {id:UUID} LIMIT 1`,
    { tenant: tenantId, id: eventId },
  );
  return row;
}

export interface TraceChain {
  traceId: string;
  requests: (AuditListRow & { parent_span_id: string })[];
  dbOperations: (AuditListRow & { changes: (AuditListRow & { db_event_id: string })[] })[];
  /** Field changes whose db operation is not in this trace (a data-quality anomaly). */
  orphanChanges: (AuditListRow & { db_event_id: string })[];
  securityEvents: AuditListRow[];
  adminOperations: AuditListRow[];
  rows: number;
}

/** The SQL of a trace chain (params tenant, trace); `archives` as for searchQuery. */
export function traceChainQuery(store: AuditStore, archives?: ReadonlySet<string>): string {
  const parts = AUDIT_KINDS.filter((kind) => kind !== 'access').map(
    (kind) =>
      `(SELECT '${kind}' AS kind, ${listColumns(store)}, ${SUMMARY_SQL[kind]} AS summary, parent_span_id,
          ${kind === 'field_change' ? 'toString(db_event_id)' : "''"} AS db_event_id
          FROM ${auditSource(store, KINDS[kind].table, archives)}
          WHERE tenant_id = {tenant:String} AND trace_id = {trace:String})`,
  );
  return `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY event_time, event_id`;
}

/** Everything one trace recorded, as a chain: request → db operations → field changes, plus security and admin rows. */
export async function traceChain(store: AuditStore, tenantId: string, traceId: string): Promise<TraceChain> {
  const archives = await existingArchives(store, AUDIT_TABLES);
  const rows = await store.query<AuditListRow & { parent_span_id: string; db_event_id: string }>(
    traceChainQuery(store, archives),
    { tenant: tenantId, trace: traceId },
  );
  const chain: TraceChain = {
    traceId,
    requests: [],
    dbOperations: [],
    orphanChanges: [],
    securityEvents: [],
    adminOperations: [],
    rows: rows.length,
  };
  const operations = new Map<string, TraceChain['dbOperations'][number]>();
  for (const row of rows) {
    if (row.kind === 'request') chain.requests.push(row);
    else if (row.kind === 'db_operation') {
      const operation = { ...row, changes: [] };
      operations.set(row.event_id, operation);
      chain.dbOperations.push(operation);
    } else if (row.kind === 'security') chain.securityEvents.push(row);
    else if (row.kind === 'admin') chain.adminOperations.push(row);
  }
  for (const row of rows.filter((r) => r.kind === 'field_change')) {
    const operation = operations.get(row.db_event_id);
    if (operation) operation.changes.push(row);
    else chain.orphanChanges.push(row);
  }
  return chain;
}

export interface AuditStats {
  total: number;
  failed: number;
  highRisk: number;
  sensitive: number;
  uniqueUsers: number;
  uniqueIps: number;
  errorRate: number;
  riskRate: number;
  byKind: Record<string, number>;
  byResult: Record<string, number>;
  topActions: { action: string; events: number }[];
  trend: { bucket: string; events: number; failed: number; highRisk: number }[];
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The trend's bucket width for a period: minutes up to 6 h, hours up to 7 days, else (UTC) days. */
export function trendStepMs(spanMs: number): number {
  if (spanMs <= 6 * HOUR_MS) return MINUTE_MS;
  return spanMs <= 7 * DAY_MS ? HOUR_MS : DAY_MS;
}

const BUCKET_SQL: Record<number, string> = {
  [MINUTE_MS]: 'bucket',
  [HOUR_MS]: 'toStartOfHour(bucket)',
  [DAY_MS]: 'toStartOfDay(bucket)',
};

/** More buckets than this are not filled in (a period of decades by the day). */
const MAX_FILLED_BUCKETS = 10_000;

/**
 * Every bucket of [from, to) in order, a bucket without records as zeros, so that a chart shows a
 * quiet hour as quiet instead of leaving it out (the summary views only hold buckets with records).
 */
export function zeroFilledTrend(
  trend: AuditStats['trend'],
  fromMs: number,
  toMs: number,
  stepMs: number,
): AuditStats['trend'] {
  const first = Math.floor(fromMs / stepMs) * stepMs;
  if ((toMs - first) / stepMs > MAX_FILLED_BUCKETS) return trend;
  const byTime = new Map(trend.map((point) => [parseTime(point.bucket), point]));
  const filled: AuditStats['trend'] = [];
  for (let t = first; t < toMs; t += stepMs) {
    filled.push(byTime.get(t) ?? { bucket: formatTime(t).slice(0, 19), events: 0, failed: 0, highRisk: 0 });
  }
  return filled;
}
const SUMMARY_COLUMNS =
  'bucket, kind, operation_name, result, risk_level, events, sensitive_events, users, ips';

/**
 * The summary rows of a tenant's period [from, to), audit.access left out: from the minute view,
 * or, with `wholeHours`, the hours inside the period from the hour view and only its partial
 * first and last hours from the minute view (a 30-day period: ~60× fewer rows to read).
 */
function summaryScope(
  database: string,
  tenants: TenantScope,
  fromMs: number,
  toMs: number,
  wholeHours: boolean,
): { scope: string; params: QueryParams } {
  const firstMinute = Math.floor(fromMs / 60_000) * 60_000;
  const hoursFrom = Math.ceil(firstMinute / HOUR_MS) * HOUR_MS;
  const hoursTo = Math.floor(toMs / HOUR_MS) * HOUR_MS;
  const params: QueryParams = {};
  const where = `${tenantCondition(tenants, params)} AND kind != 'access'`;
  const time = (name: string) => `{${name}:DateTime64(3, 'UTC')}`;
  if (!wholeHours || hoursFrom >= hoursTo) {
    return {
      scope: `FROM ${database}.audit_summary_minute
        WHERE ${where} AND bucket >= ${time('from')} AND bucket < ${time('to')}`,
      params: { ...params, from: formatTime(firstMinute), to: formatTime(toMs) },
    };
  }
  return {
    scope: `FROM (
      SELECT ${SUMMARY_COLUMNS} FROM ${database}.audit_summary_minute
      WHERE ${where} AND ((bucket >= ${time('from')} AND bucket < ${time('hoursFrom')})
                          OR (bucket >= ${time('hoursTo')} AND bucket < ${time('to')}))
      UNION ALL
      SELECT ${SUMMARY_COLUMNS} FROM ${database}.audit_summary_hour
      WHERE ${where} AND bucket >= ${time('hoursFrom')} AND bucket < ${time('hoursTo')})`,
    params: {
      ...params,
      from: formatTime(firstMinute),
      to: formatTime(toMs),
      hoursFrom: formatTime(hoursFrom),
      hoursTo: formatTime(hoursTo),
    },
  };
}

/** The trend's figures per bucket (auditStats, trendQuery); no alias names a column (it would shadow it). */
const TREND_COLUMNS = `sum(events) AS all_events, sumIf(events, result IN ('failure', 'denied')) AS failed,
  sumIf(events, risk_level >= 3) AS high_risk`;

/**
 * The trend as a time series query for Grafana (GET /stats/sql): the minute view over the period,
 * in buckets of the width Grafana chooses for its panel ($__timeInterval).
 */
export function trendQuery(database: string, tenants: TenantScope): { sql: string; params: QueryParams } {
  const params: QueryParams = {};
  return {
    sql: `SELECT $__timeInterval(bucket) AS time, ${TREND_COLUMNS}
      FROM ${database}.audit_summary_minute
      WHERE ${tenantCondition(tenants, params)} AND kind != 'access'
        AND bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {to:DateTime64(3, 'UTC')}
      GROUP BY time ORDER BY time`,
    params,
  };
}

/**
 * The source's report figures for a tenant and period (total, failed, high-risk, unique users
 * and IPs, error and risk rates, by action and result), from the summary views (summaryScope).
 * Unique counts use ClickHouse's uniq (HyperLogLog-class estimate, exact for small sets).
 * Reads of audit data (audit.access) are not part of these figures.
 */
export async function auditStats(
  store: AuditStore,
  tenants: TenantScope,
  fromMs: number,
  toMs: number,
): Promise<AuditStats> {
  const stepMs = trendStepMs(toMs - fromMs);
  // A trend by the minute needs minute rows; longer periods read whole hours.
  const { scope, params } = summaryScope(store.database, tenants, fromMs, toMs, stepMs !== MINUTE_MS);
  const [totals] = await store.query<Record<string, string>>(
    `SELECT sum(events) AS total, sumIf(events, result IN ('failure', 'denied')) AS failed,
            sumIf(events, risk_level >= 3) AS high_risk, sum(sensitive_events) AS sensitive,
            uniqMerge(users) AS unique_users, uniqMerge(ips) AS unique_ips ${scope}`,
    params,
  );
  const grouped = (column: string) =>
    store.query<{ key: string; n: string }>(
      `SELECT ${column} AS key, sum(events) AS n ${scope} GROUP BY key ORDER BY n DESC`,
      params,
    );
  const [byKind, byResult, actions] = await Promise.all([
    grouped('kind'),
    grouped('result'),
    grouped('operation_name'),
  ]);
  const trend = await store.query<{ time: string; all_events: string; failed: string; high_risk: string }>(
    `SELECT ${BUCKET_SQL[stepMs]} AS time, ${TREND_COLUMNS} ${scope} GROUP BY time ORDER BY time`,
    params,
  );
  const total = Number(totals?.total ?? 0);
  const failed = Number(totals?.failed ?? 0);
  const highRisk = Number(totals?.high_risk ?? 0);
  const toRecord = (rows: { key: string; n: string }[]) =>
    Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
  return {
    total,
    failed,
    highRisk,
    sensitive: Number(totals?.sensitive ?? 0),
    uniqueUsers: Number(totals?.unique_users ?? 0),
    uniqueIps: Number(totals?.unique_ips ?? 0),
    errorRate: total === 0 ? 0 : failed / total,
    riskRate: total === 0 ? 0 : highRisk / total,
    byKind: toRecord(byKind),
    byResult: toRecord(byResult),
    topActions: actions
      .filter((a) => a.key !== '')
      .slice(0, 20)
      .map((a) => ({ action: a.key, events: Number(a.n) })),
    trend: trend.map((t) => ({
      bucket: t.time,
      events: Number(t.all_events),
      failed: Number(t.failed),
      highRisk: Number(t.high_risk),
    })),
  };
}
