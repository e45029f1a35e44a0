import type { Answer, Deviation, ProfileTotals, profileSchema } from '@auditlens/contract/rest';
import { formatTime, parseTime } from '../mapping/fields.js';
import { KINDS, type AuditKind } from '../mapping/kinds.js';
import {
  USER_CLIENT_KEYS,
  USER_DAY,
  USER_DAY_FIGURES,
  USER_DAY_TABLE,
  USER_HOUR,
  userHourKeys,
} from '../schema/user-activity.js';
import type { AuditStore, QueryParams } from '../store/store.js';

// A user's behaviour over a period (issue 19 item 1), read from the per-user projections of
// migration 6 and the per-user day summary table of migration 9 (schema/user-activity.ts): the
// user's own queries filter and group by the projections' own key expressions, so ClickHouse
// answers them from the projections' parts (a key-range read per user), not from the audit rows;
// the peers read audit_user_day (a key range per tenant and day), and only their partial first and
// last day read audit rows, by primary key. Hours are UTC (the projections' buckets).

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A DateTime('UTC') query parameter. */
const sqlTime = (ms: number): string => formatTime(ms).slice(0, 19);

export interface ProfileRequest {
  tenantId: string;
  userId: string;
  fromMs: number;
  toMs: number;
  peers: 'role' | 'tenant';
}

export type Profile = Answer<typeof profileSchema>;

interface HourRow {
  kind: AuditKind;
  hour: string;
  service: string;
  action: string;
  resource: string;
  result: string;
  risk_level: number;
  events: string;
  sensitive: string;
}

interface ClientRow {
  ip: string;
  user_agent: string;
  session_id: string;
  user_roles: string[];
  events: string;
  first_seen: string;
  last_seen: string;
}

/** `UNION ALL` of one SELECT per audit table, each built from that table's projection keys. */
function perTable(build: (kind: AuditKind, table: string) => string): string {
  return (Object.keys(KINDS) as AuditKind[])
    .map((kind) => build(kind, KINDS[kind].table))
    .join('\nUNION ALL\n');
}

const userHourWhere = `tenant_id = {tenant:String} AND user_id = {user:String}
  AND ${USER_HOUR} >= {from:DateTime('UTC')} AND ${USER_HOUR} < {to:DateTime('UTC')}`;

/** The user's activity per hour, service, action, resource, result and risk level (p_user_hour). */
function activitySql(store: AuditStore): string {
  return perTable((kind, table) => {
    const [, , hour, service, action, resource, result, risk] = userHourKeys(table);
    return `SELECT '${kind}' AS kind, ${hour} AS hour, ${service} AS service, ${action} AS action,
      ${resource} AS resource, ${result} AS result, ${risk} AS risk_level,
      count() AS events, countIf(is_sensitive) AS sensitive
    FROM ${store.database}.${table} WHERE ${userHourWhere}
    GROUP BY tenant_id, user_id, hour, service, action, resource, result, risk_level`;
  });
}

/**
 * Every client (IP, user agent) and session of the user up to the period's end, with the roles
 * of its newest record (p_user_client).
 */
function clientsSql(store: AuditStore): string {
  const [, , ip, agent, session, roles, day] = USER_CLIENT_KEYS;
  const parts = perTable(
    (_kind, table) =>
      `SELECT ${ip} AS ip, ${agent} AS user_agent, ${session} AS session_id, ${roles} AS user_roles,
        count() AS n, min(event_time) AS first_time, max(event_time) AS last_time
      FROM ${store.database}.${table}
      WHERE tenant_id = {tenant:String} AND user_id = {user:String} AND ${day} <= toDate({to:DateTime('UTC')})
      GROUP BY ${USER_CLIENT_KEYS.join(', ')}`,
  );
  return `SELECT IPv6NumToString(ip) AS ip, user_agent, session_id, argMax(user_roles, last_time) AS user_roles,
    sum(n) AS events, min(first_time) AS first_seen, max(last_time) AS last_seen
  FROM (${parts}) GROUP BY ip, user_agent, session_id ORDER BY last_seen DESC`;
}

const periodParam = (name: string): string => `{${name}:DateTime('UTC')}`;

const peerWhere = "tenant_id = {tenant:String} AND user_id != '' AND user_id != {user:String}";

/** One audit table's peer figures per user, day and roles (audit_user_day's keys) where `where`. */
function peerEdgeSql(store: AuditStore, table: string, where: string): string {
  const figures = Object.entries(USER_DAY_FIGURES).map(([name, sql]) => `${sql} AS ${name}`);
  return `SELECT user_id, ${USER_DAY} AS day, user_roles, ${figures.join(', ')}
    FROM ${store.database}.${table}
    WHERE ${peerWhere} AND ${where}
    GROUP BY tenant_id, day, user_id, user_roles`;
}

/**
 * Per-user totals of the peers in the period (the tenant's other users with a record in it; for
 * role peers, only those with a record carrying one of the user's roles on a day the period
 * touches), then their medians and how many had fewer records than the user.
 *
 * The period is whole UTC hours [from, to). Its whole days [wholeFrom, wholeTo) come from the
 * summary table audit_user_day, read for every day the period touches (the role match looks at whole
 * days); the hours of a partial first or last day come from the audit rows themselves, a primary
 * key range (tenant_id, event_time) of at most two partial days, with the same aggregates. (With
 * no whole day, wholeFrom = wholeTo = from: every hour is an edge hour.) Active hours: per user
 * and day, the hour masks of every table and both reads OR-ed, then their bits counted.
 */
export function peersSql(store: AuditStore, basis: 'role' | 'tenant'): string {
  // Its rows as stored: parts not merged yet may hold a user's day more than once (and the
  // backfilled rows of migration 9 apart from the views' rows); the sums per user and day below
  // add them up.
  const days = `SELECT user_id, day, user_roles, ${Object.keys(USER_DAY_FIGURES).join(', ')}
    FROM ${store.database}.${USER_DAY_TABLE}
    WHERE ${peerWhere} AND day >= toDate(${periodParam('from')}) AND day <= toDate(${periodParam('to')})`;
  const edgeHours = perTable((_kind, table) =>
    peerEdgeSql(
      store,
      table,
      `event_time >= ${periodParam('from')} AND event_time < ${periodParam('to')}
        AND (event_time < ${periodParam('wholeFrom')} OR event_time >= ${periodParam('wholeTo')})`,
    ),
  );
  const figures = Object.keys(USER_DAY_FIGURES).filter((name) => name !== 'hours');
  return `SELECT count() AS users, median(u_events) AS events, median(u_failed) AS failed,
      median(u_high_risk) AS highRisk, median(u_sensitive) AS sensitive, median(u_active_hours) AS activeHours,
      median(u_off_hours) AS offHours, median(u_failed / u_events) AS failureRate,
      countIf(u_events < {userEvents:UInt64}) AS fewer
    FROM (SELECT user_id, sum(events) AS u_events, sum(failed) AS u_failed, sum(high_risk) AS u_high_risk,
        sum(sensitive) AS u_sensitive, sum(bitCount(hours)) AS u_active_hours, sum(off_hours) AS u_off_hours,
        max(role_match) AS u_role_match
      FROM (SELECT user_id, day, max(hasAny(user_roles, {roles:Array(String)})) AS role_match,
          ${figures.map((name) => `sumIf(${name}, in_period) AS ${name}`).join(', ')},
          groupBitOrIf(hours, in_period) AS hours
        FROM (SELECT *, day >= toDate(${periodParam('wholeFrom')}) AND day < toDate(${periodParam('wholeTo')}) AS in_period
            FROM (${days})
          UNION ALL
          SELECT *, true AS in_period FROM (${edgeHours}))
        GROUP BY user_id, day)
      GROUP BY user_id
      HAVING u_events > 0${basis === 'role' ? ' AND u_role_match' : ''})`;
}

/** offHoursSql (schema/user-activity.ts) in JS. */
const isOffHours = (ms: number): boolean => {
  const date = new Date(ms);
  const weekday = date.getUTCDay();
  const hour = date.getUTCHours();
  return weekday === 0 || weekday === 6 || hour < 8 || hour >= 20;
};

function totalsOf(rows: readonly HourRow[], sessions: number): ProfileTotals {
  let events = 0;
  let failed = 0;
  let denied = 0;
  let highRisk = 0;
  let sensitive = 0;
  let offHoursEvents = 0;
  const hours = new Set<string>();
  for (const row of rows) {
    const n = Number(row.events);
    events += n;
    if (row.result === 'failure') failed += n;
    if (row.result === 'denied') denied += n;
    if (Number(row.risk_level) >= 3) highRisk += n;
    sensitive += Number(row.sensitive);
    if (isOffHours(parseTime(row.hour))) offHoursEvents += n;
    hours.add(row.hour);
  }
  const failureRate = events === 0 ? 0 : (failed + denied) / events;
  return {
    events,
    failed,
    denied,
    highRisk,
    sensitive,
    sessions,
    failureRate,
    successRate: events === 0 ? 0 : 1 - failureRate,
    activeHours: hours.size,
    offHoursEvents,
  };
}

/** Sums each row's weight (its records, unless said otherwise) per key, largest first. */
function countBy<T extends { events: number }>(
  rows: readonly HourRow[],
  key: (row: HourRow) => string,
  make: (row: HourRow) => T,
  options: { weight?: (row: HourRow) => number; add?: (into: T, row: HourRow) => void } = {},
): T[] {
  const weight = options.weight ?? ((row: HourRow) => Number(row.events));
  const groups = new Map<string, T>();
  for (const row of rows) {
    const k = key(row);
    let group = groups.get(k);
    if (!group) {
      group = make(row);
      groups.set(k, group);
    }
    group.events += weight(row);
    options.add?.(group, row);
  }
  return [...groups.values()].sort((a, b) => b.events - a.events);
}

/**
 * The user's clients (IP and user agent; new = first seen inside the period), the sessions active
 * in the period (newest first), session counts of the period and of the baseline, and the roles
 * of the newest record. Sessions are matched to a period by their first and last record.
 */
function clientsAndSessions(
  rows: readonly ClientRow[],
  fromMs: number,
  toMs: number,
  baselineFromMs: number,
) {
  const clients = new Map<string, Profile['clients'][number]>();
  const sessions: Profile['sessions'] = [];
  const baselineSessions = new Set<string>();
  for (const row of rows) {
    const first = parseTime(row.first_seen);
    const last = parseTime(row.last_seen);
    const key = `${row.ip}\u0000${row.user_agent}`;
    const client = clients.get(key);
    if (!client) {
      clients.set(key, {
        ip: row.ip,
        userAgent: row.user_agent,
        events: Number(row.events),
        firstSeen: new Date(first).toISOString(),
        lastSeen: new Date(last).toISOString(),
        isNew: first >= fromMs,
      });
    } else {
      client.events += Number(row.events);
      if (first < Date.parse(client.firstSeen)) client.firstSeen = new Date(first).toISOString();
      client.isNew = Date.parse(client.firstSeen) >= fromMs;
    }
    if (row.session_id === '') continue;
    if (last >= fromMs && first < toMs)
      sessions.push({
        id: row.session_id,
        ip: row.ip,
        userAgent: row.user_agent,
        events: Number(row.events),
        firstSeen: new Date(first).toISOString(),
        lastSeen: new Date(last).toISOString(),
      });
    if (last >= baselineFromMs && first < fromMs) baselineSessions.add(row.session_id);
  }
  return {
    // Rows come newest first: so do clients and sessions, and the first row has the newest roles.
    clients: [...clients.values()],
    sessions,
    sessionsInPeriod: new Set(sessions.map((session) => session.id)).size,
    sessionsInBaseline: baselineSessions.size,
    roles: rows[0]?.user_roles ?? [],
  };
}

/** Figures worth calling out: at least twice the larger of the user's baseline and the peers' median. */
const WATCHED: readonly { metric: keyof ProfileTotals; label: string; minimum: number }[] = [
  { metric: 'events', label: 'records', minimum: 20 },
  { metric: 'failed', label: 'failed operations', minimum: 5 },
  { metric: 'denied', label: 'denied operations', minimum: 5 },
  { metric: 'highRisk', label: 'high-risk operations', minimum: 5 },
  { metric: 'sensitive', label: 'sensitive-data operations', minimum: 5 },
  { metric: 'offHoursEvents', label: 'off-hours records', minimum: 5 },
];

export function deviations(
  current: ProfileTotals,
  baseline: ProfileTotals,
  peers: ProfileTotals,
): Deviation[] {
  const found: Deviation[] = [];
  for (const { metric, label, minimum } of WATCHED) {
    const value = current[metric];
    const reference = Math.max(baseline[metric], peers[metric]);
    const ratio = value / Math.max(reference, 1);
    if (value < minimum || ratio < 2) continue;
    found.push({
      metric,
      label,
      value,
      baseline: baseline[metric],
      peerMedian: peers[metric],
      ratio,
      message:
        `${value} ${label}: ${ratio >= 10 ? 'over 10' : ratio.toFixed(1)}× the larger of the previous period ` +
        `(${baseline[metric]}) and the peers' median (${peers[metric]})`,
    });
  }
  return found.sort((a, b) => b.ratio - a.ratio);
}

/** The whole UTC days of a period of whole hours, as peersSql's parameters (see there). */
export function wholeDays(fromMs: number, toMs: number): { wholeFrom: string; wholeTo: string } {
  const wholeFromMs = Math.ceil(fromMs / DAY_MS) * DAY_MS;
  const wholeToMs = Math.floor(toMs / DAY_MS) * DAY_MS;
  return wholeFromMs < wholeToMs
    ? { wholeFrom: sqlTime(wholeFromMs), wholeTo: sqlTime(wholeToMs) }
    : { wholeFrom: sqlTime(fromMs), wholeTo: sqlTime(fromMs) };
}

/** The queries a profile reads from the projections (their plans are checked by the tests). */
export const PROJECTION_QUERIES = {
  p_user_hour: activitySql,
  p_user_client: clientsSql,
};

/** The user's profile for a period, its previous period of equal length, and its peers. */
export async function userProfile(store: AuditStore, request: ProfileRequest): Promise<Profile> {
  // Whole UTC hours: the projection's buckets (a partial hour at either end is counted whole).
  const fromMs = Math.floor(request.fromMs / HOUR_MS) * HOUR_MS;
  const toMs = Math.ceil(request.toMs / HOUR_MS) * HOUR_MS;
  const baselineFromMs = fromMs - (toMs - fromMs);
  const base: QueryParams = { tenant: request.tenantId, user: request.userId };
  const period = { ...base, from: sqlTime(fromMs), to: sqlTime(toMs) };
  const baselinePeriod = { ...base, from: sqlTime(baselineFromMs), to: period.from };

  const [activity, baselineActivity, clientRows, security] = await Promise.all([
    store.query<HourRow>(activitySql(store), period),
    store.query<HourRow>(activitySql(store), baselinePeriod),
    store.query<ClientRow>(clientsSql(store), period),
    store.query<Profile['securityEvents'][number] & { alerts: string }>(
      `SELECT toString(event_id) AS event_id, event_time, trace_id, event_type, detection_method, rule_name,
         risk_level, result, IPv6NumToString(ip_address) AS ip_address, description,
         countIf(detection_method != '') OVER () AS alerts
       FROM ${store.database}.${KINDS.security.table}
       WHERE tenant_id = {tenant:String} AND user_id = {user:String}
         AND event_time >= {from:DateTime('UTC')} AND event_time < {to:DateTime('UTC')}
       ORDER BY event_time DESC LIMIT 50`,
      period,
    ),
  ]);
  const seen = clientsAndSessions(clientRows, fromMs, toMs, baselineFromMs);
  const totals = totalsOf(activity, seen.sessionsInPeriod);
  const baseline = totalsOf(baselineActivity, seen.sessionsInBaseline);
  const roles = seen.roles;
  const peerBasis = request.peers === 'role' && roles.length > 0 ? 'role' : 'tenant';
  const [peerRow] = await store.query<Record<string, string | number>>(peersSql(store, peerBasis), {
    ...period,
    ...wholeDays(fromMs, toMs),
    roles,
    userEvents: totals.events,
  });
  const peer = (name: string): number => Number(peerRow?.[name] ?? 0) || 0;
  const peerMedian: ProfileTotals = {
    events: peer('events'),
    failed: peer('failed'),
    denied: 0,
    highRisk: peer('highRisk'),
    sensitive: peer('sensitive'),
    sessions: 0,
    failureRate: peer('failureRate'),
    successRate: peer('users') > 0 ? 1 - peer('failureRate') : 0,
    activeHours: peer('activeHours'),
    offHoursEvents: peer('offHours'),
  };

  const heat = new Map<string, { weekday: number; hour: number; events: number }>();
  for (const row of activity) {
    const date = new Date(parseTime(row.hour));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    const key = `${weekday}:${date.getUTCHours()}`;
    const cell = heat.get(key) ?? { weekday, hour: date.getUTCHours(), events: 0 };
    cell.events += Number(row.events);
    heat.set(key, cell);
  }

  return {
    tenant: request.tenantId,
    user: request.userId,
    roles,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    baselineFrom: new Date(baselineFromMs).toISOString(),
    baselineTo: new Date(fromMs).toISOString(),
    totals,
    baseline,
    peers: {
      basis: peerBasis,
      users: peer('users'),
      median: peerMedian,
      eventsPercentile: peer('users') > 0 ? peer('fewer') / peer('users') : 0,
    },
    deviations: deviations(totals, baseline, peerMedian),
    byKind: countBy(
      activity,
      (r) => r.kind,
      (r) => ({ name: r.kind, events: 0 }),
    ),
    byResult: countBy(
      activity,
      (r) => r.result,
      (r) => ({ name: r.result, events: 0 }),
    ),
    byAction: countBy(
      activity,
      (r) => `${r.kind}\u0000${r.action}`,
      (r) => ({ kind: r.kind, action: r.action, events: 0, failed: 0, sensitive: 0 }),
      {
        add: (group, r) => {
          if (r.result === 'failure' || r.result === 'denied') group.failed += Number(r.events);
          group.sensitive += Number(r.sensitive);
        },
      },
    ),
    riskDistribution: countBy(
      activity,
      (r) => String(r.risk_level),
      (r) => ({ level: Number(r.risk_level), events: 0 }),
    ).sort((a, b) => a.level - b.level),
    heatmap: [...heat.values()].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour),
    services: countBy(
      activity,
      (r) => r.service,
      (r) => ({ name: r.service, events: 0 }),
    ),
    resources: countBy(
      activity.filter((r) => r.resource !== ''),
      (r) => `${r.kind}\u0000${r.resource}`,
      (r) => ({ kind: r.kind, resource: r.resource, events: 0, sensitive: 0 }),
      {
        add: (group, r) => {
          group.sensitive += Number(r.sensitive);
        },
      },
    ).slice(0, 100),
    clients: seen.clients,
    sessions: seen.sessions.slice(0, 50),
    sensitiveOperations: countBy(
      activity.filter((r) => Number(r.sensitive) > 0),
      (r) => `${r.kind}\u0000${r.action}\u0000${r.resource}`,
      (r) => ({ kind: r.kind, action: r.action, resource: r.resource, events: 0 }),
      { weight: (r) => Number(r.sensitive) },
    ),
    securityEvents: security.map(({ alerts: _alerts, ...event }) => ({
      ...event,
      risk_level: Number(event.risk_level),
      event_time: new Date(parseTime(event.event_time)).toISOString(),
    })),
    alerts: Number(security[0]?.alerts ?? 0),
  };
}
