import { derivedUuid } from '../mapping/ids.js';
import {
  compileRule,
  formatGroupKey,
  isAlertGenerated,
  type CompiledRule,
  type EngineRow,
} from './compile.js';
import {
  NewValueDetector,
  SequenceDetector,
  SilenceDetector,
  SumDetector,
  ThresholdDetector,
  type Detector,
  type Trigger,
} from './detectors.js';
import { durationMs, formatDuration } from './duration.js';
import type { AlertRule } from './rule-model.js';

/** One alert instance: a rule × tenant × group key, firing or resolved. */
export interface AlertInstance {
  tenantId: string;
  ruleId: string;
  ruleName: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  state: 'firing' | 'resolved';
  /** The incident's id, also the event id of the `audit.security` record written for it. */
  incidentId: string;
  severity: number;
  mitreTactic: string;
  mitreTechnique: string;
  contactPoint: string;
  summary: string;
  matchCount: number;
  /** Event times of the first and latest record of the incident. */
  firstSeenMs: number;
  lastSeenMs: number;
  /** Event time at which the condition became true. */
  triggerMs: number;
  /** Processing times. */
  firedAtMs: number;
  resolvedAtMs: number;
  /** Triggering event ids (at most MAX_EVENT_IDS). */
  eventIds: string[];
}

export type TransitionType = 'fired' | 'reopened' | 'updated' | 'resolved';

export interface Transition {
  type: TransitionType;
  instance: AlertInstance;
}

export interface EngineOptions {
  /** The clock (epoch ms); injectable so that tests need no real waiting. */
  now?: () => number;
  /** Groups kept per rule; the least recently updated is evicted past this. */
  maxGroupsPerRule?: number;
  /**
   * Shortest time an instance stays firing (capped at the rule's window), so that Grafana's
   * periodic evaluation of audit_alert_state sees every incident. Default 2 minutes.
   */
  minFiringMs?: number;
  onTransition?: (transition: Transition) => void;
  onEvict?: (ruleId: string) => void;
}

export const MAX_EVENT_IDS = 100;

interface RuleRuntime {
  compiled: CompiledRule;
  detector: Detector;
}

export function instanceKey(tenantId: string, ruleId: string, groupKey: string): string {
  return `${tenantId}\u0000${ruleId}\u0000${groupKey}`;
}

/**
 * The id of an incident: the same for every engine that sees the same records, so that several
 * exporters (or a restarted one) write one incident, not several. Two incidents of one instance
 * are at least a window apart, so the window bucket of the trigger time separates them.
 */
export function incidentId(
  tenantId: string,
  ruleId: string,
  groupKey: string,
  triggerMs: number,
  windowMs: number,
): string {
  return derivedUuid(
    'auditlens-incident',
    tenantId,
    ruleId,
    groupKey,
    String(Math.floor(triggerMs / windowMs)),
  );
}

function detectorFor(compiled: CompiledRule, options: { maxGroups: number; onEvict: () => void }): Detector {
  const rule = compiled.rule;
  switch (rule.kind) {
    case 'threshold':
      return rule.sum === undefined
        ? new ThresholdDetector(rule.threshold, compiled.windowMs, options)
        : new SumDetector(rule.sum, rule.threshold, compiled.windowMs, options);
    case 'match':
      return new ThresholdDetector(0, compiled.windowMs, options);
    case 'sequence':
      return new SequenceDetector(compiled, rule.sequence.minCount, options);
    case 'new_value':
      return new NewValueDetector(
        compiled,
        durationMs(rule.newValue.lookback),
        rule.newValue.requireHistory,
        options,
      );
    case 'silence':
      return new SilenceDetector(compiled.windowMs, durationMs(rule.silence.forgetAfter), options);
  }
}

/** The summary line of an incident, from the rule's template or a default per kind. */
export function summarize(
  rule: AlertRule,
  labels: Record<string, string>,
  count: number,
  sum?: number,
): string {
  const group = formatGroupKey(labels) || 'all records';
  const template =
    rule.summary ??
    (rule.kind === 'threshold'
      ? rule.sum === undefined
        ? '{count} matching records in {window} for {group}'
        : '{sum} of {field} in {window} ({count} records) for {group}'
      : rule.kind === 'sequence'
        ? 'sequence of {count} records within {window} for {group}'
        : rule.kind === 'new_value'
          ? 'first time seen: {group}'
          : rule.kind === 'silence'
            ? 'no records for {window} from {group}'
            : 'matching record for {group}');
  return template.replace(/\{([A-Za-z0-9_.]+)\}/g, (whole, name: string) => {
    if (name === 'count') return String(count);
    if (name === 'sum' && sum !== undefined) return String(Math.round(sum * 100) / 100);
    if (name === 'field' && rule.kind === 'threshold' && rule.sum !== undefined) return rule.sum;
    if (name === 'window') return formatDuration(durationMs(rule.window));
    if (name === 'group') return group;
    return labels[name] ?? whole;
  });
}

/**
 * The streaming alert engine: evaluates committed rows against the rules' sliding windows and
 * keeps the alert instances. Everything here is synchronous and in memory; persistence listens
 * to the transitions (see AlertWriter). Time comes from the injected clock.
 */
export class AlertEngine {
  private readonly rules = new Map<string, RuleRuntime>();
  private readonly byTable = new Map<string, RuleRuntime[]>();
  private readonly live = new Map<string, AlertInstance>();
  /** instance key → last_seen of the adopted stored instance (rows up to it were counted). */
  private readonly adoptedUntil = new Map<string, number>();
  private readonly now: () => number;
  private readonly maxGroups: number;
  private readonly minFiringMs: number;
  /** Called for every transition (set by the module to persist them). */
  onTransition: (transition: Transition) => void;

  constructor(private readonly options: EngineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxGroups = options.maxGroupsPerRule ?? 50_000;
    this.minFiringMs = options.minFiringMs ?? 120_000;
    this.onTransition = options.onTransition ?? (() => undefined);
  }

  /** Installs the enabled rules; a rule whose definition changed starts with empty windows. Returns the ids (re)started. */
  setRules(rules: readonly AlertRule[]): string[] {
    const wanted = new Map(rules.filter((r) => r.enabled).map((r) => [r.id, r]));
    const started: string[] = [];
    for (const [id, runtime] of this.rules) {
      const next = wanted.get(id);
      if (!next || JSON.stringify(next) !== JSON.stringify(runtime.compiled.rule)) {
        this.rules.delete(id);
        if (!next) this.resolveAll(id, 'rule removed or disabled');
      }
    }
    for (const [id, rule] of wanted) {
      if (this.rules.has(id)) continue;
      const compiled = compileRule(rule);
      const detector = detectorFor(compiled, {
        maxGroups: this.maxGroups,
        onEvict: () => this.options.onEvict?.(id),
      });
      this.rules.set(id, { compiled, detector });
      started.push(id);
    }
    this.byTable.clear();
    for (const runtime of this.rules.values()) {
      for (const table of runtime.compiled.tables) {
        const list = this.byTable.get(table) ?? [];
        list.push(runtime);
        this.byTable.set(table, list);
      }
    }
    return started;
  }

  ruleIds(): string[] {
    return [...this.rules.keys()];
  }

  compiled(ruleId: string): CompiledRule | undefined {
    return this.rules.get(ruleId)?.compiled;
  }

  /** Evaluates committed rows of one table against every rule reading it. */
  ingest(table: string, rows: readonly EngineRow[]): void {
    const runtimes = this.byTable.get(table);
    if (!runtimes) return;
    for (const row of rows) {
      if (isAlertGenerated(row)) continue;
      for (const runtime of runtimes) this.evaluate(runtime, row);
    }
  }

  /** Feeds rows (already filtered for it, in time order) to one rule: window rebuild and dry runs. */
  replay(ruleId: string, rows: readonly EngineRow[]): void {
    const runtime = this.rules.get(ruleId);
    if (!runtime) return;
    for (const row of rows) {
      if (!isAlertGenerated(row)) this.evaluate(runtime, row);
    }
  }

  private evaluate(runtime: RuleRuntime, row: EngineRow): void {
    const { compiled, detector } = runtime;
    if (!compiled.applies(row)) return;
    const labels = compiled.groupLabels(row);
    const trigger = detector.add(row, labels);
    const instanceLabels =
      trigger?.labels ?? (compiled.valueLabels ? { ...labels, ...compiled.valueLabels(row) } : labels);
    const current = this.live.get(
      instanceKey(row.tenantId, compiled.rule.id, formatGroupKey(instanceLabels)),
    );
    if (current?.state === 'firing' && compiled.rule.kind !== 'silence') {
      this.extend(current, row);
    } else if (trigger) {
      this.fire(compiled, trigger);
    }
  }

  private extend(instance: AlertInstance, row: EngineRow): void {
    if (instance.eventIds.includes(row.eventId)) return;
    // Rows an adopted instance already counted (replayed after a restart) are not counted again.
    const k = instanceKey(instance.tenantId, instance.ruleId, instance.groupKey);
    if (row.timeMs <= (this.adoptedUntil.get(k) ?? -Infinity)) return;
    instance.matchCount++;
    instance.lastSeenMs = Math.max(instance.lastSeenMs, row.timeMs);
    if (instance.eventIds.length < MAX_EVENT_IDS) instance.eventIds.push(row.eventId);
    this.onTransition({ type: 'updated', instance });
  }

  private fire(compiled: CompiledRule, trigger: Trigger): void {
    const rule = compiled.rule;
    const groupKey = formatGroupKey(trigger.labels);
    const k = instanceKey(trigger.tenantId, rule.id, groupKey);
    const previous = this.live.get(k);
    const now = this.now();
    if (previous?.state === 'firing') return;
    // An incident already recorded (adopted from the store, or replayed): the trigger is part of it.
    if (previous && trigger.timeMs <= previous.lastSeenMs) return;
    const reopen =
      previous?.state === 'resolved' &&
      compiled.cooldownMs > 0 &&
      now - previous.resolvedAtMs < compiled.cooldownMs;
    const instance: AlertInstance = {
      tenantId: trigger.tenantId,
      ruleId: rule.id,
      ruleName: rule.name,
      groupKey,
      groupLabels: trigger.labels,
      state: 'firing',
      incidentId:
        reopen && previous
          ? previous.incidentId
          : incidentId(trigger.tenantId, rule.id, groupKey, trigger.timeMs, compiled.windowMs),
      severity: rule.severity,
      mitreTactic: rule.mitre.tactic ?? '',
      mitreTechnique: rule.mitre.technique ?? '',
      contactPoint: rule.contactPoint ?? '',
      summary: summarize(rule, trigger.labels, trigger.count, trigger.sum),
      matchCount: reopen && previous ? previous.matchCount + trigger.count : trigger.count,
      firstSeenMs: reopen && previous ? previous.firstSeenMs : trigger.firstSeenMs,
      lastSeenMs: Math.max(trigger.timeMs, ...(reopen && previous ? [previous.lastSeenMs] : [])),
      triggerMs: trigger.timeMs,
      firedAtMs: reopen && previous ? previous.firedAtMs : now,
      resolvedAtMs: 0,
      eventIds: [...(reopen && previous ? previous.eventIds : []), ...trigger.eventIds].slice(
        0,
        MAX_EVENT_IDS,
      ),
    };
    this.live.set(k, instance);
    this.onTransition({ type: reopen ? 'reopened' : 'fired', instance });
  }

  private resolve(instance: AlertInstance): void {
    instance.state = 'resolved';
    instance.resolvedAtMs = this.now();
    this.onTransition({ type: 'resolved', instance });
  }

  private resolveAll(ruleId: string, _reason: string): void {
    for (const instance of this.live.values()) {
      if (instance.ruleId === ruleId && instance.state === 'firing') this.resolve(instance);
    }
  }

  /** Time passes: silence triggers, resolution of instances whose condition no longer holds, eviction. */
  tick(): void {
    const now = this.now();
    for (const runtime of this.rules.values()) {
      for (const trigger of runtime.detector.tick(now)) this.fire(runtime.compiled, trigger);
    }
    for (const [k, instance] of this.live) {
      const runtime = this.rules.get(instance.ruleId);
      if (instance.state === 'firing') {
        if (!runtime) {
          this.resolve(instance);
          continue;
        }
        const minFiring = Math.min(this.minFiringMs, runtime.compiled.windowMs);
        if (
          now - instance.firedAtMs >= minFiring &&
          !runtime.detector.holds(instance.tenantId, instance.groupKey, now)
        ) {
          this.resolve(instance);
        }
      } else {
        const keep = runtime ? Math.max(runtime.compiled.cooldownMs, runtime.compiled.windowMs) : 0;
        if (now - instance.resolvedAtMs > keep && now - instance.lastSeenMs > keep) {
          this.live.delete(k);
          this.adoptedUntil.delete(k);
        }
      }
    }
  }

  /**
   * Takes over instances recorded in audit_alert_state (after a restart, or written by another
   * exporter): firing ones keep firing with their incident id; resolved ones mark what was
   * already reported, so that replaying the window does not report it again.
   */
  adopt(instances: readonly AlertInstance[]): void {
    for (const stored of instances) {
      const k = instanceKey(stored.tenantId, stored.ruleId, stored.groupKey);
      const current = this.live.get(k);
      if (!current || current.lastSeenMs <= stored.lastSeenMs || current.incidentId === stored.incidentId) {
        this.live.set(k, { ...stored, eventIds: [...stored.eventIds] });
        this.adoptedUntil.set(k, stored.lastSeenMs);
      }
    }
  }

  /** The persisted view decided this firing was already reported (by another engine or before a restart). */
  settle(instance: AlertInstance, stored: AlertInstance): void {
    const k = instanceKey(instance.tenantId, instance.ruleId, instance.groupKey);
    if (this.live.get(k) !== instance) return;
    if (stored.state === 'firing') {
      instance.incidentId = stored.incidentId;
      instance.firedAtMs = Math.min(instance.firedAtMs, stored.firedAtMs);
      instance.firstSeenMs = Math.min(instance.firstSeenMs, stored.firstSeenMs);
      instance.matchCount = Math.max(instance.matchCount, stored.matchCount);
    } else {
      this.live.set(k, { ...stored, eventIds: [...stored.eventIds] });
    }
  }

  instance(tenantId: string, ruleId: string, groupKey: string): AlertInstance | undefined {
    return this.live.get(instanceKey(tenantId, ruleId, groupKey));
  }

  instances(): AlertInstance[] {
    return [...this.live.values()];
  }

  /** Groups held across rules (memory). */
  get groups(): number {
    let total = 0;
    for (const runtime of this.rules.values()) total += runtime.detector.size;
    return total;
  }
}
