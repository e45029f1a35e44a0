import { createHash } from 'node:crypto';
import type { Answer, Evidence, suspiciousSchema } from '@auditlens/contract/rest';
import { BUILTIN_RULES } from '../alerts/builtin.js';
import { DETECTIONS, detection, type DetectionType } from '../alerts/detections.js';
import type { AlertRuleInput } from '../alerts/rule-model.js';
import { formatTime, parseTime } from '../mapping/fields.js';
import { KINDS, type AuditKind } from '../mapping/kinds.js';
import type { AuditStore, QueryParams } from '../store/store.js';

// The suspicious-activity list (issue 19 item 2): each detection is one query over the period
// (and, where it compares with the past, the LOOKBACK before it), answering one row per user with
// what was seen and the evidence records. Every finding is named in the alert rules' vocabulary
// (alerts/detections.ts) and carries an alert rule that watches for the same thing as records
// stream in.

const DAY_MS = 86_400_000;
/** How far back "new" and "unusual" look: the built-in new-admin-IP rule's 30 days. */
export const LOOKBACK_MS = 30 * DAY_MS;
const EVIDENCE = 20;

export type Suspicious = Answer<typeof suspiciousSchema>;
type Finding = Suspicious['findings'][number];

export interface SuspiciousRequest {
  tenantId: string;
  fromMs: number;
  toMs: number;
  user?: string | undefined;
  minScore: number;
  limit: number;
}

/** What a detection query answers: one row per user (and detail). */
interface DetectionRow {
  user_id: string;
  count: string | number;
  first_seen: string;
  last_seen: string;
  /** How far past the detection's threshold (1 = at it), for the score. */
  excess: string | number;
  detail: string;
  evidence: [string, string, string, string, string, string][];
}

interface DetectionQuery {
  type: DetectionType;
  severity: number;
  sql: (store: AuditStore) => string;
  summary: (row: DetectionRow) => string;
  /** The alert rule that watches for this as records stream in (the streaming equivalent). */
  rule: AlertRuleInput;
}

const table = (store: AuditStore, kind: AuditKind): string => `${store.database}.${KINDS[kind].table}`;
const inPeriod = "event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}";
const inLookback =
  "event_time >= {lookback:DateTime64(3, 'UTC')} AND event_time < {from:DateTime64(3, 'UTC')}";
const ofTenant =
  "tenant_id = {tenant:String} AND user_id != '' AND ({user:String} = '' OR user_id = {user:String})";
/** An evidence tuple: kind, event id, time, trace id, client IP, summary. */
const evidence = (kind: AuditKind, summary: string): string =>
  `tuple('${kind}', toString(event_id), toString(event_time), trace_id, IPv6NumToString(ip_address), ${summary})`;
const loginEvidence = evidence('security', "concat(event_type, ' ', user_agent)");

/** The privilege-change filter of the built-in rule (builtin.privilege-change), in SQL. */
const PRIVILEGE_TARGETS = [
  'role',
  'roles',
  'permission',
  'permissions',
  'privilege',
  'user_role',
  'group_membership',
];
const PRIVILEGE_OPERATION = '(?i)(role|permission|privilege|grant|revoke|sudo)';
const EXPORT_OPERATIONS = ['export', 'EXPORT', 'data_export', 'DATA_EXPORT'];

/** A rule of any kind without what the vocabulary gives it (Omit applied to each kind). */
type RuleBody = AlertRuleInput extends infer R
  ? R extends AlertRuleInput
    ? Omit<R, 'id' | 'name' | 'description' | 'eventType' | 'mitre'>
    : never
  : never;

const rule = (slug: string, type: DetectionType, rest: RuleBody): AlertRuleInput =>
  ({
    id: `suspicious.${slug}`,
    name: DETECTIONS[type].name,
    description: `${DETECTIONS[type].description} (made from the suspicious-activity list)`,
    ...detection(type),
    ...rest,
  }) as AlertRuleInput;

/** New values per user among the logins of the period, against the LOOKBACK before it. */
function newValueQuery(
  type: DetectionType,
  slug: string,
  value: string,
  label: string,
  ruleField: string,
  severity: number,
): DetectionQuery {
  return {
    type,
    severity,
    sql: (store) => `SELECT user_id, count() AS count, min(first) AS first_seen, max(last) AS last_seen,
        1 AS excess, arrayStringConcat(groupArray(v), ', ') AS detail, arrayFlatten(groupArray(ev)) AS evidence
      FROM (
        SELECT user_id, ${value} AS v, min(event_time) AS first, max(event_time) AS last,
          groupArray(${EVIDENCE})(${loginEvidence}) AS ev
        FROM ${table(store, 'security')}
        WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS' AND ${inPeriod} AND ${value} != ''
        GROUP BY user_id, v
      ) AS current
      WHERE (user_id, v) NOT IN (
        SELECT user_id, ${value} FROM ${table(store, 'security')}
        WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS' AND ${inLookback})
        AND user_id IN (SELECT user_id FROM ${table(store, 'security')}
          WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS' AND ${inLookback})
      GROUP BY user_id`,
    summary: (row) => `${row.user_id} logged in from new ${label} ${row.detail}`,
    rule: rule(slug, type, {
      kind: 'new_value',
      source: 'security',
      filter: LOGINS_BY_USER,
      groupBy: ['user_id'],
      window: '30m',
      newValue: { fields: [ruleField], lookback: '30d', requireHistory: true },
      severity,
      summary: `{user_id} logged in from new ${label} {${ruleField}}`,
    }),
  };
}

/** Sensitive reads: GET requests, SELECTs and reads of audit data marked sensitive. */
const sensitiveReads = (store: AuditStore): string =>
  [
    ['request', "http_method = 'GET'", "concat(http_method, ' ', url_path)"],
    ['db_operation', "db_operation = 'SELECT'", "concat(db_operation, ' ', db_table)"],
    ['access', '1', "concat(access_type, ' ', resource)"],
  ]
    .map(
      ([kind, read, summary]) =>
        `SELECT user_id, event_time, ${evidence(kind as AuditKind, summary as string)} AS ev
         FROM ${table(store, kind as AuditKind)}
         WHERE ${ofTenant} AND is_sensitive AND ${read} AND event_time >= {from:DateTime64(3, 'UTC')}
           AND event_time < {to:DateTime64(3, 'UTC')} + INTERVAL 1 HOUR`,
    )
    .join(' UNION ALL ');

/** Every table's records, for detections over all kinds (denied streaks, exports). */
const allKinds = (store: AuditStore, where: string, summary = 'operation_name'): string =>
  (Object.keys(KINDS) as AuditKind[])
    .map(
      (kind) =>
        `SELECT user_id, event_time, ${evidence(kind, summary)} AS ev FROM ${table(store, kind)}
         WHERE ${ofTenant} AND ${inPeriod} AND ${where}`,
    )
    .join(' UNION ALL ');

/** The filter of the rules that watch users' successful logins. */
const LOGINS_BY_USER: AlertRuleInput['filter'] = [
  { field: 'event_type', op: '=', value: 'LOGIN_SUCCESS' },
  { field: 'user_id', op: '!=', value: '' },
];

/** A built-in rule under a new id: the streaming equivalent of a detection that has one. */
function fromBuiltin(builtinId: string, slug: string): AlertRuleInput {
  const builtin = BUILTIN_RULES.find((candidate) => candidate.id === builtinId);
  if (!builtin) throw new Error(`no built-in rule ${builtinId}`);
  return {
    ...builtin,
    id: `suspicious.${slug}`,
    description: `${builtin.description} (made from the suspicious-activity list)`,
  };
}

/**
 * Bursts: at least `minCount` of a user's `records` (user_id, event_time, ev) in one `window`
 * bucket; the score grows with the largest bucket against `threshold`.
 */
function burst(spec: {
  type: DetectionType;
  severity: number;
  records: (store: AuditStore) => string;
  window: 'toStartOfFiveMinutes' | 'toStartOfTenMinutes' | 'toStartOfHour';
  threshold: number;
  minCount: number;
  summary: (row: DetectionRow) => string;
  rule: AlertRuleInput;
}): DetectionQuery {
  return {
    type: spec.type,
    severity: spec.severity,
    sql: (store) => `SELECT user_id, sum(n) AS count, min(first) AS first_seen, max(last) AS last_seen,
        max(n) / ${spec.threshold} AS excess, toString(max(n)) AS detail,
        arraySlice(arrayFlatten(groupArray(ev)), 1, ${EVIDENCE}) AS evidence
      FROM (SELECT user_id, ${spec.window}(event_time) AS w, count() AS n, min(event_time) AS first,
          max(event_time) AS last, groupArray(${EVIDENCE})(ev) AS ev
        FROM (${spec.records(store)})
        GROUP BY user_id, w HAVING n >= ${spec.minCount})
      GROUP BY user_id`,
    summary: spec.summary,
    rule: spec.rule,
  };
}

export const DETECTION_QUERIES: readonly DetectionQuery[] = [
  burst({
    type: 'BRUTE_FORCE',
    severity: 3,
    // The built-in brute-force-account threshold: more than 10 failed logins in 5 minutes.
    records: (store) =>
      `SELECT user_id, event_time, ${loginEvidence} AS ev FROM ${table(store, 'security')}
       WHERE ${ofTenant} AND event_type = 'LOGIN_FAILED' AND ${inPeriod}`,
    window: 'toStartOfFiveMinutes',
    threshold: 10,
    minCount: 11,
    summary: (row) =>
      `${row.count} failed logins for ${row.user_id} in bursts (up to ${row.detail} in 5 minutes)`,
    rule: fromBuiltin('builtin.brute-force-account', 'brute-force-account'),
  }),
  {
    type: 'ACCOUNT_TAKEOVER',
    severity: 4,
    // The built-in account-takeover sequence: 5 or more failures, then a success, within 10 minutes.
    sql: (store) => `SELECT user_id, count() AS count, min(first) AS first_seen, max(success) AS last_seen,
        max(failures) / 5 AS excess, toString(max(failures)) AS detail,
        arraySlice(arrayFlatten(groupArray(ev)), 1, ${EVIDENCE}) AS evidence
      FROM (SELECT user_id, toStartOfTenMinutes(event_time) AS w, countIf(event_type = 'LOGIN_FAILED') AS failures,
          minIf(event_time, event_type = 'LOGIN_FAILED') AS first, maxIf(event_time, event_type = 'LOGIN_SUCCESS') AS success,
          groupArray(${EVIDENCE})(${loginEvidence}) AS ev
        FROM ${table(store, 'security')}
        WHERE ${ofTenant} AND event_type IN ('LOGIN_FAILED', 'LOGIN_SUCCESS') AND ${inPeriod}
        GROUP BY user_id, w HAVING failures >= 5 AND success > first)
      GROUP BY user_id`,
    summary: (row) => `${row.user_id} logged in after ${row.detail} failed logins within 10 minutes`,
    rule: fromBuiltin('builtin.account-takeover', 'account-takeover'),
  },
  {
    type: 'UNUSUAL_HOUR_LOGIN',
    severity: 2,
    // Hours of the day (UTC) at which the user logged in during the lookback: at least 5 logins
    // there make a habit; a login at any other hour is unusual for that user.
    sql: (store) => `SELECT l.user_id AS user_id, count() AS count, min(l.event_time) AS first_seen,
        max(l.event_time) AS last_seen, 1 AS excess,
        arrayStringConcat(arrayMap(h -> concat(toString(h), ':00'), arraySort(groupUniqArray(toHour(l.event_time)))), ', ') AS detail,
        groupArray(${EVIDENCE})(tuple('security', toString(l.event_id), toString(l.event_time), l.trace_id,
          IPv6NumToString(l.ip_address), concat('LOGIN_SUCCESS at ', toString(toHour(l.event_time)), ':00 UTC'))) AS evidence
      FROM ${table(store, 'security')} AS l
      INNER JOIN (SELECT user_id, groupUniqArray(toHour(event_time)) AS hours FROM ${table(store, 'security')}
        WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS' AND ${inLookback}
        GROUP BY user_id HAVING count() >= 5) AS h ON l.user_id = h.user_id
      WHERE l.tenant_id = {tenant:String} AND l.event_type = 'LOGIN_SUCCESS'
        AND l.event_time >= {from:DateTime64(3, 'UTC')} AND l.event_time < {to:DateTime64(3, 'UTC')}
        AND NOT has(h.hours, toHour(l.event_time))
      GROUP BY l.user_id`,
    summary: (row) => `${row.user_id} logged in at unusual hours (${row.detail} UTC)`,
    // Rules have no per-user habit: the streaming equivalent is a login outside business hours.
    rule: rule('unusual-hour-login', 'UNUSUAL_HOUR_LOGIN', {
      kind: 'match',
      source: 'security',
      filter: LOGINS_BY_USER,
      schedule: { timezone: 'UTC', weekdays: [1, 2, 3, 4, 5], from: '07:00', to: '21:00', match: 'outside' },
      groupBy: ['user_id'],
      window: '1h',
      severity: 2,
      summary: '{user_id} logged in outside business hours',
    }),
  },
  newValueQuery('NEW_IP', 'new-ip', 'IPv6NumToString(ip_address)', 'IP', 'ip_address', 2),
  newValueQuery(
    'NEW_COUNTRY',
    'new-country',
    "attributes['geo.country.iso_code']",
    'country',
    'attributes.geo.country.iso_code',
    3,
  ),
  newValueQuery('NEW_USER_AGENT', 'new-user-agent', 'user_agent', 'user agent', 'user_agent', 1),
  {
    type: 'IMPOSSIBLE_TRAVEL',
    severity: 4,
    // Consecutive logins of a user with coordinates (geo.location.lat/lon): faster than 1,000 km/h
    // over more than 500 km.
    sql: (
      store,
    ) => `SELECT user_id, count() AS count, min(prev_time) AS first_seen, max(event_time) AS last_seen,
        max(speed) / 1000 AS excess, concat(toString(round(max(speed))), ' km/h') AS detail,
        arraySlice(arrayFlatten(groupArray([prev_ev, ev])), 1, ${EVIDENCE}) AS evidence
      FROM (SELECT user_id, event_time, ev,
          lagInFrame(event_time) OVER w AS prev_time, lagInFrame(ev) OVER w AS prev_ev,
          lagInFrame(lat) OVER w AS prev_lat, lagInFrame(lon) OVER w AS prev_lon,
          row_number() OVER w AS n,
          greatCircleDistance(prev_lon, prev_lat, lon, lat) / 1000 AS km,
          km / greatest(dateDiff('second', prev_time, event_time) / 3600, 1 / 60) AS speed
        FROM (SELECT user_id, event_time, toFloat64OrNull(attributes['geo.location.lat']) AS lat,
            toFloat64OrNull(attributes['geo.location.lon']) AS lon,
            tuple('security', toString(event_id), toString(event_time), trace_id, IPv6NumToString(ip_address),
              concat('LOGIN_SUCCESS from ', attributes['geo.country.iso_code'], ' ', IPv6NumToString(ip_address))) AS ev
          FROM ${table(store, 'security')}
          WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS' AND ${inPeriod} AND lat IS NOT NULL AND lon IS NOT NULL)
        WINDOW w AS (PARTITION BY user_id ORDER BY event_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
      WHERE n > 1 AND km > 500 AND speed > 1000
      GROUP BY user_id`,
    summary: (row) => `${row.user_id} logged in from places ${row.detail} apart`,
    // No rule kind compares places; the streaming equivalent is a login from a new country.
    rule: rule('impossible-travel', 'IMPOSSIBLE_TRAVEL', {
      kind: 'new_value',
      source: 'security',
      filter: LOGINS_BY_USER,
      groupBy: ['user_id'],
      window: '30m',
      newValue: { fields: ['attributes.geo.country.iso_code'], lookback: '7d', requireHistory: true },
      severity: 4,
      summary: '{user_id} logged in from another country',
    }),
  },
  {
    type: 'PRIVILEGE_THEN_SENSITIVE_READ',
    severity: 4,
    // A privilege change (the built-in privilege-change filter) names its actor and its target;
    // either one reading sensitive data in the hour after is the finding.
    sql: (store) => `SELECT r.user_id AS user_id, count() AS count, min(c.changed_at) AS first_seen,
        max(r.event_time) AS last_seen, count() / 3 AS excess, any(c.operation) AS detail,
        arraySlice(arrayConcat(groupUniqArray(c.ev), groupArray(r.ev)), 1, ${EVIDENCE}) AS evidence
      FROM (${sensitiveReads(store)}) AS r
      INNER JOIN (SELECT arrayJoin(arrayDistinct([user_id, target_id])) AS subject, event_time AS changed_at,
          operation_name AS operation,
          ${evidence('admin', "concat(operation_name, ' ', target_type, ' ', target_id)")} AS ev
        FROM ${table(store, 'admin')}
        WHERE tenant_id = {tenant:String} AND ${inPeriod}
          AND (target_type IN {privilegeTargets:Array(String)} OR match(operation_name, {privilegeOperation:String}))
      ) AS c ON r.user_id = c.subject
      WHERE c.subject != '' AND r.event_time >= c.changed_at AND r.event_time < c.changed_at + INTERVAL 1 HOUR
      GROUP BY r.user_id HAVING count() >= 3`,
    summary: (row) =>
      `${row.user_id} read sensitive data ${row.count} times within an hour of a privilege change (${row.detail})`,
    // The streaming equivalent follows the actor: a privilege change, then a sensitive record.
    rule: rule('privilege-then-sensitive-read', 'PRIVILEGE_THEN_SENSITIVE_READ', {
      kind: 'sequence',
      source: '*',
      filter: [{ field: 'user_id', op: '!=', value: '' }],
      groupBy: ['user_id'],
      window: '1h',
      sequence: {
        first: [{ field: 'operation_name', op: 'regex', pattern: PRIVILEGE_OPERATION }],
        minCount: 1,
        then: [{ field: 'is_sensitive', op: '=', value: true }],
      },
      severity: 4,
      summary: '{user_id} read sensitive data after a privilege change',
    }),
  },
  burst({
    type: 'MASS_EXPORT',
    severity: 3,
    // The built-in mass-export threshold: more than 20 exports by one user in an hour.
    records: (store) =>
      `${allKinds(store, 'operation_name IN {exportOperations:Array(String)}')}
       UNION ALL SELECT user_id, event_time, ${evidence('access', "concat(access_type, ' ', resource)")} AS ev
       FROM ${table(store, 'access')} WHERE ${ofTenant} AND ${inPeriod} AND access_type = 'export'`,
    window: 'toStartOfHour',
    threshold: 20,
    minCount: 21,
    summary: (row) => `${row.count} exports by ${row.user_id} (up to ${row.detail} in one hour)`,
    rule: fromBuiltin('builtin.mass-export', 'mass-export'),
  }),
  burst({
    type: 'ACCESS_DENIED_STREAK',
    severity: 2,
    // 10 or more refused operations of one user within 10 minutes.
    records: (store) => allKinds(store, "result = 'denied'", "concat(operation_name, ' denied')"),
    window: 'toStartOfTenMinutes',
    threshold: 10,
    minCount: 10,
    summary: (row) => `${row.count} denied operations for ${row.user_id} (up to ${row.detail} in 10 minutes)`,
    rule: rule('access-denied-streak', 'ACCESS_DENIED_STREAK', {
      kind: 'threshold',
      source: '*',
      filter: [
        { field: 'result', op: '=', value: 'denied' },
        { field: 'user_id', op: '!=', value: '' },
      ],
      groupBy: ['user_id'],
      window: '10m',
      threshold: 9,
      severity: 2,
      summary: '{count} denied operations for {user_id} within {window}',
    }),
  }),
  {
    type: 'DORMANT_ACCOUNT_ACTIVE',
    severity: 3,
    // Logins in the period by an account whose previous login was 30 days or more before (within
    // a year; an account never seen before is new, not dormant).
    sql: (
      store,
    ) => `SELECT user_id, count() AS count, min(event_time) AS first_seen, max(event_time) AS last_seen,
        dateDiff('day', any(previous), min(event_time)) AS gap_days, gap_days / 30 AS excess,
        concat(toString(gap_days), ' days') AS detail, groupArray(${EVIDENCE})(ev) AS evidence
      FROM (SELECT user_id, event_time, ${loginEvidence} AS ev,
          lagInFrame(event_time) OVER (PARTITION BY user_id ORDER BY event_time
            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS previous,
          row_number() OVER (PARTITION BY user_id ORDER BY event_time) AS n
        FROM ${table(store, 'security')}
        WHERE ${ofTenant} AND event_type = 'LOGIN_SUCCESS'
          AND event_time >= {from:DateTime64(3, 'UTC')} - INTERVAL 365 DAY AND event_time < {to:DateTime64(3, 'UTC')})
      WHERE event_time >= {from:DateTime64(3, 'UTC')} AND n > 1
        AND dateDiff('day', previous, event_time) >= 30
      GROUP BY user_id`,
    summary: (row) => `${row.user_id} logged in after ${row.detail} without a login`,
    rule: rule('dormant-account', 'DORMANT_ACCOUNT_ACTIVE', {
      kind: 'new_value',
      source: 'security',
      filter: LOGINS_BY_USER,
      groupBy: [],
      window: '1h',
      newValue: { fields: ['user_id'], lookback: '30d', requireHistory: true },
      severity: 3,
      summary: '{user_id} logged in for the first time in 30 days',
    }),
  },
];

/** 0–100: the severity's weight (20 per level), plus up to 20 for how far past the threshold. */
export function score(severity: number, excess: number): number {
  const beyond = Math.max(0, Math.log2(Math.max(excess, 1))) * 10;
  return Math.round(Math.min(100, severity * 20 + Math.min(20, beyond)));
}

const isoTime = (text: string): string => new Date(parseTime(text)).toISOString();

function toFinding(tenantId: string, query: DetectionQuery, row: DetectionRow): Finding {
  const spec = DETECTIONS[query.type];
  const evidenceRows: Evidence[] = row.evidence.map(([kind, eventId, time, traceId, ip, summary]) => ({
    kind: kind as AuditKind,
    event_id: eventId,
    event_time: isoTime(time),
    trace_id: traceId,
    ip_address: ip,
    summary,
  }));
  const id = createHash('sha256')
    .update(`${tenantId}\u0000${query.type}\u0000${row.user_id}\u0000${evidenceRows[0]?.event_id ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    eventType: query.type,
    name: spec.name,
    score: score(query.severity, Number(row.excess)),
    severity: query.severity,
    userId: row.user_id,
    summary: query.summary(row),
    firstSeen: isoTime(row.first_seen),
    lastSeen: isoTime(row.last_seen),
    count: Number(row.count),
    // The rule's (a built-in one may name a sub-technique of the vocabulary's, e.g. T1110.001).
    mitre: { ...(query.rule.mitre ?? spec.mitre) },
    evidence: evidenceRows,
    // The list's tenant, also over a built-in rule's `*`: a finding of one tenant becomes a rule for it.
    rule: { ...query.rule, enabled: true, tenant: tenantId === '' ? '@system' : tenantId } as Finding['rule'],
  };
}

/** The ranked list of suspicious activity of a tenant (or one user) in a period. */
export async function suspiciousActivity(store: AuditStore, request: SuspiciousRequest): Promise<Suspicious> {
  const params: QueryParams = {
    tenant: request.tenantId,
    user: request.user ?? '',
    from: formatTime(request.fromMs),
    to: formatTime(request.toMs),
    lookback: formatTime(request.fromMs - LOOKBACK_MS),
    privilegeTargets: PRIVILEGE_TARGETS,
    privilegeOperation: PRIVILEGE_OPERATION,
    exportOperations: EXPORT_OPERATIONS,
  };
  const answers = await Promise.all(
    DETECTION_QUERIES.map(async (query) => {
      const rows = await store.query<DetectionRow>(query.sql(store), params);
      return rows.map((row) => toFinding(request.tenantId, query, row));
    }),
  );
  const findings = answers
    .flat()
    .filter((finding) => finding.score >= request.minScore)
    .sort((a, b) => b.score - a.score || b.lastSeen.localeCompare(a.lastSeen))
    .slice(0, request.limit);
  return {
    tenant: request.tenantId,
    from: new Date(request.fromMs).toISOString(),
    to: new Date(request.toMs).toISOString(),
    findings,
    detections: DETECTION_QUERIES.map(({ type }) => ({ eventType: type, ...DETECTIONS[type] })),
  };
}
