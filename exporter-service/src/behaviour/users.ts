import type { Answer, userLookupSchema } from '@auditlens/contract/rest';
import { formatTime, parseTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore } from '../store/store.js';

// The user lookup (issue 19): an auditor knows a name ("zhangsan", "Wang Wu"), a profile takes
// the user id (`user.id`). The users of one tenant with records in the period whose id or one of
// whose names (`user.name`, the `username` column) contains the text, any case.

export interface UserLookupRequest {
  tenantId: string;
  /** A part of a user id or name; matched case-insensitively (UTF-8 aware). */
  text: string;
  fromMs: number;
  toMs: number;
  limit: number;
}

export type UserLookup = Answer<typeof userLookupSchema>;

interface MatchRow {
  user_id: string;
  names: string[];
  roles: string[];
  records: string;
  last_seen: string;
  exact: number;
}

const inPeriod = `tenant_id = {tenant:String} AND user_id != ''
  AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}`;

/**
 * Two passes over the tenant's period: the ids whose id or a name contains the text, then all of
 * those users' records (the names of a user who matched by id, and the records of other names,
 * count too), per user: names by use, roles of the newest record, records, last seen.
 */
function lookupSql(store: AuditStore): string {
  const union = (select: (table: string) => string): string =>
    AUDIT_TABLES.map((table) => select(`${store.database}.${table}`)).join('\nUNION ALL\n');
  const candidates = union(
    (table) => `SELECT user_id FROM ${table} WHERE ${inPeriod}
      AND (positionCaseInsensitiveUTF8(user_id, {text:String}) > 0
        OR positionCaseInsensitiveUTF8(username, {text:String}) > 0)`,
  );
  const rows = union(
    (table) => `SELECT user_id, username, user_roles, event_time FROM ${table}
      WHERE ${inPeriod} AND user_id IN (${candidates})`,
  );
  return `SELECT user_id,
      arrayMap(p -> p.1, arraySort(p -> -p.2, groupArrayIf((username, n), username != ''))) AS names,
      argMax(roles, last) AS roles, sum(n) AS records, max(last) AS last_seen,
      max(lowerUTF8(user_id) = lowerUTF8({text:String}) OR lowerUTF8(username) = lowerUTF8({text:String})) AS exact
    FROM (SELECT user_id, username, argMax(user_roles, event_time) AS roles, count() AS n,
        max(event_time) AS last
      FROM (${rows}) GROUP BY user_id, username)
    GROUP BY user_id
    ORDER BY exact DESC, records DESC, user_id
    LIMIT {limit:UInt32}`;
}

/** The users matching the text in the period: exact matches first, then the most active; bounded. */
export async function lookUpUsers(store: AuditStore, request: UserLookupRequest): Promise<UserLookup> {
  const rows = await store.query<MatchRow>(lookupSql(store), {
    tenant: request.tenantId,
    text: request.text,
    from: formatTime(request.fromMs),
    to: formatTime(request.toMs),
    // One more than asked: whether the list was cut.
    limit: request.limit + 1,
  });
  return {
    tenant: request.tenantId,
    from: new Date(request.fromMs).toISOString(),
    to: new Date(request.toMs).toISOString(),
    users: rows.slice(0, request.limit).map((row) => ({
      id: row.user_id,
      names: row.names,
      roles: row.roles,
      records: Number(row.records),
      lastSeen: new Date(parseTime(row.last_seen)).toISOString(),
      exact: Boolean(Number(row.exact)),
    })),
    truncated: rows.length > request.limit,
  };
}
