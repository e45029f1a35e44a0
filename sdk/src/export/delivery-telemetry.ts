import { metrics, type Counter, type MeterProvider } from '@opentelemetry/api';

/** Running totals of what happened to records handed to the processor. */
export interface DeliveryStats {
  /** Accepted by the processor (emitted records). */
  queued: number;
  /** Written to the spool (a record spooled twice counts twice). */
  spooled: number;
  /** Acknowledged by the backend. */
  sent: number;
  /** Refused by the backend (partial success or a permanent error); kept in the dead-letter directory. */
  failed: number;
  /** Discarded because the queue or spool was full and dropping is configured, or unsent at shutdown without a spool. */
  dropped: number;
  /** Export attempts that will be retried. */
  retries: number;
  /** Found unsent in the spool at startup and queued for resending. */
  recovered: number;
}

export type DeliveryErrorKind =
  'retry' | 'partial_success' | 'rejected' | 'spool' | 'corrupt' | 'dropped' | 'over_limit' | 'serialize';

export interface DeliveryError {
  kind: DeliveryErrorKind;
  message: string;
  /** Records concerned (for partial_success: those refused). */
  recordCount: number;
  batchId?: string;
  /** HTTP status, when the backend answered. */
  status?: number;
  /** When the batch will be tried again (kind `retry`). */
  retryInMs?: number;
  cause?: unknown;
}

export type DeliveryErrorHandler = (error: DeliveryError) => void;

const COUNTERS = ['queued', 'spooled', 'sent', 'failed', 'dropped', 'retries', 'recovered'] as const;

/**
 * Counts outcomes twice: as plain numbers (`stats()`, for tests and health checks) and as OTel
 * counters `auditlens.sdk.records.<outcome>` on the given or global MeterProvider, so they show up
 * in whatever metrics pipeline the app runs. Errors go to the `onError` hook.
 */
export class DeliveryTelemetry {
  private readonly totals: DeliveryStats = {
    queued: 0,
    spooled: 0,
    sent: 0,
    failed: 0,
    dropped: 0,
    retries: 0,
    recovered: 0,
  };
  private readonly counters: Record<keyof DeliveryStats, Counter>;

  constructor(
    meterProvider: MeterProvider = metrics.getMeterProvider(),
    private readonly onError?: DeliveryErrorHandler,
  ) {
    const meter = meterProvider.getMeter('@auditlens/sdk');
    const counters: Partial<Record<keyof DeliveryStats, Counter>> = {};
    for (const name of COUNTERS) {
      counters[name] = meter.createCounter(
        name === 'retries' ? 'auditlens.sdk.export.retries' : `auditlens.sdk.records.${name}`,
        {
          description: `Audit records ${name} by the AuditLens SDK delivery pipeline`,
          unit: name === 'retries' ? '{attempt}' : '{record}',
        },
      );
    }
    this.counters = counters as Record<keyof DeliveryStats, Counter>;
  }

  add(outcome: keyof DeliveryStats, n: number): void {
    if (n <= 0) return;
    this.totals[outcome] += n;
    this.counters[outcome].add(n);
  }

  report(error: DeliveryError): void {
    if (!this.onError) return;
    try {
      this.onError(error);
    } catch {
      // A failing hook must not break delivery.
    }
  }

  stats(): DeliveryStats {
    return { ...this.totals };
  }
}
