import type { KeyObject } from 'node:crypto';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore, QueryParams } from '../store/store.js';
import { compareText, type CanonicalSchema } from './canonical.js';
import { checkCheckpoint, checkpointFromStore, GENESIS_DIGEST, type Checkpoint } from './checkpoint.js';

const DAY_MS = 86_400_000;
/**
 * Rows per chunk by default. A chunk is a time window of one table holding about this many rows;
 * what the verifier holds at once is the row lists (event ids, digests) of the checkpoints that
 * start in one chunk, a page of whole rows, and the digests of a page's worth of sealed rows,
 * whatever the size of the table or the period.
 */
export const DEFAULT_CHUNK_ROWS = 100_000;
/**
 * Whole rows (SELECT *, a few kB of JSON each) per page read from the store, and sealed rows per
 * group of checkpoints checked together (at most a chunk).
 */
const ROW_PAGE = 5_000;
/** Rows per page when only their event id and times are read. */
const ID_PAGE = 50_000;
/** Checkpoints per page of the chain pass (their row lists left out). */
const CHAIN_PAGE = 10_000;
/** Checkpoints whose predecessor lies outside the period, looked up together. */
const OUTSIDE_BATCH = 1000;
/** Time buckets for planning chunks: a day too full for one chunk is counted again by hour, and so on. */
const BUCKET_UNITS_MS = [DAY_MS, 3_600_000, 60_000, 1000, 1];
/** Event ids the exporter holds unsealed, up to this many, are passed to the store for counting. */
const MAX_UNSEALED_PARAM = 10_000;
/** Rows received this recently may still be waiting for their checkpoint. */
const DEFAULT_RECENT_MS = 60_000;
/** At most this many problems are listed (all are counted). */
const MAX_LISTED_PROBLEMS = 1000;
/**
 * Problems of sealed rows are remembered across chunks (a row sealed in two checkpoints is reported
 * once); past this many, memory wins and such a row may be counted twice.
 */
const MAX_REMEMBERED_PROBLEMS = 1_000_000;

export type ProblemKind =
  | 'row_altered'
  | 'row_missing'
  | 'row_out_of_band'
  | 'checkpoint_signature_invalid'
  | 'checkpoint_invalid'
  | 'checkpoint_missing'
  | 'chain_broken'
  | 'chain_forked';

export interface IntegrityProblem {
  kind: ProblemKind;
  table: string;
  /** The chain (writer) and checkpoint the problem belongs to; absent for rows no checkpoint covers. */
  writer?: string;
  sequence?: number;
  eventId?: string;
  /** Event time of the row, or the first event time of the checkpoint. */
  eventTime: string;
  detail: string;
}

export interface BrokenBatch {
  table: string;
  writer: string | null;
  sequence: number | null;
  firstEventTime: string;
  lastEventTime: string;
  problems: IntegrityProblem[];
}

export interface ChainSummary {
  table: string;
  writer: string;
  checkpoints: number;
  rows: number;
  firstSequence: number;
  lastSequence: number;
  lastChainDigest: string;
}

export interface VerifyResult {
  ok: boolean;
  /** intact: rows verified, no problem; broken: problems found; no_data: no rows and no checkpoints in the period. */
  verdict: 'intact' | 'broken' | 'no_data';
  tenant: string;
  /** The period verified: [from, to). */
  from: string;
  to: string;
  checkpoints: number;
  rows: number;
  /** Sealed rows that are gone because their retention ended (not a problem). */
  expiredRows: number;
  /** Rows received in the last minute (or still in the exporter's hands) not yet covered: not judged. */
  unsealedRows: number;
  /** Chunks (time windows of one table) the period was verified in. */
  chunks: number;
  chains: ChainSummary[];
  /** The earliest (by event time) broken batch, or null when intact. */
  firstBroken: BrokenBatch | null;
  problemCount: number;
  problems: IntegrityProblem[];
  durationMs: number;
  rowsPerSecond: number;
}

export interface VerifyOptions {
  tenantId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  schema: CanonicalSchema;
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** Legal floor: a sealed row younger than this is never accepted as expired. */
  floorDays: number;
  /** Shortest retention (days until deletion) any enabled policy gives rows of a table; null = none deletes. */
  policyDeleteDays?: (table: string) => number | null;
  /** Event ids the running exporter holds unsealed (in flight or pending). */
  unsealed?: ReadonlySet<string>;
  /** Last stored sequence per chain known to the running exporter (detects a truncated chain head). */
  expectedHeads?: readonly { table: string; writer: string; sequence: number }[];
  tables?: readonly string[];
  /** Rows per chunk (the memory bound); default DEFAULT_CHUNK_ROWS. */
  chunkRows?: number | undefined;
  /** Rows verified so far and rows in the period (as counted when planning the chunks). */
  onProgress?: (done: number, total: number) => void;
  now?: number;
  recentMs?: number;
}

/** A stored copy of a sealed row: its event time and its digest as read back. */
interface StoredRow {
  time: string;
  digest: string;
}

/** A time window of one table, about chunkRows rows. */
export interface TimeBucket {
  start: number;
  end: number;
  rows: number;
}

const parseTime = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);
const TIME = "DateTime64(3, 'UTC')";

/** The problems found: all counted, the first MAX_LISTED_PROBLEMS listed, one per row and kind. */
class ProblemLog {
  count = 0;
  readonly listed: IntegrityProblem[] = [];
  /** Problems of sealed rows (found by checking a checkpoint), for the whole verification. */
  private readonly sealed = new Set<string>();
  /** Problems of rows no checkpoint covers, for the current chunk (their copies share a chunk). */
  private chunk = new Set<string>();

  /** Tables with a sealed event id found again in a second, different row (row_out_of_band). */
  private readonly copiedIn = new Set<string>();

  startChunk(): void {
    this.chunk = new Set();
  }

  /** No more problems will be listed: the rest need only be counted. */
  get full(): boolean {
    return this.listed.length >= MAX_LISTED_PROBLEMS;
  }

  /**
   * Whether an uncovered row of this table may already have been reported as a copy of a sealed
   * row (then uncovered rows must be judged one by one, not counted by the store).
   */
  copiesFound(table: string): boolean {
    return this.copiedIn.has(table);
  }

  /** Problems counted by the store, each of a different row (none listed: the list is full). */
  countMore(n: number): void {
    this.count += n;
  }

  /**
   * A row sealed twice (a checkpoint written again after a failed acknowledgement) must not count
   * its problem twice: one problem per row and kind.
   */
  readonly report = (problem: IntegrityProblem, scope: 'sealed' | 'chunk' = 'sealed'): void => {
    if (problem.eventId !== undefined) {
      const key = `${problem.kind}/${problem.table}/${problem.eventId}`;
      if (this.chunk.has(key) || this.sealed.has(key)) return;
      if (scope === 'chunk') this.chunk.add(key);
      else if (this.sealed.size < MAX_REMEMBERED_PROBLEMS) this.sealed.add(key);
      if (scope === 'sealed' && problem.kind === 'row_out_of_band') this.copiedIn.add(problem.table);
    }
    this.count++;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(problem);
  };
}

interface Run {
  store: AuditStore;
  options: VerifyOptions;
  tenant: string;
  fromMs: number;
  now: number;
  chunkRows: number;
  /** Rows received at or after this are not judged when uncovered (still being sealed). */
  recentFrom: number;
  log: ProblemLog;
  state: { checkpoints: number; rows: number; expiredRows: number; unsealedRows: number };
}

/**
 * Verifies a tenant's audit rows against the signed checkpoints (docs/compliance.md):
 * every checkpoint is well-formed and signed by a trusted key, chains link without gaps or forks,
 * every sealed row is present and unchanged (or expired by retention), and every stored row in
 * the period is covered by a checkpoint. Reads the main and the archive tables.
 *
 * The period is verified in chunks, time windows of one table holding about `chunkRows` rows, and
 * the chains in a pass over the checkpoints without their row lists: memory depends on the chunk
 * size, not on the size of the tables or of the period.
 */
export async function verifyIntegrity(store: AuditStore, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const tables = options.tables ?? AUDIT_TABLES;
  const tenant = options.tenantId;
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? DEFAULT_CHUNK_ROWS));
  const archives = await existingArchives(store, tables);
  const toMs = options.toMs ?? now + 1000;
  const fromMs = options.fromMs ?? (await earliestTime(store, tenant, tables, archives)) ?? toMs - DAY_MS;
  const run: Run = {
    store,
    options,
    tenant,
    fromMs,
    now,
    chunkRows,
    recentFrom: now - (options.recentMs ?? DEFAULT_RECENT_MS),
    log: new ProblemLog(),
    state: { checkpoints: 0, rows: 0, expiredRows: 0, unsealedRows: 0 },
  };

  // Plan chunks of about chunkRows rows per table, covering the whole period.
  const plans: { table: string; sources: string[]; windows: [number, number][] }[] = [];
  let total = 0;
  for (const table of tables) {
    const sources = sourcesOf(store, table, archives.has(table));
    const buckets = await countRows(store, sources, tenant, fromMs, toMs, chunkRows);
    plans.push({ table, sources, windows: packWindows(buckets, fromMs, toMs, chunkRows) });
    total += buckets.reduce((n, b) => n + b.rows, 0);
  }
  let done = 0;
  options.onProgress?.(0, total);
  let chunks = 0;
  for (const { table, sources, windows } of plans) {
    for (const [a, b] of windows) {
      chunks++;
      done += await verifyChunk(run, table, sources, a, b);
      options.onProgress?.(done, Math.max(total, done));
    }
  }

  const chains = await checkChains(run, tables, toMs);
  const { log, state } = run;
  const durationMs = performance.now() - started;
  return {
    ok: log.count === 0,
    verdict: log.count > 0 ? 'broken' : state.rows === 0 && state.checkpoints === 0 ? 'no_data' : 'intact',
    tenant,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ...state,
    chunks,
    chains,
    firstBroken: earliestBroken(log.listed),
    problemCount: log.count,
    problems: log.listed,
    durationMs: Math.round(durationMs),
    rowsPerSecond: durationMs > 0 ? Math.round((state.rows / durationMs) * 1000) : 0,
  };
}

/**
 * One chunk [a, b) of a table. The checkpoints overlapping it say which of its rows are covered;
 * the rows no checkpoint covers are read by event id and times only (or, once the problem list is
 * full, counted by the store). The checkpoints that start in the chunk (the first chunk: that reach
 * into the period) are the chunk's to check: every row they sealed is read whole, in the chunk or
 * anywhere in their time range, and compared with its sealed digest. Returns the rows stored in
 * the chunk.
 */
async function verifyChunk(
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

interface ChainRow {
  table_name: string;
  writer_id: string;
  sequence: string;
  first_event_time: string;
  row_count: string;
  previous_digest: string;
  chain_digest: string;
}

/** A chain being walked: its summary so far, the digests at its last sequence, links to look up. */
interface OpenChain {
  summary: ChainSummary;
  /** Chain digests of the checkpoints at summary.lastSequence (more than one: a fork). */
  lastDigests: string[];
  /** Checkpoints whose predecessor is not in the period: checked against the stored one. */
  outside: { sequence: number; previous: string; eventTime: string }[];
}

/**
 * Sequence gaps, broken links and forks, per (table, writer) chain, in one pass over the period's
 * checkpoints in chain order (their row lists left out); predecessors outside the period are fetched.
 */
async function checkChains(run: Run, tables: readonly string[], toMs: number): Promise<ChainSummary[]> {
  const { store, tenant, options } = run;
  const report = run.log.report;
  const summaries: ChainSummary[] = [];
  let chain: OpenChain | undefined;
  const close = async (): Promise<void> => {
    if (!chain) return;
    await resolveOutside(run, chain);
    summaries.push(chain.summary);
    chain = undefined;
  };
  const params = {
    tenant,
    tables: [...tables],
    from: formatTime(run.fromMs),
    to: formatTime(toMs),
    limit: CHAIN_PAGE,
  };
  let after: ChainRow | undefined;
  for (;;) {
    const rows: ChainRow[] = await store.query<ChainRow>(
      `SELECT table_name, writer_id, sequence, first_event_time, row_count, previous_digest, chain_digest
       FROM ${store.database}.audit_integrity_checkpoint
       WHERE tenant_id = {tenant:String} AND table_name IN {tables:Array(String)}
         AND last_event_time >= {from:${TIME}} AND first_event_time < {to:${TIME}}
         ${
           after
             ? `AND (table_name, writer_id, sequence, chain_digest) >
                  ({afterTable:String}, {afterWriter:String}, {afterSequence:UInt64}, {afterDigest:String})`
             : ''
         }
       ORDER BY table_name, writer_id, sequence, chain_digest LIMIT {limit:UInt32}`,
      after
        ? {
            ...params,
            afterTable: after.table_name,
            afterWriter: after.writer_id,
            afterSequence: after.sequence,
            afterDigest: after.chain_digest,
          }
        : params,
    );
    for (const row of rows) {
      const sequence = Number(row.sequence);
      const where = {
        table: row.table_name,
        writer: row.writer_id,
        sequence,
        eventTime: row.first_event_time,
      };
      if (chain && (chain.summary.table !== row.table_name || chain.summary.writer !== row.writer_id)) {
        await close();
      }
      if (chain && sequence === chain.summary.lastSequence) {
        if (chain.lastDigests.includes(row.chain_digest)) continue; // the same checkpoint stored twice
        report({
          ...where,
          kind: 'chain_forked',
          detail: `two different checkpoints carry sequence ${sequence} (two exporters share a writer id, or a forgery)`,
        });
        chain.lastDigests.push(row.chain_digest);
        continue;
      }
      const linked = chain !== undefined && chain.summary.lastSequence === sequence - 1;
      chain ??= {
        summary: {
          table: row.table_name,
          writer: row.writer_id,
          checkpoints: 0,
          rows: 0,
          firstSequence: sequence,
          lastSequence: sequence,
          lastChainDigest: row.chain_digest,
        },
        lastDigests: [],
        outside: [],
      };
      const previous = sequence === 1 ? [GENESIS_DIGEST] : linked ? chain.lastDigests : undefined;
      if (previous === undefined) {
        chain.outside.push({ sequence, previous: row.previous_digest, eventTime: row.first_event_time });
      } else if (!previous.includes(row.previous_digest)) {
        report({
          ...where,
          kind: 'chain_broken',
          detail: `checkpoint ${sequence} does not link to checkpoint ${sequence - 1} (previous digest differs)`,
        });
      }
      if (chain.outside.length >= OUTSIDE_BATCH) await resolveOutside(run, chain);
      chain.summary.checkpoints++;
      chain.summary.rows += Number(row.row_count);
      chain.summary.lastSequence = sequence;
      chain.summary.lastChainDigest = row.chain_digest;
      chain.lastDigests = [row.chain_digest];
    }
    const last = rows.at(-1);
    if (rows.length < CHAIN_PAGE || !last) break;
    after = last;
  }
  await close();

  for (const head of options.expectedHeads ?? []) {
    const [row] = await store.query<{ seq: string; at: string; n: string }>(
      `SELECT max(sequence) AS seq, argMax(last_event_time, sequence) AS at, count() AS n
       FROM ${store.database}.audit_integrity_checkpoint
       WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}`,
      { tenant, table: head.table, writer: head.writer },
    );
    const storedMax = Number(row?.n ?? 0) === 0 ? 0 : Number(row?.seq ?? 0);
    if (storedMax < head.sequence) {
      report({
        kind: 'checkpoint_missing',
        table: head.table,
        writer: head.writer,
        sequence: storedMax + 1,
        eventTime: row?.at ?? '',
        detail: `the chain ends at checkpoint ${storedMax}, but this exporter stored up to ${head.sequence}: its latest checkpoints were removed`,
      });
    }
  }
  return summaries.sort((x, y) => (x.table + x.writer < y.table + y.writer ? -1 : 1));
}

/** Checks the links of checkpoints whose predecessor lies outside the period against the stored ones. */
async function resolveOutside(run: Run, chain: OpenChain): Promise<void> {
  if (chain.outside.length === 0) return;
  const { store, tenant } = run;
  const { table, writer } = chain.summary;
  const pending = chain.outside;
  chain.outside = [];
  const rows = await store.query<{ sequence: string; chain_digest: string }>(
    `SELECT sequence, chain_digest FROM ${store.database}.audit_integrity_checkpoint
     WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}
       AND sequence IN {seqs:Array(UInt64)}`,
    { tenant, table, writer, seqs: pending.map((p) => p.sequence - 1) },
  );
  const digests = new Map<number, string[]>();
  for (const row of rows) {
    const list = digests.get(Number(row.sequence)) ?? [];
    list.push(row.chain_digest);
    digests.set(Number(row.sequence), list);
  }
  for (const p of pending) {
    const where = { table, writer, sequence: p.sequence, eventTime: p.eventTime };
    const previous = digests.get(p.sequence - 1);
    if (previous === undefined) {
      run.log.report({
        ...where,
        kind: 'checkpoint_missing',
        detail: `checkpoint ${p.sequence - 1} of this chain is missing: the rows it sealed are no longer protected`,
      });
    } else if (!previous.includes(p.previous)) {
      run.log.report({
        ...where,
        kind: 'chain_broken',
        detail: `checkpoint ${p.sequence} does not link to checkpoint ${p.sequence - 1} (previous digest differs)`,
      });
    }
  }
}
function earliestBroken(problems: IntegrityProblem[]): BrokenBatch | null {
  const batches = new Map<string, BrokenBatch>();
  for (const problem of problems) {
    const key =
      problem.sequence === undefined
        ? `${problem.table}\u0000row\u0000${problem.eventId ?? ''}`
        : `${problem.table}\u0000${problem.writer ?? ''}\u0000${problem.sequence}`;
    const batch = batches.get(key) ?? {
      table: problem.table,
      writer: problem.writer ?? null,
      sequence: problem.sequence ?? null,
      firstEventTime: problem.eventTime,
      lastEventTime: problem.eventTime,
      problems: [],
    };
    if (problem.eventTime && problem.eventTime < batch.firstEventTime)
      batch.firstEventTime = problem.eventTime;
    if (problem.eventTime > batch.lastEventTime) batch.lastEventTime = problem.eventTime;
    batch.problems.push(problem);
    batches.set(key, batch);
  }
  return [...batches.values()].sort((x, y) => (x.firstEventTime < y.firstEventTime ? -1 : 1))[0] ?? null;
}

async function existingArchives(store: AuditStore, tables: readonly string[]): Promise<Set<string>> {
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}`,
    { db: store.database, names: tables.map((t) => `${t}_archive`) },
  );
  return new Set(rows.map((r) => r.name.replace(/_archive$/, '')));
}

const sourcesOf = (store: AuditStore, table: string, archived: boolean): string[] =>
  archived
    ? [`${store.database}.${table}`, `${store.database}.${table}_archive`]
    : [`${store.database}.${table}`];

async function earliestTime(
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
async function countRows(
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
