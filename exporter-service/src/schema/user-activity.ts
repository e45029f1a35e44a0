import type { TableDef, ViewDef } from './ddl.js';

/**
 * Per-user aggregates (issue 19: user behaviour profiles over 30 days at 10 M rows in under a
 * second). One user's activity and clients: projections kept by ClickHouse inside every part of
 * every audit table (migration 6): built for every insert, merge and retention delete, and
 * MATERIALIZE PROJECTION covered the rows already stored, so no backfill. The peers' per-user day
 * totals of a whole tenant: the summary table audit_user_day across the six tables (migration 9,
 * below), since a per-table projection hardly shrinks them; it needs a backfill
 * (user-day-backfill.ts).
 *
 * The projections are frozen once released (migration 6 creates them): a query uses a projection only when it spells
 * the projection's GROUP BY expressions exactly, so the profile queries build their SQL from the
 * same constants (behaviour/profile.ts). A change is a new projection in a new migration.
 */

/** The action and the resource of a record, per audit table: what a user did, to what. */
export const USER_ACTIVITY_EXPRESSIONS: Record<string, { action: string; resource: string }> = {
  audit_request_log: {
    action: "if(operation_name != '', operation_name, http_method)",
    resource: 'http_route',
  },
  audit_database_log: {
    action: "if(operation_name != '', operation_name, db_operation)",
    resource: 'db_table',
  },
  audit_change_log: { action: 'change_type', resource: 'db_table' },
  audit_security_log: { action: 'event_type', resource: 'target_resource' },
  audit_admin_log: { action: 'operation_name', resource: 'target_type' },
  audit_access_log: { action: 'access_type', resource: 'resource' },
};

/** The hour bucket of the activity projection (UTC). */
export const USER_HOUR = 'toStartOfHour(event_time)';
/** The day bucket of the client projection (UTC). */
export const USER_DAY = 'toDate(event_time)';

/** The GROUP BY keys of the activity projection of one table, in projection order. */
export function userHourKeys(table: string): string[] {
  const expressions = USER_ACTIVITY_EXPRESSIONS[table];
  if (!expressions) throw new Error(`no user activity expressions for ${table}`);
  return [
    'tenant_id',
    'user_id',
    USER_HOUR,
    'service',
    expressions.action,
    expressions.resource,
    'result',
    'risk_level',
  ];
}

/** The GROUP BY keys of the client projection, in projection order. */
export const USER_CLIENT_KEYS = [
  'tenant_id',
  'user_id',
  'ip_address',
  'user_agent',
  'session_id',
  'user_roles',
  USER_DAY,
];

/**
 * Per tenant, user, hour, service, action, resource, result and risk level: records and sensitive
 * records. Sorted by tenant and user first, so one user's period is a key-range read.
 */
export function userHourProjection(table: string): string {
  const keys = userHourKeys(table).join(', ');
  return `p_user_hour (SELECT ${keys}, count(), countIf(is_sensitive) GROUP BY ${keys})`;
}

/**
 * Per tenant, user, client (IP, user agent), session, roles and day: records, first and last seen.
 * (A map lookup such as a country attribute cannot be a projection key: ClickHouse reads it as a
 * subcolumn and no longer matches the projection.)
 */
export function userClientProjection(): string {
  const keys = USER_CLIENT_KEYS.join(', ');
  return `p_user_client (SELECT ${keys}, count(), min(event_time), max(event_time) GROUP BY ${keys})`;
}

/**
 * Outside Monday–Friday 08:00–20:00 UTC (the built-in off-hours rule's default window), of a
 * time or an hour bucket (the same weekday and hour).
 */
export const offHoursSql = (time: string): string =>
  `(toDayOfWeek(${time}) > 5 OR toHour(${time}) < 8 OR toHour(${time}) >= 20)`;

/**
 * What a peer comparison sums per user and day, per record: `hours` is the day's active hours as a
 * 24-bit mask (bit h = a record in hour h UTC): OR-ing the masks of the six tables and counting
 * bits gives the user's distinct active hours of the day. The materialized views of
 * audit_user_day aggregate these; the peers' partial edge days aggregate them from audit rows.
 */
export const USER_DAY_FIGURES = {
  events: 'count()',
  failed: "countIf(result IN ('failure', 'denied'))",
  high_risk: 'countIf(risk_level >= 3)',
  sensitive: 'countIf(is_sensitive)',
  off_hours: `countIf(${offHoursSql('event_time')})`,
  hours: 'groupBitOr(bitShiftLeft(toUInt32(1), toHour(event_time)))',
} as const;

/** How audit_user_day re-aggregates each figure (its SimpleAggregateFunction). */
const USER_DAY_MERGE: Record<keyof typeof USER_DAY_FIGURES, 'sum' | 'groupBitOr'> = {
  events: 'sum',
  failed: 'sum',
  high_risk: 'sum',
  sensitive: 'sum',
  off_hours: 'sum',
  hours: 'groupBitOr',
};

export const USER_DAY_TABLE = 'audit_user_day';

/**
 * Per tenant, day, user and roles, across the six audit tables: the figures of USER_DAY_FIGURES
 * (migration 9). A summary table rather than a projection per audit table: one row per user and
 * day for all tables, where per-table projections hardly shrink the data (a user has few records
 * per table and day); measured at 1 M rows, 5.6 B per audit row and the whole-tenant peers in
 * ~50 ms against ~370 ms (docs/behaviour.md §3). `backfilled` tells the rows migration 9 computed
 * from the records stored before it (schema/user-day-backfill.ts) from those the views feed, so a
 * re-run of the backfill replaces exactly its own rows. Like audit_summary_*, the rows stay
 * when retention deletes or archives records: the peers are a comparison, not records.
 */
export const USER_DAY_TABLE_DEF: TableDef = {
  name: USER_DAY_TABLE,
  body: `
    tenant_id LowCardinality(String),
    day Date,
    user_id String CODEC(ZSTD(1)),
    user_roles Array(LowCardinality(String)),
    backfilled Bool,
${Object.entries(USER_DAY_MERGE)
  .map(
    ([name, merge]) =>
      `    ${name} SimpleAggregateFunction(${merge}, ${merge === 'sum' ? 'UInt64' : 'UInt32'})`,
  )
  .join(',\n')}`,
  engine: { family: 'AggregatingMergeTree' },
  partitionBy: 'toYYYYMM(day)',
  orderBy: '(tenant_id, day, user_id, user_roles, backfilled)',
  ttl: 'day + INTERVAL 2555 DAY',
  shardingKey: 'cityHash64(tenant_id)',
};

/** `received_at` of the cutover as a ClickHouse literal (the form the views hold and the backfill reads back). */
export const cutoverLiteral = (cutover: string): string => `toDateTime64('${cutover}', 3, 'UTC')`;

/**
 * One SELECT per audit table of its records' day figures where `where` (the views: received at
 * or after the cutover; the backfill: before it), grouped by audit_user_day's keys.
 */
export function userDaySelect(from: string, backfilled: boolean, where: string): string {
  const figures = Object.entries(USER_DAY_FIGURES).map(([name, sql]) => `${sql} AS ${name}`);
  return `SELECT tenant_id, toDate(event_time) AS day, user_id, user_roles, ${backfilled} AS backfilled,
    ${figures.join(', ')}
FROM ${from} WHERE ${where}
GROUP BY tenant_id, day, user_id, user_roles`;
}

/** The views feeding audit_user_day, one per audit table, with the records received from `cutover` on. */
export function userDayViewDefs(auditTables: readonly string[], cutover: string): ViewDef[] {
  return auditTables.map((table) => ({
    name: `${table}_user_day_mv`,
    to: USER_DAY_TABLE,
    from: table,
    select: userDaySelect('{from}', false, `received_at >= ${cutoverLiteral(cutover)}`),
  }));
}
