import assert from 'node:assert/strict';
import type { AuditClient } from '@auditlens/sdk';

/** The audit tables steady traffic writes to. */
const TRAFFIC_TABLES = ['audit_request_log', 'audit_database_log', 'audit_change_log'] as const;

export interface SteadyTraffic {
  /** Event ids of every record emitted so far. */
  readonly ids: string[];
  stop(): void;
}

/**
 * Every `intervalMillis`, one audited operation (its own span, so one trace): a request, a data
 * operation and its field change. Returns the event ids as they are emitted.
 */
export function steadyTraffic(client: AuditClient, service: string, intervalMillis = 10): SteadyTraffic {
  const ids: string[] = [];
  let n = 0;
  const timer = setInterval(() => {
    n++;
    client.runAs({ userId: String(n % 20), userName: `${service}-${n % 20}` }, () =>
      client.withAuditedOperation(`POST /api/orders/${n}`, () => {
        ids.push(
          client.request({ method: 'POST', path: `/api/orders/${n}`, statusCode: 201, durationMs: 2 })
            .eventId,
        );
        const db = client.dbOperation({
          table: 'orders',
          operation: 'UPDATE',
          recordId: n,
          before: { state: 'new' },
          after: { state: 'paid' },
        });
        ids.push(db.eventId, ...db.changes.map((c) => c.eventId));
      }),
    );
  }, intervalMillis);
  return { ids, stop: () => clearInterval(timer) };
}

/** Runs a parameterised query against the audit database (either store). */
export type AuditQuery = <T>(sql: string, params?: Record<string, unknown>) => Promise<T[]>;

/** Rows steady traffic of `service` has in its tables (a plain count()). */
export async function countTrafficRows(query: AuditQuery, service: string): Promise<number> {
  const sum = TRAFFIC_TABLES.map(
    (table) => `(SELECT count() FROM audit.${table} WHERE service = {service:String})`,
  ).join(' + ');
  const [row] = await query<{ n: string }>(`SELECT ${sum} AS n`, { service });
  return Number(row?.n);
}

/**
 * Every emitted id is stored once: a plain count() (no FINAL, no DISTINCT) equals the number
 * emitted, and no id is missing.
 */
export async function assertStoredExactlyOnce(
  query: AuditQuery,
  service: string,
  ids: readonly string[],
): Promise<void> {
  const counted = await countTrafficRows(query, service);
  const stored = (
    await Promise.all(
      TRAFFIC_TABLES.map((table) =>
        query<{ id: string }>(
          `SELECT toString(event_id) AS id FROM audit.${table} WHERE service = {service:String}`,
          { service },
        ),
      ),
    )
  ).flatMap((rows) => rows.map((r) => r.id));
  const storedSet = new Set(stored);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  assert.deepEqual(
    {
      emitted: ids.length,
      counted,
      distinct: storedSet.size,
      missing: ids.filter((id) => !storedSet.has(id)).length,
    },
    { emitted: ids.length, counted: ids.length, distinct: ids.length, missing: 0 },
  );
}

/**
 * Steady traffic kept its links: every row has a trace id, each data operation shares its trace
 * with exactly one request, and each field change names its data operation and shares its trace.
 */
export async function assertTrafficLinked(query: AuditQuery, service: string): Promise<void> {
  const [links] = await query<{ untraced: string; lonelyDb: string; lonelyChanges: string }>(
    `SELECT
       (SELECT count() FROM audit.audit_database_log WHERE service = {service:String} AND trace_id = '')
         AS untraced,
       (SELECT count() FROM audit.audit_database_log WHERE service = {service:String}
          AND trace_id NOT IN (SELECT trace_id FROM audit.audit_request_log
                               WHERE service = {service:String} GROUP BY trace_id HAVING count() = 1))
         AS lonelyDb,
       (SELECT count() FROM audit.audit_change_log WHERE service = {service:String}
          AND (db_event_id, trace_id) NOT IN
              (SELECT event_id, trace_id FROM audit.audit_database_log WHERE service = {service:String}))
         AS lonelyChanges`,
    { service },
  );
  assert.deepEqual(
    {
      untraced: Number(links?.untraced),
      lonelyDb: Number(links?.lonelyDb),
      lonelyChanges: Number(links?.lonelyChanges),
    },
    { untraced: 0, lonelyDb: 0, lonelyChanges: 0 },
  );
}
