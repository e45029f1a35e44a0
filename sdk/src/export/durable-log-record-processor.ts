import type { MeterProvider } from '@opentelemetry/api';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SpoolCorruptError, SpoolFullError, type BatchSpool, type SpooledBatch } from './batch-spool.js';
import {
  DeliveryTelemetry,
  type DeliveryError,
  type DeliveryErrorHandler,
  type DeliveryStats,
} from './delivery-telemetry.js';
import type { ExportOutcome, LogBatchTransport } from './otlp-http-transport.js';
import { serializeLogsRequest } from './otlp-logs-protobuf.js';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';

export interface DurableLogRecordProcessorOptions {
  transport: LogBatchTransport;
  /** Where batches wait while the backend is unreachable; without one, nothing survives a restart. */
  spool?: BatchSpool;
  /**
   * `overflow` (default): batches are spooled when the backend fails or memory is over its limit.
   * `always`: every batch is spooled before its first send, so even a crash while the backend is
   * healthy loses nothing (one append per batch).
   */
  spoolMode?: 'overflow' | 'always';
  /** Records kept in memory (unbatched plus unsent batches) before batches go to the spool. Default 8192. */
  maxQueueSize?: number;
  /** Records per export request. Default 512. */
  maxExportBatchSize?: number;
  /** How long a record may wait for its batch to fill. Default 200 ms (1 s while the backend is failing). */
  scheduledDelayMillis?: number;
  /**
   * Export requests in flight at once. Default 4: an exporter that acknowledges only after its
   * store committed answers slowly, and parallel requests let it commit them together.
   */
  maxConcurrentExports?: number;
  retry?: RetryPolicyOptions;
  /**
   * Drop records (and count them) when memory and spool are full. Default false: the queue grows
   * beyond its limit instead, and `onError` says so.
   */
  dropWhenFull?: boolean;
  /** How long `shutdown` tries to deliver before it leaves the rest in the spool. Default 5 s. */
  shutdownTimeoutMillis?: number;
  onError?: DeliveryErrorHandler;
  meterProvider?: MeterProvider;
}

interface QueuedBatch {
  id: string;
  recordCount: number;
  /** Request bytes while held in memory; released once spooled when memory is short. */
  bytes?: Uint8Array;
  spooled?: SpooledBatch;
  /** Pending spool write. */
  spooling?: Promise<void>;
  /** Delivered or given up. */
  done?: boolean;
  /** An export request for it is under way. */
  sending?: boolean;
}

interface Waiter {
  done: () => boolean;
  resolve: () => void;
}

/**
 * A LogRecordProcessor that does not lose records when the backend is slow or down.
 *
 * onEmit only appends to an in-memory buffer: no I/O and no serialization on the caller's path.
 * Every `scheduledDelayMillis` (or as soon as a batch is full) the buffer is serialized once into
 * an OTLP request; from then on the batch is those bytes. Batches are sent oldest first, a few at
 * a time. A retryable failure moves every unsent batch to the spool and pauses sending for a
 * backoff (or the server's Retry-After); while failures continue, new batches go straight to the
 * spool, so memory stays bounded and a crash loses at most the last unbatched moments. Batches
 * found in the spool at startup are sent first. Since a batch is always resent as the same bytes,
 * records keep their event ids, and the exporter's deduplication makes redelivery exactly-once.
 *
 * A 2xx answer with partial_success counts the refused records as failed (they would be refused
 * again); a permanent refusal keeps the batch in `<spool>/dead-letter/` for inspection.
 */
export class DurableLogRecordProcessor implements LogRecordProcessor {
  private readonly transport: LogBatchTransport;
  private readonly spool: BatchSpool | undefined;
  private readonly spoolAlways: boolean;
  private readonly maxQueueSize: number;
  private readonly maxBatch: number;
  private readonly delayMillis: number;
  private readonly maxConcurrent: number;
  private readonly dropWhenFull: boolean;
  private readonly shutdownTimeoutMillis: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly telemetry: DeliveryTelemetry;
  /** OTLP request bytes of a batch (protobuf: the same bytes as otlp-transformer's, faster). */
  private readonly serialize: (records: ReadableLogRecord[]) => Uint8Array | undefined;

  private buffer: ReadableLogRecord[] = [];
  private readonly queue: QueuedBatch[] = [];
  /** Records in memory: the buffer plus batches whose bytes are held. */
  private memoryRecords = 0;
  private unreportedQueued = 0;
  private consecutiveFailures = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborts the requests in flight when shutdown gives up waiting for them. */
  private readonly abortSends = new AbortController();
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private cutPending = false;
  private overLimitReported = false;
  private readonly waiters: Waiter[] = [];
  private shutdownPromise: Promise<void> | undefined;
  private stopped = false;

  constructor(options: DurableLogRecordProcessorOptions) {
    this.transport = options.transport;
    this.spool = options.spool;
    this.spoolAlways = options.spoolMode === 'always';
    this.maxQueueSize = options.maxQueueSize ?? 8192;
    this.maxBatch = Math.max(1, options.maxExportBatchSize ?? 512);
    this.delayMillis = options.scheduledDelayMillis ?? 200;
    this.maxConcurrent = Math.max(1, options.maxConcurrentExports ?? 4);
    this.dropWhenFull = options.dropWhenFull ?? false;
    this.shutdownTimeoutMillis = options.shutdownTimeoutMillis ?? 5000;
    this.retryPolicy = new RetryPolicy(options.retry);
    this.telemetry = new DeliveryTelemetry(options.meterProvider, options.onError);
    this.serialize =
      options.transport.encoding === 'json'
        ? (records) => JsonLogsSerializer.serializeRequest(records)
        : serializeLogsRequest;

    for (const spooled of this.spool?.recoveredBatches() ?? []) {
      this.queue.push({ id: spooled.id, recordCount: spooled.recordCount, spooled });
      this.telemetry.add('recovered', spooled.recordCount);
    }
    if (this.queue.length > 0) setImmediate(() => this.pump());
  }

  /** Takes any finished record: the SDK Logger's, or the client's DirectLogger's. */
  onEmit(record: SdkLogRecord | ReadableLogRecord): void {
    if (this.stopped) {
      this.telemetry.add('dropped', 1);
      this.report({ kind: 'dropped', message: 'record emitted after shutdown', recordCount: 1 });
      return;
    }
    if (this.memoryRecords >= this.maxQueueSize && !this.spool) {
      if (this.dropWhenFull) {
        this.telemetry.add('dropped', 1);
        this.report({ kind: 'dropped', message: 'queue full and no spool configured', recordCount: 1 });
        return;
      }
      this.reportOverLimit();
    }
    this.buffer.push(record);
    this.memoryRecords++;
    this.unreportedQueued++;
    if (this.buffer.length >= this.maxBatch) {
      if (!this.cutPending) {
        this.cutPending = true;
        // Serialize outside the caller's call stack.
        setImmediate(() => this.cutBatches());
      }
    } else if (this.flushTimer === undefined) {
      // While the backend fails, batches go to disk: fewer, fuller ones are cheaper to spool and resend.
      const delay = this.consecutiveFailures > 0 ? Math.max(this.delayMillis, 1000) : this.delayMillis;
      this.flushTimer = setTimeout(() => this.cutBatches(), delay);
      this.flushTimer.unref();
    }
  }

  /** Resolves once every record so far is delivered, or durably spooled while the backend is failing. */
  async forceFlush(options: { timeoutMillis?: number } = {}): Promise<void> {
    this.cutBatches();
    await this.waitUntil(() => this.isSettled(), options.timeoutMillis ?? 30_000);
  }

  /**
   * Delivers what it can within the shutdown deadline, spools the rest, and releases the spool.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  /** True once shutdown has begun. */
  isShutdown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /** True while some record is neither delivered nor (with the backend failing) spooled. */
  hasPending(): boolean {
    return !this.stopped && !this.isSettled();
  }

  /** Snapshot of the delivery counters. */
  stats(): DeliveryStats {
    const stats = this.telemetry.stats();
    stats.queued += this.unreportedQueued;
    return stats;
  }

  /**
   * Synchronously writes everything not yet spooled to the spool: for process exit (`exit`
   * handlers cannot wait) and fatal signals. A no-op without a spool.
   */
  persistSync(): void {
    if (!this.spool || this.stopped) return;
    this.cutBatches();
    for (const batch of this.queue) {
      if (batch.spooled || !batch.bytes) continue;
      try {
        batch.spooled = this.spool.appendSync(batch.id, batch.recordCount, batch.bytes);
        this.telemetry.add('spooled', batch.recordCount);
      } catch (error) {
        this.report({
          kind: 'spool',
          message: `could not spool at exit: ${(error as Error).message}`,
          recordCount: batch.recordCount,
          batchId: batch.id,
          cause: error,
        });
      }
    }
  }

  private async doShutdown(): Promise<void> {
    this.cutBatches();
    await this.waitUntil(() => this.isSettled(), this.shutdownTimeoutMillis);
    const delivered = this.queue.length === 0;
    this.stopped = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
    // Nothing may reach the backend after shutdown resolves: a later process resends from the spool.
    this.abortSends.abort();
    await Promise.all(this.inFlight);
    if (!delivered) {
      if (this.spool) {
        for (const batch of this.queue) if (!batch.spooled && !batch.spooling) this.persist(batch);
        await Promise.all(this.queue.map((b) => b.spooling));
      } else {
        const unsent = this.queue.reduce((n, b) => n + b.recordCount, 0);
        this.telemetry.add('dropped', unsent);
        this.report({
          kind: 'dropped',
          message: 'unsent at shutdown and no spool configured',
          recordCount: unsent,
        });
      }
    }
    await this.spool?.close();
    this.transport.shutdown?.();
    this.notify();
  }

  /** Turns the buffer into serialized batches and queues them. */
  private cutBatches(): void {
    this.cutPending = false;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.unreportedQueued > 0) {
      this.telemetry.add('queued', this.unreportedQueued);
      this.unreportedQueued = 0;
    }
    while (this.buffer.length > 0) {
      const records = this.buffer.length <= this.maxBatch ? this.buffer : this.buffer.slice(0, this.maxBatch);
      this.buffer = this.buffer.length <= this.maxBatch ? [] : this.buffer.slice(this.maxBatch);
      let bytes: Uint8Array | undefined;
      try {
        bytes = this.serialize(records);
      } catch (error) {
        bytes = undefined;
        this.report({
          kind: 'serialize',
          message: (error as Error).message,
          recordCount: records.length,
          cause: error,
        });
      }
      if (!bytes) {
        this.memoryRecords -= records.length;
        this.telemetry.add('failed', records.length);
        continue;
      }
      const batch: QueuedBatch = { id: randomBytes(16).toString('hex'), recordCount: records.length, bytes };
      this.queue.push(batch);
      if (
        this.spool &&
        (this.spoolAlways || this.consecutiveFailures > 0 || this.memoryRecords > this.maxQueueSize)
      ) {
        this.persist(batch);
      }
    }
    this.pump();
  }

  /** Writes a batch to the spool; releases its bytes from memory when memory is short or the backend down. */
  private persist(batch: QueuedBatch): void {
    const spool = this.spool;
    if (!spool || batch.spooled || batch.spooling || !batch.bytes) return;
    const bytes = batch.bytes;
    batch.spooling = spool
      .append(batch.id, batch.recordCount, bytes)
      .then((spooled) => {
        batch.spooled = spooled;
        this.telemetry.add('spooled', batch.recordCount);
        if (batch.bytes && (this.consecutiveFailures > 0 || this.memoryRecords > this.maxQueueSize)) {
          batch.bytes = undefined;
          if (!batch.done) this.memoryRecords -= batch.recordCount;
        }
      })
      .catch((error: unknown) => {
        const full = error instanceof SpoolFullError;
        if (full && this.dropWhenFull) {
          this.removeFromQueue(batch);
          this.telemetry.add('dropped', batch.recordCount);
          this.report({
            kind: 'dropped',
            message: (error as Error).message,
            recordCount: batch.recordCount,
            batchId: batch.id,
          });
        } else {
          // Keep the batch in memory: over the limit, but not lost.
          this.report({
            kind: 'spool',
            message: `batch kept in memory: ${(error as Error).message}`,
            recordCount: batch.recordCount,
            batchId: batch.id,
            cause: error,
          });
          if (full) this.reportOverLimit();
        }
      })
      .finally(() => {
        batch.spooling = undefined;
        this.notify();
      });
  }

  /**
   * Starts sending queued batches, oldest first, up to `maxConcurrentExports` at a time, unless a
   * retry is pending. Each finished send calls it again.
   */
  private pump(): void {
    if (this.stopped) return;
    while (this.retryTimer === undefined && this.inFlight.size < this.maxConcurrent) {
      const batch = this.queue.find((b) => !b.sending);
      if (!batch) break;
      batch.sending = true;
      const sending = this.sendOne(batch).finally(() => {
        batch.sending = false;
        this.inFlight.delete(sending);
        this.notify();
        this.pump();
      });
      this.inFlight.add(sending);
    }
  }

  private async sendOne(batch: QueuedBatch): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = batch.bytes ?? (await this.readSpooled(batch));
    } catch (error) {
      await this.giveUp(batch, undefined, 'corrupt', (error as Error).message);
      return;
    }
    if (this.stopped) return;
    const outcome = await this.transport.send(bytes, this.abortSends.signal);
    if (this.stopped && outcome.kind !== 'accepted') return;
    await this.settle(batch, bytes, outcome);
  }

  /** Applies one export outcome. */
  private async settle(batch: QueuedBatch, bytes: Uint8Array, outcome: ExportOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'accepted': {
        this.consecutiveFailures = 0;
        this.removeFromQueue(batch);
        const rejected = Math.min(outcome.rejectedRecords, batch.recordCount);
        this.telemetry.add('sent', batch.recordCount - rejected);
        if (rejected > 0) {
          this.telemetry.add('failed', rejected);
          this.report({
            kind: 'partial_success',
            message: outcome.message ?? `${rejected} records rejected by the backend`,
            recordCount: rejected,
            batchId: batch.id,
          });
        }
        await this.acknowledge(batch);
        return;
      }
      case 'rejected':
        await this.giveUp(batch, bytes, 'rejected', outcome.reason, outcome.status);
        return;
      case 'retryable': {
        this.consecutiveFailures++;
        this.telemetry.add('retries', 1);
        const delay = this.retryPolicy.delayMs(this.consecutiveFailures, outcome.retryAfterMs);
        this.report({
          kind: 'retry',
          message: outcome.reason,
          recordCount: batch.recordCount,
          batchId: batch.id,
          status: outcome.status,
          retryInMs: delay,
        });
        // The backend is failing: make every waiting batch durable before waiting.
        for (const queued of this.queue) this.persist(queued);
        // Concurrent sends failing together schedule one retry, not several.
        if (this.retryTimer === undefined) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, delay);
          this.retryTimer.unref();
        }
        return;
      }
    }
  }

  private async readSpooled(batch: QueuedBatch): Promise<Uint8Array> {
    if (!batch.spooled || !this.spool)
      throw new SpoolCorruptError(`batch ${batch.id} has neither bytes nor spool entry`);
    return this.spool.read(batch.spooled);
  }

  /** Stops trying a batch: counted as failed, its bytes kept in the dead-letter directory. */
  private async giveUp(
    batch: QueuedBatch,
    bytes: Uint8Array | undefined,
    kind: 'rejected' | 'corrupt',
    reason: string,
    status?: number,
  ): Promise<void> {
    this.removeFromQueue(batch);
    this.telemetry.add('failed', batch.recordCount);
    let kept = '';
    if (bytes && this.spool) {
      const file = path.join(
        this.spool.directory,
        'dead-letter',
        `${Date.now()}-${batch.id}.${this.transport.encoding === 'json' ? 'json' : 'pb'}`,
      );
      try {
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, bytes);
        kept = ` (kept in ${file})`;
      } catch {
        kept = '';
      }
    }
    this.report({
      kind,
      message: `${reason}${kept}`,
      recordCount: batch.recordCount,
      batchId: batch.id,
      status,
    });
    await this.acknowledge(batch);
  }

  private async acknowledge(batch: QueuedBatch): Promise<void> {
    if (batch.spooling) await batch.spooling;
    if (batch.spooled && this.spool) {
      await this.spool.ack(batch.spooled).catch((error: unknown) => {
        // After shutdown the spool is closed: the batch is simply resent (and deduplicated) after restart.
        if (this.stopped) return;
        this.report({
          kind: 'spool',
          message: `could not record delivery: ${(error as Error).message}`,
          recordCount: 0,
          batchId: batch.id,
        });
      });
    }
  }

  private removeFromQueue(batch: QueuedBatch): void {
    const index = this.queue.indexOf(batch);
    if (index < 0) return;
    this.queue.splice(index, 1);
    batch.done = true;
    if (batch.bytes) this.memoryRecords -= batch.recordCount;
  }

  private isSettled(): boolean {
    if (this.buffer.length > 0) return false;
    if (this.queue.length === 0) return true;
    // While the backend fails, "flushed" means durably spooled.
    return this.consecutiveFailures > 0 && this.spool !== undefined && this.queue.every((b) => b.spooled);
  }

  private waitUntil(done: () => boolean, timeoutMillis: number): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(done());
      }, timeoutMillis);
      this.waiters.push(waiter);
    });
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i] as Waiter;
      if (waiter.done()) {
        this.waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private reportOverLimit(): void {
    if (this.overLimitReported) return;
    this.overLimitReported = true;
    this.report({
      kind: 'over_limit',
      message: `more than ${this.maxQueueSize} records held in memory; nothing is dropped (dropWhenFull is off)`,
      recordCount: this.memoryRecords,
    });
  }

  private report(error: DeliveryError): void {
    this.telemetry.report(error);
  }
}
