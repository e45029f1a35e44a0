/** What a verification finds: its problems, the chains it walked and its verdict. */

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

/** The problems found: all counted, the first MAX_LISTED_PROBLEMS listed, one per row and kind. */
export class ProblemLog {
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

/** The earliest (by event time) batch that a listed problem belongs to. */
export function earliestBroken(problems: IntegrityProblem[]): BrokenBatch | null {
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
