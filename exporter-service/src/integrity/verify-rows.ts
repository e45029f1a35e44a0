import type { AuditStore, QueryParams } from '../store/store.js';
import { formatTime, parseTime } from '../mapping/fields.js';
import { compareText } from './canonical.js';
import { checkCheckpoint, checkpointFromStore, type Checkpoint } from './checkpoint.js';
import { DAY_MS, TIME, type Run } from './verify-run.js';

// Verifying the rows of one chunk: reading the checkpoints that cover it and the rows they sealed,
// and checking each sealed row's digest and each uncovered row.

/**
 * Whole rows (SELECT *, a few kB of JSON each) per page read from the store, and sealed rows per
 * group of checkpoints checked together (at most a chunk).
 */
const ROW_PAGE = 5_000;
/** Rows per page when only their event id and times are read. */
const ID_PAGE = 50_000;
/** Event ids the exporter holds unsealed, up to this many, are passed to the store for counting. */
const MAX_UNSEALED_PARAM = 10_000;

/** A stored copy of a sealed row: its event time and its digest as read back. */
interface StoredRow {
  time: string;
  digest: string;
}

/**
 * One chunk [a, b) of a table. The checkpoints overlapping it say which of its rows are covered;
 * the rows no checkpoint covers are read by event id and times only (or, once the problem list is
 * full, counted by the store). The checkpoints that start in the chunk (the first chunk: that reach
 * into the period) are the chunk's to check: every row they sealed is read whole, in the chunk or
 * anywhere in their time range, and compared with its sealed digest. Returns the rows stored in
 * the chunk.
 */
export async function verifyChunk(
  run: Run,
  table: string,
  sources: string[],
  a: number,
  b: number,
): Promise<number> {
  const { store, tenant, log, state } = run;
  const db = store.database;
  log.startChunk();
  const window = { tenant, table, from: formatTime(run.fromMs), a: formatTime(a), b: formatTime(b) };
  const listed = await store.query<Record<string, unknown>>(
    `SELECT tenant_id, table_name, writer_id, sequence, first_event_time, last_event_time, row_count,
            min_retention_days, batch_digest, previous_digest, chain_digest, signature, key_id,
            greatest(first_event_time, {from:${TIME}}) >= {a:${TIME}}
              AND greatest(first_event_time, {from:${TIME}}) < {b:${TIME}} AS own,
            if(own, event_ids, CAST([], 'Array(UUID)')) AS own_event_ids,
            if(own, row_digests, CAST([], 'Array(FixedString(64))')) AS own_row_digests
     FROM ${db}.audit_integrity_checkpoint
     WHERE tenant_id = {tenant:String} AND table_name = {table:String}
       AND last_event_time >= {a:${TIME}} AND first_event_time < {b:${TIME}}`,
    window,
  );
  // Checkpoints by `writer/sequence/chain digest`; one stored twice (the same row again) counts once.
  const covering = new Set<string>();
  const own = new Map<string, Checkpoint>();
  for (const row of listed) {
    const key = `${String(row.writer_id)}/${String(row.sequence)}/${String(row.chain_digest)}`;
    covering.add(key);
    if ((row.own === true || Number(row.own) === 1) && !own.has(key)) {
      own.set(
        key,
        checkpointFromStore({ ...row, event_ids: row.own_event_ids, row_digests: row.own_row_digests }),
      );
    }
  }

  // Every row stored in the chunk: counted; those no checkpoint covers are judged.
  let rows = 0;
  const coverage =
    covering.size === 0
      ? ''
      : `AND event_id NOT IN (SELECT arrayJoin(event_ids) FROM ${db}.audit_integrity_checkpoint
           WHERE tenant_id = {tenant:String} AND table_name = {table:String}
             AND concat(writer_id, '/', toString(sequence), '/', chain_digest) IN {covering:Array(String)})`;
  const scope = `tenant_id = {tenant:String} AND event_time >= {a:${TIME}} AND event_time < {b:${TIME}}`;
  const params = { ...window, covering: [...covering] };
  for (const source of sources) {
    const [count] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${source} WHERE ${scope}`,
      window,
    );
    rows += Number(count?.n ?? 0);
  }
  const unsealed = run.options.unsealed ?? new Set<string>();
  if (rows === 0) {
    // nothing stored: only the checkpoints below
  } else if (log.full && !log.copiesFound(table) && unsealed.size <= MAX_UNSEALED_PARAM) {
    // The problem list is full: the store counts the uncovered rows (one problem per event id), as
    // judging them one by one below would.
    const [counts] = await store.query<{ unsealed: string; out_of_band: string }>(
      `SELECT countIf(judged = 0) AS unsealed, uniqExactIf(event_id, judged = 1) AS out_of_band
       FROM (
         SELECT event_id, toUnixTimestamp64Milli(received_at) < {recentFrom:Int64}
                  ${unsealed.size > 0 ? 'AND event_id NOT IN {unsealed:Array(UUID)}' : ''} AS judged
         FROM (${sources.map((source) => `SELECT event_id, received_at FROM ${source} WHERE ${scope} ${coverage}`).join(' UNION ALL ')}))`,
      { ...params, recentFrom: run.recentFrom, unsealed: [...unsealed] },
    );
    state.unsealedRows += Number(counts?.unsealed ?? 0);
    log.countMore(Number(counts?.out_of_band ?? 0));
  } else {
    for (const source of sources) {
      const uncovered = rowPages<{ event_id: string; event_time: string; received_ms: string }>(
        store,
        'event_id, event_time, toUnixTimestamp64Milli(received_at) AS received_ms',
        source,
        `${scope} ${coverage}`,
        params,
        Math.min(ID_PAGE, run.chunkRows),
      );
      for await (const page of uncovered) {
        for (const row of page) {
          if (unsealed.has(row.event_id) || Number(row.received_ms) >= run.recentFrom) {
            state.unsealedRows++;
          } else {
            log.report(
              {
                kind: 'row_out_of_band',
                table,
                eventId: row.event_id,
                eventTime: row.event_time,
                detail: 'a stored row that no checkpoint covers: it was inserted behind the exporter’s back',
              },
              'chunk',
            );
          }
        }
      }
    }
  }
  state.rows += rows;

  // The chunk's own checkpoints, checked in groups of about a page of sealed rows (in order of
  // their first event time): each group's rows are read by their event ids in one query.
  const pageRows = Math.min(ROW_PAGE, run.chunkRows);
  let group: [string, Checkpoint][] = [];
  let groupRows = 0;
  for (const entry of [...own.entries()].sort((x, y) =>
    compareText(x[1].first_event_time, y[1].first_event_time),
  )) {
    if (groupRows > 0 && groupRows + entry[1].row_count > pageRows) {
      await checkGroup(run, table, sources, a, b, group);
      group = [];
      groupRows = 0;
    }
    group.push(entry);
    groupRows += entry[1].row_count;
  }
  if (group.length > 0) await checkGroup(run, table, sources, a, b, group);
  return rows;
}

/**
 * Checks checkpoints of a chunk [a, b) against every stored copy of the rows they sealed, in the
 * chunk or anywhere in their time ranges.
 */
async function checkGroup(
  run: Run,
  table: string,
  sources: readonly string[],
  a: number,
  b: number,
  group: readonly [string, Checkpoint][],
): Promise<void> {
  const { store, tenant, state } = run;
  let lo = a;
  let hi = b;
  for (const [, c] of group) {
    const first = parseTime(c.first_event_time);
    const last = parseTime(c.last_event_time);
    if (Number.isFinite(first)) lo = Math.min(lo, first);
    if (Number.isFinite(last)) hi = Math.max(hi, last + 1);
  }
  const stored = new Map<string, StoredRow[]>();
  for (const source of sources) {
    const sealed = rowPages<Record<string, unknown>>(
      store,
      '*',
      source,
      `tenant_id = {tenant:String} AND event_time >= {lo:${TIME}} AND event_time < {hi:${TIME}}
       AND event_id IN (SELECT arrayJoin(event_ids) FROM ${store.database}.audit_integrity_checkpoint
         WHERE tenant_id = {tenant:String} AND table_name = {table:String}
           AND concat(writer_id, '/', toString(sequence), '/', chain_digest) IN {group:Array(String)})`,
      { tenant, table, lo: formatTime(lo), hi: formatTime(hi), group: group.map(([key]) => key) },
      Math.min(ROW_PAGE, run.chunkRows),
    );
    for await (const page of sealed) {
      for (const row of page) {
        const id = String(row.event_id);
        const copy = { time: String(row.event_time), digest: run.options.schema.digest(table, row) };
        const copies = stored.get(id);
        if (copies) copies.push(copy);
        else stored.set(id, [copy]);
      }
    }
  }
  for (const [, checkpoint] of group) {
    state.checkpoints++;
    checkBatch(checkpoint, stored, run);
  }
}

/**
 * Keyset pages of `SELECT <columns> FROM <source> WHERE <where> ORDER BY event_time, event_id`
 * (the columns include event_time and event_id); the next page is asked for while the caller
 * works on this one. Rows sharing the last (event_time, event_id) of a page (copies of a row: what
 * tampering looks like) all come in that page (WITH TIES), so none falls between two pages.
 */
async function* rowPages<T extends Record<string, unknown>>(
  store: AuditStore,
  columns: string,
  source: string,
  where: string,
  params: QueryParams,
  limit: number,
): AsyncGenerator<T[]> {
  const page = (after?: { time: string; id: string }): Promise<T[]> =>
    store.query<T>(
      `SELECT ${columns} FROM ${source} WHERE ${where}
       ${after ? `AND event_time >= {afterTime:${TIME}} AND (event_time, event_id) > ({afterTime:${TIME}}, {afterId:UUID})` : ''}
       ORDER BY event_time, event_id LIMIT {limit:UInt32} WITH TIES`,
      { ...params, limit, ...(after ? { afterTime: after.time, afterId: after.id } : {}) },
    );
  let next: Promise<T[]> | undefined = page();
  while (next) {
    const rows: T[] = await next;
    const last = rows.at(-1);
    next =
      rows.length >= limit && last
        ? page({ time: String(last.event_time), id: String(last.event_id) })
        : undefined;
    // A caller that stops early must not leave an unhandled rejection behind.
    next?.catch(() => undefined);
    yield rows;
  }
}

function checkBatch(checkpoint: Checkpoint, stored: ReadonlyMap<string, StoredRow[]>, run: Run): void {
  const { options, now, state } = run;
  const report = run.log.report;
  const where = {
    table: checkpoint.table_name,
    writer: checkpoint.writer_id,
    sequence: checkpoint.sequence,
  };
  const defect = checkCheckpoint(checkpoint, options.trustedKeys);
  if (defect) {
    report({ ...where, kind: defect.kind, eventTime: checkpoint.first_event_time, detail: defect.detail });
    return;
  }
  const policyDays = options.policyDeleteDays?.(checkpoint.table_name) ?? null;
  const horizonDays = Math.max(
    options.floorDays,
    policyDays === null ? checkpoint.min_retention_days : Math.min(checkpoint.min_retention_days, policyDays),
  );
  const expired = now >= parseTime(checkpoint.first_event_time) + horizonDays * DAY_MS;
  checkpoint.event_ids.forEach((id, i) => {
    const expected = checkpoint.row_digests[i];
    const copies = stored.get(id) ?? [];
    if (copies.length === 0) {
      if (expired) state.expiredRows++;
      else {
        report({
          ...where,
          kind: 'row_missing',
          eventId: id,
          eventTime: checkpoint.first_event_time,
          detail: `a row sealed in checkpoint ${checkpoint.sequence} is gone before its retention ended`,
        });
      }
      return;
    }
    const matching = copies.filter((c) => c.digest === expected);
    if (matching.length === 0) {
      report({
        ...where,
        kind: 'row_altered',
        eventId: id,
        eventTime: copies[0]?.time ?? checkpoint.first_event_time,
        detail: `the stored row no longer matches the digest sealed in checkpoint ${checkpoint.sequence}`,
      });
    } else if (matching.length < copies.length) {
      report({
        ...where,
        kind: 'row_out_of_band',
        eventId: id,
        eventTime: matching[0]?.time ?? checkpoint.first_event_time,
        detail: 'a second, different row with a sealed event id was inserted behind the exporter’s back',
      });
    }
  });
}
