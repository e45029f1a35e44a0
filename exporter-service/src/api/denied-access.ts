import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { ExporterMetrics } from '../metrics.js';
import type { AccessLog, DeniedAttempt, DeniedSummary } from './access-log.js';
import type { DeniedReason } from '@auditlens/contract/rest';
import type { Principal } from './principal.js';

/**
 * How many refused calls get a record of their own. Per fixed window: at most `perSource` records
 * per client address and reason, and `perWindow` in all; the rest are counted, and one summary
 * record at the end of the window carries their number and the sources with the most. A flood
 * therefore writes at most perWindow + 1 records per window (with the defaults 101 a minute,
 * about 150,000 small rows a day), holds at most `maxSources` counters, and every refusal is
 * still counted in the metrics.
 */
export interface DeniedAccessLimits {
  windowMs: number;
  perSource: number;
  perWindow: number;
  maxSources: number;
}

export const DEFAULT_DENIED_ACCESS_LIMITS: DeniedAccessLimits = {
  windowMs: 60_000,
  perSource: 5,
  perWindow: 100,
  maxSources: 1_000,
};

/** Sources beyond `maxSources` in one window are counted under this address. */
const OTHER_SOURCES = '(other sources)';
const TOP_SOURCES = 20;
const MAX_FIELD = 256;

interface SourceCount {
  clientAddress: string;
  reason: DeniedReason;
  recorded: number;
  unrecorded: number;
}

/** What a denial site tells the recorder (response.locals.deniedReason); the status decides otherwise. */
export function deniedReasonOf(response: Response): DeniedReason {
  const reason = response.locals.deniedReason as DeniedReason | undefined;
  return reason ?? (response.statusCode === 401 ? 'unknown-token' : 'forbidden');
}

const capped = (value: unknown): string => (typeof value === 'string' ? value.slice(0, MAX_FIELD) : '');

/**
 * Records refused API calls (every 401 and 403 of the REST API) as `audit.access` records with
 * result `denied`, rate-limited (see DeniedAccessLimits). Writing never delays or changes the
 * refusal; a record that cannot be written is counted and logged.
 */
export class DeniedAccessLog {
  private windowStart: number;
  private recordedInWindow = 0;
  private sources = new Map<string, SourceCount>();
  private timer: NodeJS.Timeout | undefined;
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly accessLog: AccessLog,
    private readonly metrics: ExporterMetrics,
    private readonly logger: Logger,
    private readonly limits: DeniedAccessLimits = DEFAULT_DENIED_ACCESS_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Middleware: watches every API response and records the refused ones. */
  middleware() {
    return (request: Request, response: Response, next: NextFunction): void => {
      response.on('finish', () => {
        if (response.statusCode !== 401 && response.statusCode !== 403) return;
        const principal = response.locals.principal as Principal | undefined;
        const body = request.body as Record<string, unknown> | undefined;
        this.refused({
          status: response.statusCode,
          reason: deniedReasonOf(response),
          resource: `${request.method} ${capped(request.baseUrl + request.path)}`,
          tenant: capped(request.query.tenant ?? body?.tenant),
          subject: principal?.subject ?? (capped(response.locals.deniedSubject) || 'anonymous'),
          userName: principal?.userName ?? capped(request.headers['x-grafana-user']),
          clientAddress: request.socket.remoteAddress ?? '',
          userAgent: capped(request.headers['user-agent']),
        });
      });
      next();
    };
  }

  /** Counts one refused call and records it unless its source or the window is over the limit. */
  refused(attempt: DeniedAttempt): void {
    this.metrics.apiDenied.inc({ reason: attempt.reason });
    this.rollWindowIfOver();
    const source = this.sourceOf(attempt);
    if (source.recorded < this.limits.perSource && this.recordedInWindow < this.limits.perWindow) {
      source.recorded++;
      this.recordedInWindow++;
      this.track(this.accessLog.denied(attempt));
      return;
    }
    source.unrecorded++;
    this.metrics.apiDeniedUnrecorded.inc({ reason: attempt.reason });
    this.timer ??= setTimeout(
      () => this.rollWindowIfOver(),
      this.windowStart + this.limits.windowMs - this.now(),
    );
    this.timer.unref();
  }

  /** Ends the current window: writes its summary now and waits for every pending record. */
  async close(): Promise<void> {
    this.endWindow(this.now());
    await Promise.all([...this.writes]);
  }

  private sourceOf(attempt: DeniedAttempt): SourceCount {
    const known = this.sources.size < this.limits.maxSources;
    const clientAddress =
      known || this.sources.has(`${attempt.clientAddress}|${attempt.reason}`)
        ? attempt.clientAddress
        : OTHER_SOURCES;
    const key = `${clientAddress}|${attempt.reason}`;
    let source = this.sources.get(key);
    if (!source) {
      source = { clientAddress, reason: attempt.reason, recorded: 0, unrecorded: 0 };
      this.sources.set(key, source);
    }
    return source;
  }

  private rollWindowIfOver(): void {
    const now = this.now();
    if (now >= this.windowStart + this.limits.windowMs) this.endWindow(now);
  }

  private endWindow(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const unrecorded = [...this.sources.values()].filter((s) => s.unrecorded > 0);
    const count = unrecorded.reduce((n, s) => n + s.unrecorded, 0);
    if (count > 0) {
      const summary: DeniedSummary = {
        fromMs: this.windowStart,
        toMs: now,
        count,
        top: unrecorded
          .sort((a, b) => b.unrecorded - a.unrecorded)
          .slice(0, TOP_SOURCES)
          .map((s) => ({ clientAddress: s.clientAddress, reason: s.reason, count: s.unrecorded })),
      };
      this.track(this.accessLog.deniedSummary(summary));
    }
    this.windowStart = now;
    this.recordedInWindow = 0;
    this.sources = new Map();
  }

  private track(write: Promise<void>): void {
    const tracked = write.catch((error: unknown) => {
      this.metrics.apiDeniedRecordFailures.inc();
      this.logger.error({ err: (error as Error).message }, 'a refused API call could not be recorded');
    });
    this.writes.add(tracked);
    void tracked.finally(() => this.writes.delete(tracked));
  }
}
