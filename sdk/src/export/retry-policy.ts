/**
 * When to try a failed export again: exponential backoff with jitter, so that many processes
 * recovering from the same outage do not hit the exporter in lock-step, and the server's
 * Retry-After when it names one (429/503 from an exporter whose store is down).
 */
export interface RetryPolicyOptions {
  /** First delay. Default 500 ms. */
  initialBackoffMs?: number;
  /** Upper bound of the exponential delay. Default 30 s. */
  maxBackoffMs?: number;
  /** Growth per consecutive failure. Default 2. */
  multiplier?: number;
  /** Upper bound for a server-requested Retry-After. Default 5 minutes. */
  maxRetryAfterMs?: number;
}

export class RetryPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  readonly maxRetryAfterMs: number;

  constructor(
    options: RetryPolicyOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialBackoffMs = options.initialBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  }

  /**
   * Delay before attempt `failures + 1`. "Equal jitter": half the exponential delay fixed, half
   * random, so a retry is never immediate yet processes spread out. A Retry-After from the server
   * wins (plus up to 10 % jitter), bounded by `maxRetryAfterMs`.
   */
  delayMs(failures: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined && retryAfterMs >= 0) {
      const bounded = Math.min(retryAfterMs, this.maxRetryAfterMs);
      return Math.round(bounded + bounded * 0.1 * this.random());
    }
    const exponent = Math.max(0, failures - 1);
    const ceiling = Math.min(this.maxBackoffMs, this.initialBackoffMs * this.multiplier ** exponent);
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
