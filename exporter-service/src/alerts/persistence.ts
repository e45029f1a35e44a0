import { createHash } from 'node:crypto';
import { formatTime, parseTime, ZERO_UUID } from '../mapping/fields.js';
import { buildRow, type AuditRow } from '../mapping/row.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { Logger } from '../logger.js';
import type { AttributeValue } from '../otlp/values.js';
import type { AuditStore } from '../store/store.js';
import { ALERT_SERVICE } from './compile.js';
import {
  instanceKey,
  type AlertEngine,
  type AlertInstance,
  type Transition,
  type TransitionType,
} from './engine.js';

/** A row of audit_alert_state as JSON (the columns this module reads). */
export interface StateRow {
  tenant_id: string;
  rule_id: string;
  group_key: string;
  state: string;
  severity: number;
  rule_name: string;
  mitre_tactic: string;
  mitre_technique: string;
  contact_point: string;
  summary: string;
  match_count: string | number;
  first_seen: string;
  last_seen: string;
  event_ids: string[];
  updated_at: string;
  security_event_id: string;
  group_labels: Record<string, string>;
  fired_at: string;
  resolved_at: string;
}

export const STATE_COLUMNS = `tenant_id, rule_id, group_key, state, severity, rule_name, mitre_tactic, mitre_technique,
  contact_point, summary, match_count, first_seen, last_seen, event_ids, updated_at,
  toString(security_event_id) AS security_event_id, group_labels, fired_at, resolved_at`;

export function instanceFromState(row: StateRow): AlertInstance {
  const resolvedAt = parseTime(row.resolved_at);
  return {
    tenantId: row.tenant_id,
    ruleId: row.rule_id,
    ruleName: row.rule_name,
    groupKey: row.group_key,
    groupLabels: row.group_labels,
    state: row.state === 'firing' ? 'firing' : 'resolved',
    incidentId: row.security_event_id,
    severity: Number(row.severity),
    mitreTactic: row.mitre_tactic,
    mitreTechnique: row.mitre_technique,
    contactPoint: row.contact_point,
    summary: row.summary,
    matchCount: Number(row.match_count),
    firstSeenMs: parseTime(row.first_seen),
    lastSeenMs: parseTime(row.last_seen),
    triggerMs: parseTime(row.first_seen),
    firedAtMs: parseTime(row.fired_at),
    resolvedAtMs: resolvedAt > 0 ? resolvedAt : 0,
    eventIds: row.event_ids,
  };
}

/** Reads the stored state of the given instances (FINAL: one row per rule × tenant × group key). */
export async function loadStates(
  store: AuditStore,
  keys: readonly { tenantId: string; ruleId: string; groupKey: string }[],
): Promise<Map<string, AlertInstance>> {
  const found = new Map<string, AlertInstance>();
  if (keys.length === 0) return found;
  const rows = await store.query<StateRow>(
    `SELECT ${STATE_COLUMNS} FROM ${store.database}.audit_alert_state FINAL
     WHERE tenant_id IN {tenants:Array(String)} AND rule_id IN {rules:Array(String)}
       AND group_key IN {groups:Array(String)}`,
    {
      tenants: [...new Set(keys.map((k) => k.tenantId))],
      rules: [...new Set(keys.map((k) => k.ruleId))],
      groups: [...new Set(keys.map((k) => k.groupKey))],
    },
  );
  for (const row of rows) {
    found.set(instanceKey(row.tenant_id, row.rule_id, row.group_key), instanceFromState(row));
  }
  return found;
}

/** Firing instances, and those resolved since `sinceMs` (what a restarting engine adopts). */
export async function loadRecentStates(store: AuditStore, sinceMs: number): Promise<AlertInstance[]> {
  const rows = await store.query<StateRow>(
    `SELECT ${STATE_COLUMNS} FROM ${store.database}.audit_alert_state FINAL
     WHERE state = 'firing' OR updated_at >= {since:DateTime64(3, 'UTC')}`,
    { since: formatTime(sinceMs) },
  );
  return rows.map(instanceFromState);
}

const RESOURCE = new Map<string, AttributeValue>([['service.name', ALERT_SERVICE]]);
const LIMITS = { maxAttributeBytes: 1024 * 1024, maxFutureSkewMs: 5 * 60_000 };

/**
 * The `audit.security` record of an incident (DESIGN §3/§4): event type from the rule,
 * detection_method = rule id, rule_name, MITRE fields, related_events = triggering event ids.
 * Its event id is the incident id and its time the trigger time, both deterministic, so every
 * engine that detects the incident writes the same record (stored once).
 */
export function securityRow(instance: AlertInstance, eventType: string, detectedAtMs: number): AuditRow {
  const labels = instance.groupLabels;
  const attributes = new Map<string, AttributeValue>([
    ['audit.security.event_type', eventType],
    ['audit.security.detection_method', instance.ruleId],
    ['audit.security.rule', instance.ruleName],
    ['audit.security.mitre_tactic', instance.mitreTactic],
    ['audit.security.mitre_technique', instance.mitreTechnique],
    ['audit.security.related_events', instance.eventIds],
    ['audit.security.target_resource', instance.groupKey],
    ['audit.result', 'success'],
    ['audit.risk_level', instance.severity],
    ['audit.module', 'alerting'],
    ['audit.operation', 'ALERT_FIRED'],
    ['audit.alert.group_key', instance.groupKey],
    ['audit.alert.match_count', instance.matchCount],
    ['audit.alert.detected_at', new Date(detectedAtMs).toISOString()],
  ]);
  if (labels.user_id) attributes.set('user.id', labels.user_id);
  if (labels.username) attributes.set('user.name', labels.username);
  if (labels.session_id) attributes.set('session.id', labels.session_id);
  if (labels.ip_address && labels.ip_address !== '::') attributes.set('client.address', labels.ip_address);
  return buildRow(
    {
      kind: 'security',
      tenantId: instance.tenantId,
      eventId: instance.incidentId,
      eventTimeMs: instance.triggerMs,
      traceId: '',
      spanId: '',
      parentSpanId: '',
      description: `${instance.ruleName}: ${instance.summary}`,
      resource: RESOURCE,
    },
    attributes,
    LIMITS,
  );
}

function stateRow(instance: AlertInstance, version: number): Record<string, unknown> {
  return {
    tenant_id: instance.tenantId,
    rule_id: instance.ruleId,
    group_key: instance.groupKey,
    state: instance.state,
    severity: instance.severity,
    rule_name: instance.ruleName,
    mitre_tactic: instance.mitreTactic,
    mitre_technique: instance.mitreTechnique,
    contact_point: instance.contactPoint,
    summary: instance.summary,
    match_count: instance.matchCount,
    first_seen: formatTime(instance.firstSeenMs),
    last_seen: formatTime(instance.lastSeenMs),
    event_ids: instance.eventIds,
    version,
    security_event_id: instance.incidentId,
    group_labels: instance.groupLabels,
    fired_at: formatTime(instance.firedAtMs),
    resolved_at: formatTime(instance.resolvedAtMs),
  };
}

export interface WriterHooks {
  /** The rule's event type (for the security record). */
  eventTypeOf(ruleId: string): string;
  now(): number;
  /** After a transition is stored; `latencyMs` counts from the commit that caused it. */
  onPersisted?(transition: TransitionType, instance: AlertInstance, latencyMs: number): void;
  onFailure?(error: Error): void;
}

interface Pending {
  type: Exclude<TransitionType, 'updated'>;
  instance: AlertInstance;
  snapshot: AlertInstance;
  atMs: number;
  acceptedAt: number;
  /** Writes of this transition that failed (it may be stored nonetheless). */
  attempts: number;
}

/** A transition's row of audit_alert_event, and what identifies it among stored ones. */
interface HistoryRow {
  key: string;
  line: string;
}

const snapshot = (instance: AlertInstance): AlertInstance => ({
  ...instance,
  eventIds: [...instance.eventIds],
  groupLabels: { ...instance.groupLabels },
});

/**
 * Persists the engine's transitions: for a new incident, first checks audit_alert_state (another
 * exporter, or this one before a restart, may have reported it already), then writes the
 * `audit.security` record through the ingest pipeline, the history row (audit_alert_event) and
 * the instance row (audit_alert_state). Writes are batched, idempotent (deterministic ids and
 * deduplication tokens) and retried with backoff while the store is unavailable.
 */
export class AlertWriter {
  private pending: Pending[] = [];
  private dirty = new Map<string, AlertInstance>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private versionSeq = 0;
  private closed = false;

  constructor(
    private readonly store: AuditStore,
    private readonly pipeline: IngestPipeline,
    private readonly engine: AlertEngine,
    private readonly logger: Logger,
    private readonly hooks: WriterHooks,
    private readonly options: { updateFlushMs: number } = { updateFlushMs: 1000 },
  ) {}

  accept(transition: Transition): void {
    const { instance } = transition;
    if (transition.type === 'updated') {
      this.dirty.set(instanceKey(instance.tenantId, instance.ruleId, instance.groupKey), instance);
      this.schedule(this.options.updateFlushMs);
      return;
    }
    this.pending.push({
      type: transition.type,
      instance,
      snapshot: snapshot(instance),
      atMs: this.hooks.now(),
      acceptedAt: performance.now(),
      attempts: 0,
    });
    this.schedule(0);
  }

  /** Waits until everything accepted so far is written (or the store refused it). */
  async drain(): Promise<void> {
    for (let i = 0; i < 50 && (this.pending.length > 0 || this.dirty.size > 0 || this.flushing); i++) {
      if (!this.flushing) this.start();
      await this.flushing;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get backlog(): number {
    return this.pending.length + this.dirty.size;
  }

  private schedule(delayMs: number): void {
    if (this.flushing || this.closed) return;
    if (this.timer) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.start();
    }, delayMs);
    this.timer.unref();
  }

  private start(): void {
    if (this.flushing) return;
    this.flushing = this.flush()
      .then(
        () => {
          this.failures = 0;
        },
        (error: unknown) => {
          this.failures++;
          this.hooks.onFailure?.(error as Error);
          this.logger.warn(
            { err: (error as Error).message, attempt: this.failures },
            'alert state write failed; retrying',
          );
        },
      )
      .finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0 || this.dirty.size > 0) {
          this.schedule(this.failures > 0 ? Math.min(30_000, 250 * 2 ** this.failures) : 0);
        }
      });
  }

  private nextVersion(): number {
    this.versionSeq = (this.versionSeq + 1) % 1000;
    return this.hooks.now() * 1000 + this.versionSeq;
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    const dirty = [...this.dirty.values()];
    this.dirty.clear();
    try {
      await this.write(batch, dirty);
    } catch (error) {
      for (const p of batch) p.attempts++;
      this.pending.unshift(...batch);
      for (const instance of dirty) {
        this.dirty.set(instanceKey(instance.tenantId, instance.ruleId, instance.groupKey), instance);
      }
      throw error;
    }
  }

  private async write(batch: Pending[], dirty: AlertInstance[]): Promise<void> {
    if (batch.length === 0 && dirty.length === 0) return;
    // 1. A new incident may already be recorded: adopt it (firing) or drop the repeat (resolved).
    const fired = batch.filter((p) => p.type === 'fired');
    const confirmed = new Set<Pending>(batch.filter((p) => p.type !== 'fired'));
    if (fired.length > 0) {
      const stored = await loadStates(
        this.store,
        fired.map((p) => p.snapshot),
      );
      for (const p of fired) {
        const existing = stored.get(instanceKey(p.snapshot.tenantId, p.snapshot.ruleId, p.snapshot.groupKey));
        if (existing && (existing.state === 'firing' || existing.lastSeenMs >= p.snapshot.triggerMs)) {
          this.engine.settle(p.instance, existing);
        } else {
          confirmed.add(p);
        }
      }
    }
    // 2. The security records of new incidents, through the idempotent ingest path.
    const newIncidents = [...confirmed].filter((p) => p.type === 'fired');
    if (newIncidents.length > 0) {
      await this.pipeline.ingest(
        newIncidents.map((p) => securityRow(p.snapshot, this.hooks.eventTypeOf(p.snapshot.ruleId), p.atMs)),
        { urgent: true },
      );
    }
    // 3. History, one insert per flush, and 4. the current state of every instance touched (one
    // row per instance; the newest version wins), written concurrently.
    const history = this.writeHistory([...confirmed]);
    const touched = new Map<string, AlertInstance>();
    for (const instance of dirty)
      touched.set(instanceKey(instance.tenantId, instance.ruleId, instance.groupKey), instance);
    for (const p of batch) {
      const current =
        this.engine.instance(p.snapshot.tenantId, p.snapshot.ruleId, p.snapshot.groupKey) ?? p.snapshot;
      if (p.type === 'fired' && !confirmed.has(p) && current.state !== 'firing') continue;
      touched.set(instanceKey(p.snapshot.tenantId, p.snapshot.ruleId, p.snapshot.groupKey), current);
    }
    const state =
      touched.size > 0
        ? this.store.insertJsonLines(
            'audit_alert_state',
            [...touched.values()].map((i) => JSON.stringify(stateRow(i, this.nextVersion()))).join('\n'),
          )
        : Promise.resolve();
    const settled = await Promise.allSettled([history, state]);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const persistedAt = performance.now();
    for (const p of confirmed) this.hooks.onPersisted?.(p.type, p.snapshot, persistedAt - p.acceptedAt);
  }

  /**
   * Inserts the history rows of the transitions in one insert. A transition whose earlier write
   * failed may be stored all the same (a timeout after the commit), so those are looked up first
   * and only the missing ones are written; the deduplication token covers an identical retry.
   */
  private async writeHistory(transitions: Pending[]): Promise<void> {
    let rows = transitions.map(historyRow);
    const retried = transitions.filter((p) => p.attempts > 0);
    if (retried.length > 0) {
      const stored = await this.store.query<{ id: string; transition: string; at: string }>(
        `SELECT toString(security_event_id) AS id, transition, toString(toUnixTimestamp64Milli(event_time)) AS at
         FROM ${this.store.database}.audit_alert_event
         WHERE tenant_id IN {tenants:Array(String)} AND security_event_id IN {ids:Array(UUID)}`,
        {
          tenants: [...new Set(retried.map((p) => p.snapshot.tenantId))],
          ids: [...new Set(retried.map((p) => p.snapshot.incidentId || ZERO_UUID))],
        },
      );
      const storedKeys = new Set(
        stored.map((r) => historyKey(r.id, r.transition as Pending['type'], Number(r.at))),
      );
      rows = rows.filter((r) => !storedKeys.has(r.key));
    }
    if (rows.length === 0) return;
    const token = createHash('sha256');
    for (const key of rows.map((r) => r.key).sort()) token.update(key).update('\n');
    await this.store.insertJsonLines('audit_alert_event', rows.map((r) => r.line).join('\n'), {
      deduplicationToken: `alert-events:${token.digest('hex')}`,
    });
  }
}

/** A fired transition is one per incident; an incident may resolve more than once (refired). */
const historyKey = (incidentId: string, type: Pending['type'], eventTimeMs: number): string =>
  type === 'fired' ? `${incidentId}:fired` : `${incidentId}:${type}:${eventTimeMs}`;

function historyRow(p: Pending): HistoryRow {
  const { snapshot } = p;
  const eventTime = p.type === 'resolved' ? snapshot.resolvedAtMs : p.atMs;
  const incidentId = snapshot.incidentId || ZERO_UUID;
  const details = {
    ruleName: snapshot.ruleName,
    summary: snapshot.summary,
    groupLabels: snapshot.groupLabels,
    matchCount: snapshot.matchCount,
    firstSeen: new Date(snapshot.firstSeenMs).toISOString(),
    lastSeen: new Date(snapshot.lastSeenMs).toISOString(),
  };
  return {
    key: historyKey(incidentId, p.type, eventTime),
    line: JSON.stringify({
      tenant_id: snapshot.tenantId,
      rule_id: snapshot.ruleId,
      group_key: snapshot.groupKey,
      transition: p.type,
      severity: snapshot.severity,
      event_time: formatTime(eventTime),
      event_ids: snapshot.eventIds,
      security_event_id: incidentId,
      details: JSON.stringify(details),
    }),
  };
}
