import type { AuditRow } from '../mapping/row.js';
import type { Rejection } from '../mapping/mapped-batch.js';
import type { ExporterMetrics } from '../metrics.js';
import { StoreUnavailableError, type AuditStore } from '../store/store.js';
import { TableWriter } from './table-writer.js';

/** Too much is queued: the sender should back off and retry (HTTP 429). */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  rejected: Rejection[];
}

export interface PipelineOptions {
  maxRows: number;
  maxDelayMs: number;
  maxQueuedRows: number;
}

export type CommitListener = (table: string, rows: readonly AuditRow[]) => void;

/** Awaited around every insert (integrity): a batch is acknowledged only when its hooks resolve. */
export interface CommitHooks {
  beforeInsert?(table: string, rows: readonly AuditRow[]): Promise<void>;
  afterCommit?(table: string, rows: readonly AuditRow[]): Promise<void>;
  /** The insert attempt of rows given to beforeInsert is over, whatever its outcome. */
  afterInsert?(table: string, rows: readonly AuditRow[]): void;
}

/**
 * Routes rows to their table's writer and resolves when every row is committed (or known to be
 * stored already). Memory is bounded: past maxQueuedRows new work is refused, not queued (a
 * single request over the bound only when nothing else is queued).
 */
export class IngestPipeline {
  private readonly writers = new Map<string, TableWriter>();
  private readonly listeners: CommitListener[] = [];
  private readonly hooks: CommitHooks[] = [];
  private readonly transforms: ((row: AuditRow) => void)[] = [];
  private closed = false;

  constructor(
    private readonly store: AuditStore,
    private readonly options: PipelineOptions,
    private readonly metrics: ExporterMetrics,
  ) {}

  /** Subscribes to committed rows (alert engine, integrity chain). */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Adds hooks awaited before each insert and after each commit (see CommitHooks). */
  useCommitHooks(hooks: CommitHooks): void {
    this.hooks.push(hooks);
  }

  /** Adjusts every row before it is queued (e.g. per-row retention from the policies). */
  useRowTransform(transform: (row: AuditRow) => void): void {
    this.transforms.push(transform);
  }

  get queuedRows(): number {
    let total = 0;
    for (const writer of this.writers.values()) total += writer.depth;
    return total;
  }

  get oldestUnflushedAt(): number | undefined {
    let oldest: number | undefined;
    for (const writer of this.writers.values()) {
      const at = writer.oldestEnqueuedAt;
      if (at !== undefined && (oldest === undefined || at < oldest)) oldest = at;
    }
    return oldest;
  }

  private writer(table: string): TableWriter {
    let writer = this.writers.get(table);
    if (!writer) {
      writer = new TableWriter(table, this.store, {
        maxRows: this.options.maxRows,
        maxDelayMs: this.options.maxDelayMs,
        onCommit: (t, rows) => {
          this.metrics.inserted.inc({ table: t }, rows.length);
          for (const listener of this.listeners) listener(t, rows);
        },
        beforeInsert: async (t, rows) => {
          for (const hook of this.hooks) await hook.beforeInsert?.(t, rows);
        },
        afterCommit: async (t, rows) => {
          for (const hook of this.hooks) await hook.afterCommit?.(t, rows);
        },
        afterInsert: (t, rows) => {
          for (const hook of this.hooks) hook.afterInsert?.(t, rows);
        },
        onBatch: (t, seconds, ok) => {
          this.metrics.batchLatency.observe({ table: t }, seconds);
          if (!ok) this.metrics.insertFailures.inc({ table: t });
        },
      });
      this.writers.set(table, writer);
    }
    return writer;
  }

  /**
   * Commits the rows. Resolves once all are stored (or rejected by the store one by one);
   * throws StoreUnavailableError when any could not be committed (the sender retries the whole
   * request; deduplication makes that safe) and QueueFullError when over the memory bound.
   */
  async ingest(rows: readonly AuditRow[], options: { urgent?: boolean } = {}): Promise<IngestResult> {
    if (this.closed) throw new StoreUnavailableError('exporter is shutting down');
    if (rows.length === 0) return { stored: 0, duplicates: 0, rejected: [] };
    // A request larger than the whole bound is admitted when nothing else waits: refusing it
    // would refuse it forever, and a sender that retries without end (the OpenTelemetry
    // Collector's queue) would retry it forever. Memory stays bounded by the body size limit.
    if (this.queuedRows > 0 && this.queuedRows + rows.length > this.options.maxQueuedRows) {
      throw new QueueFullError(`ingest queue is full (${this.queuedRows} rows waiting)`);
    }
    const byTable = new Map<string, AuditRow[]>();
    for (const row of rows) {
      for (const transform of this.transforms) transform(row);
      const list = byTable.get(row.table) ?? [];
      list.push(row);
      byTable.set(row.table, list);
    }
    const perTable = await Promise.all(
      [...byTable].map(([table, list]) => this.writer(table).enqueue(list, options.urgent)),
    );
    const outcomes = perTable.flat();
    const result: IngestResult = { stored: 0, duplicates: 0, rejected: [] };
    let unavailable: string | undefined;
    for (const outcome of outcomes) {
      if (outcome.status === 'stored') result.stored++;
      else if (outcome.status === 'duplicate') result.duplicates++;
      else if (outcome.status === 'rejected')
        result.rejected.push({ reason: outcome.reason, message: outcome.message });
      else unavailable = outcome.message;
    }
    if (unavailable !== undefined) throw new StoreUnavailableError(unavailable);
    if (result.duplicates > 0) this.metrics.duplicates.inc(result.duplicates);
    return result;
  }

  /** Refreshes the queue gauges (called when metrics are scraped). */
  updateGauges(): void {
    this.metrics.queueDepth.set(this.queuedRows);
    const oldest = this.oldestUnflushedAt;
    this.metrics.oldestUnflushedAge.set(oldest === undefined ? 0 : (Date.now() - oldest) / 1000);
  }

  /** Stops taking new rows and commits everything queued. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.writers.values()].map((w) => w.drain()));
  }
}
