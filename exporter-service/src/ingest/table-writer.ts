import { createHash } from 'node:crypto';
import type { AuditRow } from '../mapping/row.js';
import { formatTime } from '../mapping/fields.js';
import { StoreRejectedError, StoreUnavailableError, type AuditStore } from '../store/store.js';

/** What became of one row handed to the writer. */
export type RowOutcome =
  | { status: 'stored' }
  | { status: 'duplicate' }
  | { status: 'rejected'; message: string }
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

interface Pending {
  row: AuditRow;
  line: string;
  enqueuedAt: number;
  settle: (outcome: RowOutcome) => void;
}

/**
 * Batches the rows of one table and commits them idempotently. Flushes run one at a time, so
 * the existence check of a batch always sees every batch committed before it: a retried record
 * is stored once no matter how the batches are cut. Inserts also carry a deduplication token
 * derived from their event ids, so the store itself drops an identical repeated insert.
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

  /** Queues rows; `urgent` starts a flush now instead of waiting for the batch to fill or age. */
  enqueue(rows: readonly AuditRow[], urgent = false): Promise<RowOutcome>[] {
    const now = Date.now();
    const outcomes = rows.map(
      (row) =>
        new Promise<RowOutcome>((settle) => {
          this.queue.push({ row, line: JSON.stringify(row.values), enqueuedAt: now, settle });
        }),
    );
    if (urgent && !this.flushing) this.startFlush();
    else this.schedule();
    return outcomes;
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
      if (unique.has(item.row.eventId)) repeats.push(item);
      else unique.set(item.row.eventId, item);
    }
    const outcomeById = new Map<string, RowOutcome>();
    let attempted: AuditRow[] = [];
    try {
      const existing = await this.storedEventIds([...unique.values()]);
      const fresh: Pending[] = [];
      for (const item of unique.values()) {
        if (existing.has(item.row.eventId)) outcomeById.set(item.row.eventId, { status: 'duplicate' });
        else fresh.push(item);
      }
      const committed: AuditRow[] = [];
      if (fresh.length > 0) {
        attempted = fresh.map((i) => i.row);
        await this.options.beforeInsert?.(this.table, attempted);
      }
      await this.insertIsolating(fresh, outcomeById, committed);
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
    for (const item of unique.values())
      item.settle(outcomeById.get(item.row.eventId) ?? { status: 'stored' });
    for (const item of repeats) {
      const first = outcomeById.get(item.row.eventId) ?? { status: 'stored' };
      item.settle(first.status === 'stored' ? { status: 'duplicate' } : first);
    }
  }

  /** Event ids of the batch that the table already holds (narrowed by tenant and time range). */
  private async storedEventIds(items: Pending[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    let from = Infinity;
    let to = -Infinity;
    const tenants = new Set<string>();
    for (const { row } of items) {
      from = Math.min(from, row.eventTimeMs);
      to = Math.max(to, row.eventTimeMs);
      tenants.add(row.tenantId);
    }
    const rows = await this.store.query<{ id: string }>(
      `SELECT toString(event_id) AS id FROM ${this.store.database}.${this.table}
       WHERE tenant_id IN {tenants:Array(String)}
         AND event_time BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}
         AND event_id IN {ids:Array(UUID)}`,
      {
        tenants: [...tenants],
        from: formatTime(from),
        to: formatTime(to),
        ids: items.map((i) => i.row.eventId),
      },
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Inserts the items; when the store rejects the data itself, splits the batch to find the
   * offending rows, rejects only those and commits the rest (one bad row must not block others).
   */
  private async insertIsolating(
    items: Pending[],
    outcomes: Map<string, RowOutcome>,
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
        outcomes.set(item.row.eventId, {
          status: 'rejected',
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

function deduplicationToken(table: string, items: Pending[]): string {
  const hash = createHash('sha256').update(table);
  for (const id of items.map((i) => i.row.eventId).sort()) hash.update(id);
  return hash.digest('hex');
}

export { StoreUnavailableError };
