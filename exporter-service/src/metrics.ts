import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one exporter instance (its own registry, so tests can run several). */
export class ExporterMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'auditlens_records_received_total',
    help: 'Audit records received, by signal and kind',
    labelNames: ['signal', 'kind'] as const,
    registers: [this.registry],
  });
  readonly inserted = new Counter({
    name: 'auditlens_rows_inserted_total',
    help: 'Rows committed to ClickHouse, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'auditlens_rows_deduplicated_total',
    help: 'Rows not inserted because their event id was already stored (retried batches)',
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'auditlens_records_rejected_total',
    help: 'Records rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'auditlens_records_skipped_total',
    help: 'Log records and spans that are not audit records (unknown EventName, non-HTTP spans)',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'auditlens_otlp_requests_total',
    help: 'OTLP export requests, by signal and HTTP status',
    labelNames: ['signal', 'status'] as const,
    registers: [this.registry],
  });
  readonly batchLatency = new Histogram({
    name: 'auditlens_batch_insert_seconds',
    help: 'Time to commit one batch to ClickHouse',
    labelNames: ['table'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly insertFailures = new Counter({
    name: 'auditlens_batch_insert_failures_total',
    help: 'Batches whose insert failed (the senders were told to retry)',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'auditlens_queue_rows',
    help: 'Rows waiting to be committed',
    registers: [this.registry],
  });
  readonly oldestUnflushedAge = new Gauge({
    name: 'auditlens_oldest_unflushed_row_age_seconds',
    help: 'Age of the oldest row not yet committed (0 when none)',
    registers: [this.registry],
  });
  readonly alertTransitions = new Counter({
    name: 'auditlens_alert_transitions_total',
    help: 'Alert instance transitions persisted, by rule and transition (fired, reopened, resolved)',
    labelNames: ['rule', 'transition'] as const,
    registers: [this.registry],
  });
  readonly alertFiring = new Gauge({
    name: 'auditlens_alert_firing_instances',
    help: 'Alert instances currently firing in this exporter',
    registers: [this.registry],
  });
  readonly alertGroups = new Gauge({
    name: 'auditlens_alert_window_groups',
    help: 'Group keys held in the alert rules sliding windows (memory)',
    registers: [this.registry],
  });
  readonly alertGroupsEvicted = new Counter({
    name: 'auditlens_alert_window_groups_evicted_total',
    help: 'Group keys evicted because a rule reached its group cap (detection may be incomplete)',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly alertWriteFailures = new Counter({
    name: 'auditlens_alert_write_failures_total',
    help: 'Failed writes of alert state, history or security records (retried)',
    registers: [this.registry],
  });
  readonly alertLatency = new Histogram({
    name: 'auditlens_alert_commit_to_state_seconds',
    help: 'Time from the commit of the triggering rows to the alert state being stored',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly apiDenied = new Counter({
    name: 'auditlens_api_denied_total',
    help: 'REST API calls refused (401/403), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly apiDeniedUnrecorded = new Counter({
    name: 'auditlens_api_denied_unrecorded_total',
    help: 'Refused API calls over the rate limit: counted in a summary record instead of a record each',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly apiDeniedRecordFailures = new Counter({
    name: 'auditlens_api_denied_record_failures_total',
    help: 'Records of refused API calls that could not be written',
    registers: [this.registry],
  });

  constructor() {
    // prom-client's names start with process_ and nodejs_ already: auditlens_process_cpu_seconds_total.
    collectDefaultMetrics({ register: this.registry, prefix: 'auditlens_' });
  }
}
