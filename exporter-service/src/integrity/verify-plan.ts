import type { AuditStore } from '../store/store.js';
import { archiveTable } from '../store/audit-source.js';
import { formatTime, parseTime } from '../mapping/fields.js';
import { DAY_MS, TIME } from './verify-run.js';

// Planning a verification: which tables and archive tables hold the tenant's rows, where its period
// starts, and time windows (chunks) of about chunkRows rows each.

/** Time buckets for planning chunks: a day too full for one chunk is counted again by hour, and so on. */
const BUCKET_UNITS_MS = [DAY_MS, 3_600_000, 60_000, 1000, 1];

/** A time window of one table, about chunkRows rows. */
export interface TimeBucket {
  start: number;
  end: number;
  rows: number;
}

export const sourcesOf = (store: AuditStore, table: string, archived: boolean): string[] =>
  archived
    ? [`${store.database}.${table}`, `${store.database}.${archiveTable(table)}`]
    : [`${store.database}.${table}`];

export async function earliestTime(
  store: AuditStore,
  tenant: string,
  tables: readonly string[],
  archives: ReadonlySet<string>,
): Promise<number | undefined> {
  const parts = [
    `SELECT min(first_event_time) AS t, count() AS n FROM ${store.database}.audit_integrity_checkpoint WHERE tenant_id = {tenant:String}`,
    ...tables.flatMap((table) =>
      sourcesOf(store, table, archives.has(table)).map(
        (source) =>
          `SELECT min(event_time) AS t, count() AS n FROM ${source} WHERE tenant_id = {tenant:String}`,
      ),
    ),
  ];
  const rows = await store.query<{ t: string; n: string }>(parts.join(' UNION ALL '), { tenant });
  const times = rows.filter((r) => Number(r.n) > 0).map((r) => parseTime(r.t));
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Rows of the period in time buckets (main and archive tables together), a day each, except that
 * a bucket holding more than chunkRows rows is counted again in hours, then minutes, seconds and
 * milliseconds, so that chunks can be cut between them. Buckets without rows are left out.
 */
export async function countRows(
  store: AuditStore,
  sources: readonly string[],
  tenant: string,
  fromMs: number,
  toMs: number,
  chunkRows: number,
  level = 0,
): Promise<TimeBucket[]> {
  const unit = BUCKET_UNITS_MS[level] ?? 1;
  const counts = new Map<number, number>();
  for (const source of sources) {
    const rows = await store.query<{ bucket: string; n: string }>(
      `SELECT intDiv(toUnixTimestamp64Milli(event_time), {unit:UInt64}) * {unit:UInt64} AS bucket, count() AS n
       FROM ${source}
       WHERE tenant_id = {tenant:String} AND event_time >= {from:${TIME}} AND event_time < {to:${TIME}}
       GROUP BY bucket`,
      { tenant, unit, from: formatTime(fromMs), to: formatTime(toMs) },
    );
    for (const row of rows) {
      const start = Number(row.bucket);
      counts.set(start, (counts.get(start) ?? 0) + Number(row.n));
    }
  }
  const buckets: TimeBucket[] = [];
  for (const [start, rows] of [...counts.entries()].sort((x, y) => x[0] - y[0])) {
    const bucket = { start: Math.max(start, fromMs), end: Math.min(start + unit, toMs), rows };
    if (rows > chunkRows && level + 1 < BUCKET_UNITS_MS.length) {
      buckets.push(
        ...(await countRows(store, sources, tenant, bucket.start, bucket.end, chunkRows, level + 1)),
      );
    } else {
      buckets.push(bucket);
    }
  }
  return buckets;
}

/**
 * Contiguous windows covering [from, to), cut between buckets so that each holds at most chunkRows
 * rows (a single bucket holding more, rows of one millisecond, is a window of its own).
 */
export function packWindows(
  buckets: readonly TimeBucket[],
  fromMs: number,
  toMs: number,
  chunkRows: number,
): [number, number][] {
  const windows: [number, number][] = [];
  let start = fromMs;
  let rows = 0;
  for (const bucket of buckets) {
    if (rows > 0 && rows + bucket.rows > chunkRows && bucket.start > start) {
      windows.push([start, bucket.start]);
      start = bucket.start;
      rows = 0;
    }
    rows += bucket.rows;
  }
  windows.push([start, toMs]);
  return windows;
}
