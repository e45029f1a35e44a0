/**
 * Per-user aggregates kept by ClickHouse inside every part of every audit table (issue 19: user
 * behaviour profiles over 30 days at 10 M rows in under a second). Projections rather than
 * summary tables fed by materialized views: ClickHouse builds them for every insert, merge and
 * retention delete, and MATERIALIZE PROJECTION covers the rows already stored, so there is no
 * backfill to run once and no window in which a summary misses or double-counts rows.
 *
 * Frozen once released (migration 6 creates them): a query uses a projection only when it spells
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
 * The GROUP BY keys of the per-user day projection (migration 9), in projection order: a tenant's
 * days first, so the peers of a period are one key-range read of small per-user rows; the roles
 * as a key, so a role filter needs no other read.
 */
export const USER_DAY_KEYS = ['tenant_id', USER_DAY, 'user_id', 'user_roles'];

/**
 * The per-user day projection's aggregates, named: what a peer comparison sums over a period.
 * `hours` is the day's active hours as a 24-bit mask (bit h = a record in hour h UTC): OR-ing the
 * masks of the six tables and counting bits gives the user's distinct active hours of the day.
 */
export const USER_DAY_FIGURES = {
  events: 'count()',
  failed: "countIf(result IN ('failure', 'denied'))",
  high_risk: 'countIf(risk_level >= 3)',
  sensitive: 'countIf(is_sensitive)',
  off_hours: `countIf(${offHoursSql('event_time')})`,
  hours: 'groupBitOr(bitShiftLeft(toUInt32(1), toHour(event_time)))',
} as const;

/**
 * Per tenant, day, user and roles: the figures of USER_DAY_FIGURES. Few columns and, at most, one
 * row per user and day, where p_user_hour keeps one per hour, service, action, resource, result
 * and risk level: the peers' read of a whole tenant.
 */
export function userDayProjection(): string {
  const keys = USER_DAY_KEYS.join(', ');
  return `p_user_day (SELECT ${keys}, ${Object.values(USER_DAY_FIGURES).join(', ')} GROUP BY ${keys})`;
}
