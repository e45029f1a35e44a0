import { createHash } from 'node:crypto';
import type { AuditRow } from '../mapping/row.js';
import { auditSource } from '../store/audit-source.js';
import { StoreRejectedError, StoreUnavailableError, type AuditStore } from '../store/store.js';

/** What became of one row handed to the writer. */
export type RowOutcome =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'rejected'; reason: 'store_rejected' | 'event_id_reused'; message: string }
  | { status: 'unavailable'; message: string };

export interface TableWriterOptions {
  maxRows: number;
  maxDelayMs: number;
  /** Called with the rows of each committed insert, after the commit (alerts, integrity). */
  onCommit?: (table: string, rows: readonly AuditRow[]) => void;
  onBatch?: (table: string, seconds: number, ok: boolean) => void;
  /** Awaited before a batch's new rows are inserted (e.g. the integrity journal); a failure fails the batch. */
  beforeInsert?: (table: string, rows: readonly AuditRow[]) => Promise<void>;
  /** Awaited after the commit, before any row is acknowledged (e.g. the signed checkpoint). */
  afterCommit?: (table: string, rows: readonly AuditRow[]) => Promise<void>;
  /** Called once the insert attempt of rows given to beforeInsert is over, whatever its outcome. */
  afterInsert?: (table: string, rows: readonly AuditRow[]) => void;
}

/** The rows one caller queued: answered together, once every row has its outcome. */
class Ticket {
  readonly outcomes: RowOutcome[];
  private remaining: number;
  readonly done: Promise<RowOutcome[]>;
  private resolve!: (outcomes: RowOutcome[]) => void;

  constructor(size: number) {
    this.outcomes = new Array<RowOutcome>(size);
    this.remaining = size;
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  settle(index: number, outcome: RowOutcome): void {
    this.outcomes[index] = outcome;
    if (--this.remaining === 0) this.resolve(this.outcomes);
  }
}

/**
 * One queued row. One promise per caller (its Ticket), not per row: a request's rows are answered
 * together, and a promise and closure per row were a measurable share of the ingest's garbage.
 */
class Pending {
  constructor(
    readonly row: AuditRow,
    readonly line: string,
    readonly enqueuedAt: number,
    private readonly ticket: Ticket,
    private readonly index: number,
  ) {}

  settle(outcome: RowOutcome): void {
    this.ticket.settle(this.index, outcome);
  }
}

/** The row as its JSONEachRow line (what the store inserts). */
function serialiseRow(row: AuditRow): string {
  return JSON.stringify(row.values);
}

/**
 * Batches the rows of one table and commits them idempotently. Flushes run one at a time, so
 * the existence check of a batch always sees every batch committed before it: a retried record
 * is stored once no matter how the batches are cut. Inserts also carry a deduplication token
 * derived from their event ids and times, so the store itself drops an identical repeated insert.
 *
 * A record's identity is its event id (DESIGN §5). A record whose id the table (archive included)
 * already holds with the same event time is a retry: acknowledged as a duplicate. With another
 * event time it is a different record under a reused id: refused (`event_id_reused`, named in
 * partial_success), so it is never acknowledged-then-lost and never sealed beside the stored one.
 */
export class TableWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly table: string,
    private readonly store: AuditStore,
    private readonly options: TableWriterOptions,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  get oldestEnqueuedAt(): number | undefined {
    return this.queue[0]?.enqueuedAt;
  }

  /**
   * Queues rows; resolves with their outcomes, in order, once every one is settled. `urgent`
   * starts a flush now instead of waiting for the batch to fill or age.
   */
  enqueue(rows: readonly AuditRow[], urgent = false): Promise<RowOutcome[]> {
    if (rows.length === 0) return Promise.resolve([]);
    const now = Date.now();
    const ticket = new Ticket(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as AuditRow;
      this.queue.push(new Pending(row, serialiseRow(row), now, ticket, i));
    }
    if (urgent && !this.flushing) this.startFlush();
    else this.schedule();
    return ticket.done;
  }

  /** Commits everything queued, including rows that arrive while it runs. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  private schedule(): void {
    if (this.flushing) return;
    if (this.queue.length >= this.options.maxRows) {
      this.startFlush();
    } else if (!this.timer && this.queue.length > 0) {
      const wait = Math.max(0, (this.oldestEnqueuedAt ?? Date.now()) + this.options.maxDelayMs - Date.now());
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.flushing) this.startFlush();
      }, wait);
    }
  }

  private startFlush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, this.options.maxRows);
    this.flushing = this.flush(batch).finally(() => {
      this.flushing = undefined;
      this.schedule();
    });
  }

  private async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    const started = performance.now();
    const unique = new Map<string, Pending>();
    const repeats: Pending[] = [];
    for (const item of batch) {
      if (unique.has(identity(item.row))) repeats.push(item);
      else unique.set(identity(item.row), item);
    }
    const outcomes = new Map<Pending, RowOutcome>();
    let stored = new Map<string, number>();
    let attempted: AuditRow[] = [];
    try {
      stored = await this.storedEventTimes([...unique.values()]);
      const fresh: Pending[] = [];
      for (const item of unique.values()) {
        const storedMs = stored.get(identity(item.row));
        if (storedMs === undefined) fresh.push(item);
        else outcomes.set(item, sameRecord(item.row, storedMs));
      }
      const committed: AuditRow[] = [];
      if (fresh.length > 0) {
        attempted = fresh.map((i) => i.row);
        await this.options.beforeInsert?.(this.table, attempted);
      }
      await this.insertIsolating(fresh, outcomes, committed);
      if (committed.length > 0) {
        this.options.onCommit?.(this.table, committed);
        await this.options.afterCommit?.(this.table, committed);
      }
      this.options.onBatch?.(this.table, (performance.now() - started) / 1000, true);
    } catch (error) {
      this.options.onBatch?.(this.table, (performance.now() - started) / 1000, false);
      const message = error instanceof Error ? error.message : String(error);
      for (const item of batch) item.settle({ status: 'unavailable', message });
      return;
    } finally {
      if (attempted.length > 0) this.options.afterInsert?.(this.table, attempted);
    }
    for (const item of unique.values()) item.settle(outcomes.get(item) ?? { status: 'stored' });
    for (const item of repeats) {
      // A repeat within the batch is judged against the stored record, or the one this batch stored.
      const first = unique.get(identity(item.row));
      const storedMs = stored.get(identity(item.row));
      const outcome = (first && outcomes.get(first)) ?? { status: 'stored' };
      if (storedMs !== undefined) item.settle(sameRecord(item.row, storedMs));
      else if (first && outcome.status === 'stored') item.settle(sameRecord(item.row, first.row.eventTimeMs));
      else item.settle(outcome);
    }
  }

  /**
   * The event time of every row of the table (archive included) holding an event id of the batch,
   * by tenant and id, at any time: the event-id projection (migration 5) makes it a key lookup.
   */
  private async storedEventTimes(items: Pending[]): Promise<Map<string, number>> {
    if (items.length === 0) return new Map();
    const tenants = new Set(items.map((i) => i.row.tenantId));
    const rows = await this.store.query<{ tenant: string; id: string; ms: string }>(
      `SELECT tenant_id AS tenant, toString(event_id) AS id, toUnixTimestamp64Milli(event_time) AS ms
       FROM ${auditSource(this.store, this.table)}
       WHERE tenant_id IN {tenants:Array(String)} AND event_id IN {ids:Array(UUID)}`,
      { tenants: [...tenants], ids: items.map((i) => i.row.eventId) },
    );
    return new Map(rows.map((r) => [`${r.tenant}\u0000${r.id}`, Number(r.ms)]));
  }

  /**
   * Inserts the items; when the store rejects the data itself, splits the batch to find the
   * offending rows, rejects only those and commits the rest (one bad row must not block others).
   */
  private async insertIsolating(
    items: Pending[],
    outcomes: Map<Pending, RowOutcome>,
    committed: AuditRow[],
  ): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.store.insertJsonLines(this.table, items.map((i) => i.line).join('\n'), {
        deduplicationToken: deduplicationToken(this.table, items),
      });
      for (const item of items) committed.push(item.row);
    } catch (error) {
      if (!(error instanceof StoreRejectedError)) throw error;
      if (items.length === 1) {
        const [item] = items as [Pending];
        outcomes.set(item, {
          status: 'rejected',
          reason: 'store_rejected',
          message: `store refused the row: ${error.message.slice(0, 300)}`,
        });
        return;
      }
      const middle = Math.ceil(items.length / 2);
      await this.insertIsolating(items.slice(0, middle), outcomes, committed);
      await this.insertIsolating(items.slice(middle), outcomes, committed);
    }
  }
}

/** The identity of a record within its table: tenant and event id (DESIGN §5). */
const identity = (row: AuditRow): string => `${row.tenantId}\u0000${row.eventId}`;

/** A record whose identity is taken: a retry when its event time is the stored one, else refused. */
function sameRecord(row: AuditRow, storedMs: number): RowOutcome {
  if (row.eventTimeMs === storedMs) return { status: 'duplicate' };
  return {
    status: 'rejected',
    reason: 'event_id_reused',
    message:
      `event id ${row.eventId} is already used by the ${row.kind} record of ${new Date(storedMs).toISOString()}; ` +
      `this one (${new Date(row.eventTimeMs).toISOString()}) was refused: an event id names one record, ` +
      'send a new record with a new id (a retry keeps the id and the time)',
  };
}

/** Same rows, same token: a batch re-sent after a lost answer is dropped by the store. */
function deduplicationToken(table: string, items: Pending[]): string {
  const hash = createHash('sha256').update(table);
  for (const key of items.map((i) => `${i.row.eventId}@${i.row.eventTimeMs}`).sort()) hash.update(key);
  return hash.digest('hex');
}

export { StoreUnavailableError };
