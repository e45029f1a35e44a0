import { Counter, Histogram, type Registry } from 'prom-client';
import type { AuditRow } from './mapping/row.js';

export interface BusinessMetricsOptions {
  /** A request or operation taking longer than this is slow (source 000: SLOW_REQUEST_THRESHOLD, 2 s). */
  slowRequestMs: number;
  /** Distinct actions with a label of their own; the rest count as `other`. */
  maxActions: number;
}

/** An action's label once the action has recurred this often (a one-off, e.g. an id in the name, never takes a slot). */
const ADMIT_AFTER = 5;
/** How many candidate actions are counted while slots remain (the least seen is forgotten first). */
const CANDIDATES_PER_SLOT = 4;

/**
 * Bounds the `action` label: the actions that recur most get a label of their own, up to
 * `maxActions`; every other action, and an action's first few records before it is admitted,
 * count as `other`. Once given, a label stays (a Prometheus series must not move), so the
 * series per metric stay under maxActions + 1 whatever the applications send.
 */
export class ActionLabels {
  private readonly admitted = new Set<string>();
  private readonly candidates = new Map<string, number>();

  constructor(private readonly maxActions: number) {}

  label(action: string): string {
    if (this.admitted.has(action)) return action;
    if (this.admitted.size >= this.maxActions) return 'other';
    const seen = (this.candidates.get(action) ?? 0) + 1;
    if (seen >= ADMIT_AFTER) {
      this.candidates.delete(action);
      this.admitted.add(action);
      if (this.admitted.size >= this.maxActions) this.candidates.clear();
      return action;
    }
    this.candidates.set(action, seen);
    if (this.candidates.size > this.maxActions * CANDIDATES_PER_SLOT) this.forgetLeastSeen();
    return 'other';
  }

  private forgetLeastSeen(): void {
    let least: string | undefined;
    let fewest = Infinity;
    for (const [action, seen] of this.candidates) {
      if (seen < fewest) [least, fewest] = [action, seen];
    }
    if (least !== undefined) this.candidates.delete(least);
  }
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/**
 * The business metrics of source 000 (apps/audit/metrics.py) from the rows the exporter commits:
 * operations by kind, action, result and risk level; the duration of requests and data
 * operations; slow requests. Counted after commit, so a retried batch is not counted twice.
 */
export class BusinessMetrics {
  private readonly actions: ActionLabels;
  private readonly operations: Counter<'kind' | 'action' | 'result' | 'risk_level'>;
  private readonly duration: Histogram<'kind' | 'action'>;
  private readonly slow: Counter<'kind' | 'action'>;

  constructor(
    registry: Registry,
    private readonly options: BusinessMetricsOptions,
  ) {
    this.actions = new ActionLabels(options.maxActions);
    this.operations = new Counter({
      name: 'auditlens_audit_operations_total',
      help: 'Audit records committed, by kind, action (the most frequent ones; the rest as other), result and risk level',
      labelNames: ['kind', 'action', 'result', 'risk_level'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'auditlens_audit_operation_duration_seconds',
      help: 'Duration of audited requests, admin operations and data operations, by kind and action',
      labelNames: ['kind', 'action'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    this.slow = new Counter({
      name: 'auditlens_audit_slow_operations_total',
      help: `Audited requests, admin and data operations slower than the threshold (AUDITLENS_SLOW_REQUEST_MS, now ${options.slowRequestMs} ms)`,
      labelNames: ['kind', 'action'],
      registers: [registry],
    });
  }

  /** Counts committed rows, one counter increment per distinct label set of the batch. */
  observe(rows: readonly AuditRow[]): void {
    const counts = new Map<string, { labels: Record<string, string>; n: number }>();
    for (const row of rows) {
      const action = this.actions.label(String(row.values.operation_name ?? ''));
      const labels = {
        kind: row.kind,
        action,
        result: String(row.values.result ?? ''),
        risk_level: String(row.values.risk_level ?? ''),
      };
      const key = `${labels.kind}\u0000${action}\u0000${labels.result}\u0000${labels.risk_level}`;
      const entry = counts.get(key);
      if (entry) entry.n++;
      else counts.set(key, { labels, n: 1 });
      const ms = row.values.duration_ms;
      if (typeof ms === 'number' && ms > 0) {
        this.duration.observe({ kind: row.kind, action }, ms / 1000);
        if (ms > this.options.slowRequestMs) this.slow.inc({ kind: row.kind, action });
      }
    }
    for (const { labels, n } of counts.values()) this.operations.inc(labels, n);
  }
}
