import type { KeyObject } from 'node:crypto';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore } from '../store/store.js';
import type { CanonicalSchema } from './canonical.js';
import { checkCheckpoint, checkpointFromStore, GENESIS_DIGEST, type Checkpoint } from './checkpoint.js';

const DAY_MS = 86_400_000;
/** Rows per verification window (memory bound: about 300 bytes per row). */
const WINDOW_ROWS = 200_000;
/** Rows per page when scanning a window. */
const PAGE_ROWS = 50_000;
/** Rows received this recently may still be waiting for their checkpoint. */
const DEFAULT_RECENT_MS = 60_000;
/** At most this many problems are listed (all are counted). */
const MAX_LISTED_PROBLEMS = 1000;

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
  tenant: string;
  from: string;
  to: string;
  checkpoints: number;
  rows: number;
  /** Sealed rows that are gone because their retention ended (not a problem). */
  expiredRows: number;
  /** Rows received in the last minute (or still in the exporter's hands) not yet covered: not judged. */
  unsealedRows: number;
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
  onProgress?: (done: number, total: number) => void;
  now?: number;
  recentMs?: number;
}

interface StoredRow {
  id: string;
  time: string;
  receivedMs: number;
  digest: string;
}

const parseTime = (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`);
const checkpointKey = (c: Checkpoint): string => `${c.writer_id}\u0000${c.sequence}\u0000${c.chain_digest}`;

/**
 * Verifies a tenant's audit rows against the signed checkpoints (docs/compliance.md):
 * every checkpoint is well-formed and signed by a trusted key, chains link without gaps or forks,
 * every sealed row is present and unchanged (or expired by retention), and every stored row in
 * the period is covered by a checkpoint. Reads the main and the archive tables.
 */
export async function verifyIntegrity(store: AuditStore, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const tables = options.tables ?? AUDIT_TABLES;
  const tenant = options.tenantId;
  const archives = await existingArchives(store, tables);
  const toMs = options.toMs ?? now + 1000;
  const fromMs = options.fromMs ?? (await earliestTime(store, tenant, tables, archives)) ?? toMs - DAY_MS;
  const problems: IntegrityProblem[] = [];
  let problemCount = 0;
  // A row sealed twice (a checkpoint written again after a failed acknowledgement) must not
  // count its problem twice: one problem per row and kind.
  const reported = new Set<string>();
  const report = (problem: IntegrityProblem): void => {
    if (problem.eventId !== undefined) {
      const key = `${problem.kind}/${problem.table}/${problem.eventId}`;
      if (reported.has(key)) return;
      reported.add(key);
    }
    problemCount++;
    if (problems.length < MAX_LISTED_PROBLEMS) problems.push(problem);
  };
  const state = { checkpoints: 0, rows: 0, expiredRows: 0, unsealedRows: 0 };
  const processed = new Map<string, Checkpoint>();

  // Plan windows of about WINDOW_ROWS rows per table, covering the whole period.
  const plans: { table: string; windows: [number, number][] }[] = [];
  let total = 0;
  for (const table of tables) {
    const days = await rowsPerDay(store, tenant, table, archives.has(table), fromMs, toMs);
    plans.push({ table, windows: planWindows(days, fromMs, toMs) });
    total += [...days.values()].reduce((a, b) => a + b, 0);
  }
  let done = 0;
  options.onProgress?.(0, total);

  for (const { table, windows } of plans) {
    for (const [a, b] of windows) {
      const checkpoints = (
        await store.query<Record<string, unknown>>(
          `SELECT * FROM ${store.database}.audit_integrity_checkpoint
           WHERE tenant_id = {tenant:String} AND table_name = {table:String}
             AND last_event_time >= {from:DateTime64(3, 'UTC')} AND first_event_time < {to:DateTime64(3, 'UTC')}`,
          { tenant, table, from: formatTime(a), to: formatTime(b) },
        )
      ).map(checkpointFromStore);
      const covered = new Set<string>();
      for (const c of checkpoints) for (const id of c.event_ids) covered.add(id);

      // Every row stored in the window, and whether a checkpoint covers it.
      const stored = new Map<string, StoredRow[]>();
      for await (const row of scanRows(store, options.schema, tenant, table, archives.has(table), a, b)) {
        const list = stored.get(row.id) ?? [];
        list.push(row);
        stored.set(row.id, list);
        state.rows++;
        if (!covered.has(row.id)) {
          if (
            options.unsealed?.has(row.id) ||
            row.receivedMs >= now - (options.recentMs ?? DEFAULT_RECENT_MS)
          ) {
            state.unsealedRows++;
          } else {
            report({
              kind: 'row_out_of_band',
              table,
              eventId: row.id,
              eventTime: row.time,
              detail: 'a stored row that no checkpoint covers: it was inserted behind the exporter’s back',
            });
          }
        }
        if (++done % 5000 === 0) options.onProgress?.(done, total);
      }

      // Checkpoints seen for the first time: check them and every row they sealed.
      const fresh = checkpoints.filter((c) => !processed.has(checkpointKey(c)));
      const elsewhere = fresh.flatMap((c) => c.event_ids.filter((id) => !stored.has(id)));
      if (elsewhere.length > 0) {
        const hull = fresh.filter((c) => c.event_ids.some((id) => !stored.has(id)));
        const from = hull.map((c) => c.first_event_time).sort()[0] ?? formatTime(a);
        const to =
          hull
            .map((c) => c.last_event_time)
            .sort()
            .at(-1) ?? formatTime(b);
        for (const row of await rowsById(
          store,
          options.schema,
          tenant,
          table,
          archives.has(table),
          elsewhere,
          from,
          to,
        )) {
          const list = stored.get(row.id) ?? [];
          list.push(row);
          stored.set(row.id, list);
        }
      }
      for (const checkpoint of fresh) {
        processed.set(checkpointKey(checkpoint), checkpoint);
        state.checkpoints++;
        checkBatch(checkpoint, stored, options, now, report, state);
      }
    }
    options.onProgress?.(done, total);
  }

  const chains = await checkChains(store, tenant, [...processed.values()], options, report);
  const firstBroken = earliestBroken(problems);
  const durationMs = performance.now() - started;
  return {
    ok: problemCount === 0,
    tenant,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ...state,
    chains,
    firstBroken,
    problemCount,
    problems,
    durationMs: Math.round(durationMs),
    rowsPerSecond: durationMs > 0 ? Math.round((state.rows / durationMs) * 1000) : 0,
  };
}

function checkBatch(
  checkpoint: Checkpoint,
  stored: ReadonlyMap<string, StoredRow[]>,
  options: VerifyOptions,
  now: number,
  report: (problem: IntegrityProblem) => void,
  state: { expiredRows: number },
): void {
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

/** Sequence gaps, broken links and forks, per (table, writer) chain; predecessors outside the period are fetched. */
async function checkChains(
  store: AuditStore,
  tenant: string,
  checkpoints: Checkpoint[],
  options: VerifyOptions,
  report: (problem: IntegrityProblem) => void,
): Promise<ChainSummary[]> {
  const chains = new Map<string, Map<number, Checkpoint>>();
  for (const c of checkpoints) {
    const key = `${c.table_name}\u0000${c.writer_id}`;
    const chain = chains.get(key) ?? new Map<number, Checkpoint>();
    const other = chain.get(c.sequence);
    if (other && other.chain_digest !== c.chain_digest) {
      report({
        kind: 'chain_forked',
        table: c.table_name,
        writer: c.writer_id,
        sequence: c.sequence,
        eventTime: c.first_event_time,
        detail: `two different checkpoints carry sequence ${c.sequence} (two exporters share a writer id, or a forgery)`,
      });
    }
    chain.set(c.sequence, other ?? c);
    chains.set(key, chain);
  }
  const summaries: ChainSummary[] = [];
  for (const chain of chains.values()) {
    const sorted = [...chain.values()].sort((x, y) => x.sequence - y.sequence);
    const first = sorted[0];
    const last = sorted.at(-1);
    if (!first || !last) continue;
    const needed = sorted
      .filter((c) => c.sequence > 1 && !chain.has(c.sequence - 1))
      .map((c) => c.sequence - 1);
    const outside = new Map<number, string>();
    if (needed.length > 0) {
      const rows = await store.query<{ sequence: string; chain_digest: string }>(
        `SELECT sequence, chain_digest FROM ${store.database}.audit_integrity_checkpoint
         WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}
           AND sequence IN {seqs:Array(UInt64)}`,
        { tenant, table: first.table_name, writer: first.writer_id, seqs: needed },
      );
      for (const row of rows) outside.set(Number(row.sequence), row.chain_digest);
    }
    for (const c of sorted) {
      const where = {
        table: c.table_name,
        writer: c.writer_id,
        sequence: c.sequence,
        eventTime: c.first_event_time,
      };
      const previous =
        c.sequence === 1
          ? GENESIS_DIGEST
          : (chain.get(c.sequence - 1)?.chain_digest ?? outside.get(c.sequence - 1));
      if (previous === undefined) {
        report({
          ...where,
          kind: 'checkpoint_missing',
          detail: `checkpoint ${c.sequence - 1} of this chain is missing: the rows it sealed are no longer protected`,
        });
      } else if (previous !== c.previous_digest) {
        report({
          ...where,
          kind: 'chain_broken',
          detail: `checkpoint ${c.sequence} does not link to checkpoint ${c.sequence - 1} (previous digest differs)`,
        });
      }
    }
    summaries.push({
      table: first.table_name,
      writer: first.writer_id,
      checkpoints: sorted.length,
      rows: sorted.reduce((n, c) => n + c.row_count, 0),
      firstSequence: first.sequence,
      lastSequence: last.sequence,
      lastChainDigest: last.chain_digest,
    });
  }
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

const sources = (store: AuditStore, table: string, archived: boolean): string[] =>
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
      sources(store, table, archives.has(table)).map(
        (source) =>
          `SELECT min(event_time) AS t, count() AS n FROM ${source} WHERE tenant_id = {tenant:String}`,
      ),
    ),
  ];
  const rows = await store.query<{ t: string; n: string }>(parts.join(' UNION ALL '), { tenant });
  const times = rows.filter((r) => Number(r.n) > 0).map((r) => parseTime(r.t));
  return times.length === 0 ? undefined : Math.min(...times);
}

async function rowsPerDay(
  store: AuditStore,
  tenant: string,
  table: string,
  archived: boolean,
  fromMs: number,
  toMs: number,
): Promise<Map<number, number>> {
  const days = new Map<number, number>();
  for (const source of sources(store, table, archived)) {
    const rows = await store.query<{ day: string; n: string }>(
      `SELECT toUnixTimestamp(toStartOfDay(event_time)) AS day, count() AS n FROM ${source}
       WHERE tenant_id = {tenant:String} AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
       GROUP BY day`,
      { tenant, from: formatTime(fromMs), to: formatTime(toMs) },
    );
    for (const row of rows) {
      const day = Number(row.day) * 1000;
      days.set(day, (days.get(day) ?? 0) + Number(row.n));
    }
  }
  return days;
}

/** Contiguous windows covering [from, to), cut at day boundaries once a window holds WINDOW_ROWS rows. */
export function planWindows(
  days: ReadonlyMap<number, number>,
  fromMs: number,
  toMs: number,
): [number, number][] {
  const windows: [number, number][] = [];
  let start = fromMs;
  let rows = 0;
  for (let day = Math.floor(fromMs / DAY_MS) * DAY_MS; day < toMs; day += DAY_MS) {
    const count = days.get(day) ?? 0;
    if (rows > 0 && rows + count > WINDOW_ROWS && day > start) {
      windows.push([start, day]);
      start = day;
      rows = 0;
    }
    rows += count;
  }
  windows.push([start, toMs]);
  return windows;
}

function toStoredRow(schema: CanonicalSchema, table: string, row: Record<string, unknown>): StoredRow {
  return {
    id: String(row.event_id),
    time: String(row.event_time),
    receivedMs: parseTime(String(row.received_at ?? '1970-01-01 00:00:00.000')),
    digest: schema.digest(table, row),
  };
}

/** The rows of a window, main table then archive, in keyset pages. */
async function* scanRows(
  store: AuditStore,
  schema: CanonicalSchema,
  tenant: string,
  table: string,
  archived: boolean,
  fromMs: number,
  toMs: number,
): AsyncGenerator<StoredRow> {
  for (const source of sources(store, table, archived)) {
    let after: { time: string; id: string } | undefined;
    for (;;) {
      const rows = await store.query<Record<string, unknown>>(
        `SELECT * FROM ${source}
         WHERE tenant_id = {tenant:String} AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
           ${after ? "AND (event_time, event_id) > ({afterTime:DateTime64(3, 'UTC')}, {afterId:UUID})" : ''}
         ORDER BY event_time, event_id LIMIT {limit:UInt32}`,
        {
          tenant,
          from: formatTime(fromMs),
          to: formatTime(toMs),
          limit: PAGE_ROWS,
          ...(after ? { afterTime: after.time, afterId: after.id } : {}),
        },
      );
      for (const row of rows) yield toStoredRow(schema, table, row);
      const last = rows.at(-1);
      if (rows.length < PAGE_ROWS || !last) break;
      after = { time: String(last.event_time), id: String(last.event_id) };
    }
  }
}

async function rowsById(
  store: AuditStore,
  schema: CanonicalSchema,
  tenant: string,
  table: string,
  archived: boolean,
  ids: string[],
  from: string,
  to: string,
): Promise<StoredRow[]> {
  const result: StoredRow[] = [];
  for (const source of sources(store, table, archived)) {
    for (let i = 0; i < ids.length; i += 10_000) {
      const rows = await store.query<Record<string, unknown>>(
        `SELECT * FROM ${source}
         WHERE tenant_id = {tenant:String} AND event_time BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}
           AND event_id IN {ids:Array(UUID)}`,
        { tenant, from, to, ids: ids.slice(i, i + 10_000) },
      );
      for (const row of rows) result.push(toStoredRow(schema, table, row));
    }
  }
  return result;
}
