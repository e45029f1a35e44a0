import { formatGroupKey, type CompiledRule, type EngineRow, type Labels } from './compile.js';

/** A rule's condition became true for one group. */
export interface Trigger {
  tenantId: string;
  labels: Labels;
  /** Event time at which the condition became true. */
  timeMs: number;
  /** Event ids of the records that made it true. */
  eventIds: string[];
  /** Matching records the trigger counted. */
  count: number;
  /** Sum rules: the total of the summed field in the window. */
  sum?: number;
  firstSeenMs: number;
}

/**
 * The sliding-window state of one rule, per group. Memory is bounded: a group keeps at most what
 * the rule's condition needs (e.g. the newest threshold+1 timestamps), groups leave when their
 * window has passed, and at most `maxGroups` groups are kept (the least recently updated is
 * evicted, and counted, when a new one would exceed the cap).
 */
export interface Detector {
  /** Feeds a row that passed the rule's filter; returns a trigger when the condition became true. */
  add(row: EngineRow, labels: Labels): Trigger | undefined;
  /** True while the condition still holds at `now` for the instance (resolution check). */
  holds(tenantId: string, groupKey: string, nowMs: number): boolean;
  /** Triggers that arise from time passing (silence), and eviction of expired groups. */
  tick(nowMs: number): Trigger[];
  readonly size: number;
}

export interface DetectorOptions {
  maxGroups: number;
  onEvict: () => void;
}

const key = (tenantId: string, groupKey: string): string => `${tenantId}\u0000${groupKey}`;

/** A Map used as an LRU: touching a key moves it to the end; the first key is the oldest. */
function touch<V>(map: Map<string, V>, k: string, value: V): void {
  map.delete(k);
  map.set(k, value);
}

function admit<V>(map: Map<string, V>, k: string, options: DetectorOptions): void {
  if (map.has(k) || map.size < options.maxGroups) return;
  const oldest = map.keys().next();
  if (!oldest.done) {
    map.delete(oldest.value);
    options.onEvict();
  }
}

/** Sorted insert (rows mostly arrive in time order, so this is usually a push); returns the index. */
function insertSorted(times: number[], ids: string[], t: number, id: string): number {
  let i = times.length;
  while (i > 0 && (times[i - 1] ?? 0) > t) i--;
  times.splice(i, 0, t);
  ids.splice(i, 0, id);
  return i;
}

/** The group of a row's tenant and labels, created (within the cap) when new, marked as used. */
function groupOf<G>(
  groups: Map<string, G>,
  row: EngineRow,
  labels: Labels,
  options: DetectorOptions,
  create: () => G,
): G {
  const k = key(row.tenantId, formatGroupKey(labels));
  let group = groups.get(k);
  if (!group) {
    admit(groups, k, options);
    group = create();
  }
  touch(groups, k, group);
  return group;
}

/** Forgets the groups whose newest record left the window. */
function forgetPassed(groups: Map<string, { times: number[] }>, nowMs: number, windowMs: number): void {
  for (const [k, group] of groups) {
    if ((group.times.at(-1) ?? 0) < nowMs - windowMs) groups.delete(k);
  }
}

interface CountGroup {
  tenantId: string;
  labels: Labels;
  times: number[];
  ids: string[];
  firstSeenMs: number;
}

/**
 * threshold: more than `threshold` matching records within the window (match = threshold 0).
 * Keeps the newest threshold+1 timestamps per group: the count in any window ending at or after
 * the newest record exceeds the threshold exactly when the oldest of them is inside the window.
 */
export class ThresholdDetector implements Detector {
  private readonly groups = new Map<string, CountGroup>();

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly options: DetectorOptions,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(row: EngineRow, labels: Labels): Trigger | undefined {
    const group = groupOf(this.groups, row, labels, this.options, () => ({
      tenantId: row.tenantId,
      labels,
      times: [],
      ids: [],
      firstSeenMs: row.timeMs,
    }));
    if (group.ids.includes(row.eventId)) return undefined; // the same record twice (replay overlap)
    const keep = this.threshold + 1;
    if (group.times.length >= keep && row.timeMs < (group.times[0] ?? 0)) return undefined;
    insertSorted(group.times, group.ids, row.timeMs, row.eventId);
    if (group.times.length > keep) {
      group.times.shift();
      group.ids.shift();
    }
    const oldest = group.times[0] ?? 0;
    const newest = group.times.at(-1) ?? 0;
    if (group.times.length === keep && newest - oldest <= this.windowMs) {
      return {
        tenantId: group.tenantId,
        labels: group.labels,
        timeMs: newest,
        eventIds: [...group.ids],
        count: keep,
        firstSeenMs: oldest,
      };
    }
    return undefined;
  }

  holds(tenantId: string, groupKey: string, nowMs: number): boolean {
    const group = this.groups.get(key(tenantId, groupKey));
    return (
      group !== undefined &&
      group.times.length === this.threshold + 1 &&
      (group.times[0] ?? 0) >= nowMs - this.windowMs
    );
  }

  tick(nowMs: number): Trigger[] {
    forgetPassed(this.groups, nowMs, this.windowMs);
    return [];
  }
}

interface SumGroup {
  tenantId: string;
  labels: Labels;
  times: number[];
  ids: string[];
  values: number[];
  firstSeenMs: number;
}

/** Records a sum group keeps; beyond it the oldest leave early (the sum can only come out lower). */
const MAX_SUMMED_RECORDS = 10_000;
/** Event ids an incident of a sum rule names (the newest). */
const MAX_SUM_EVENT_IDS = 100;

/**
 * threshold with `sum`: the total of a number field over the matching records within the window
 * exceeds `threshold` (e.g. AI spend per user and currency per hour). Keeps each group's records
 * of the window (time, id, value), at most MAX_SUMMED_RECORDS.
 */
export class SumDetector implements Detector {
  private readonly groups = new Map<string, SumGroup>();

  constructor(
    private readonly field: string,
    private readonly threshold: number,
    private readonly windowMs: number,
    private readonly options: DetectorOptions,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(row: EngineRow, labels: Labels): Trigger | undefined {
    const value = Number(row.values[this.field] ?? 0);
    if (!(value > 0)) return undefined; // adds nothing to the sum
    const group = groupOf(this.groups, row, labels, this.options, () => ({
      tenantId: row.tenantId,
      labels,
      times: [],
      ids: [],
      values: [],
      firstSeenMs: row.timeMs,
    }));
    if (group.ids.includes(row.eventId)) return undefined; // the same record twice (replay overlap)
    const newest = Math.max(row.timeMs, group.times.at(-1) ?? 0);
    if (row.timeMs < newest - this.windowMs) return undefined; // already outside the window
    group.values.splice(insertSorted(group.times, group.ids, row.timeMs, row.eventId), 0, value);
    let expired = 0;
    while (
      expired < group.times.length &&
      ((group.times[expired] ?? 0) < newest - this.windowMs ||
        group.times.length - expired > MAX_SUMMED_RECORDS)
    )
      expired++;
    if (expired > 0) {
      group.times.splice(0, expired);
      group.ids.splice(0, expired);
      group.values.splice(0, expired);
    }
    const total = group.values.reduce((a, b) => a + b, 0);
    if (total <= this.threshold) return undefined;
    return {
      tenantId: group.tenantId,
      labels: group.labels,
      timeMs: newest,
      eventIds: group.ids.slice(-MAX_SUM_EVENT_IDS),
      count: group.ids.length,
      sum: total,
      firstSeenMs: group.times[0] ?? newest,
    };
  }

  holds(tenantId: string, groupKey: string, nowMs: number): boolean {
    const group = this.groups.get(key(tenantId, groupKey));
    if (!group) return false;
    let total = 0;
    group.times.forEach((t, i) => {
      if (t >= nowMs - this.windowMs) total += group.values[i] ?? 0;
    });
    return total > this.threshold;
  }

  tick(nowMs: number): Trigger[] {
    forgetPassed(this.groups, nowMs, this.windowMs);
    return [];
  }
}

interface SequenceGroup {
  tenantId: string;
  labels: Labels;
  firsts: number[];
  firstIds: string[];
  lastTriggerMs: number;
}

/** sequence: at least `minCount` `first` records, then a `then` record, within the window. */
export class SequenceDetector implements Detector {
  private readonly groups = new Map<string, SequenceGroup>();

  constructor(
    private readonly rule: CompiledRule,
    private readonly minCount: number,
    private readonly options: DetectorOptions,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(row: EngineRow, labels: Labels): Trigger | undefined {
    const isThen = this.rule.then?.(row) ?? false;
    const isFirst = !isThen && (this.rule.first?.(row) ?? false);
    if (!isThen && !isFirst) return undefined;
    const k = key(row.tenantId, formatGroupKey(labels));
    let group = this.groups.get(k);
    if (!group) {
      if (isThen) return undefined; // a `then` with nothing before it
      admit(this.groups, k, this.options);
      group = { tenantId: row.tenantId, labels, firsts: [], firstIds: [], lastTriggerMs: 0 };
    }
    touch(this.groups, k, group);
    if (isFirst) {
      if (group.firstIds.includes(row.eventId)) return undefined;
      insertSorted(group.firsts, group.firstIds, row.timeMs, row.eventId);
      if (group.firsts.length > this.minCount) {
        group.firsts.shift();
        group.firstIds.shift();
      }
      return undefined;
    }
    const from = row.timeMs - this.rule.windowMs;
    const inWindow = group.firsts.filter((t) => t >= from && t <= row.timeMs).length;
    if (inWindow < this.minCount) return undefined;
    const ids = group.firstIds.filter((_, i) => {
      const t = group.firsts[i] ?? 0;
      return t >= from && t <= row.timeMs;
    });
    const firstSeenMs = group.firsts.find((t) => t >= from) ?? row.timeMs;
    group.firsts = [];
    group.firstIds = [];
    group.lastTriggerMs = row.timeMs;
    return {
      tenantId: group.tenantId,
      labels: group.labels,
      timeMs: row.timeMs,
      eventIds: [...ids, row.eventId],
      count: ids.length + 1,
      firstSeenMs,
    };
  }

  holds(tenantId: string, groupKey: string, nowMs: number): boolean {
    const group = this.groups.get(key(tenantId, groupKey));
    return group !== undefined && group.lastTriggerMs >= nowMs - this.rule.windowMs;
  }

  tick(nowMs: number): Trigger[] {
    const horizon = nowMs - this.rule.windowMs;
    for (const [k, group] of this.groups) {
      if (group.lastTriggerMs < horizon && (group.firsts.at(-1) ?? 0) < horizon) this.groups.delete(k);
    }
    return [];
  }
}

interface ValueGroup {
  /** value key → last seen (event time) */
  values: Map<string, number>;
}

/** new_value: the first appearance of a value (e.g. an IP) for a group (e.g. a user) within the lookback. */
export class NewValueDetector implements Detector {
  private readonly groups = new Map<string, ValueGroup>();
  /** instance key → trigger time, for resolution after the window. */
  private readonly triggers = new Map<string, number>();
  private static readonly MAX_VALUES = 1000;

  constructor(
    private readonly rule: CompiledRule,
    private readonly lookbackMs: number,
    private readonly requireHistory: boolean,
    private readonly options: DetectorOptions,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(row: EngineRow, labels: Labels): Trigger | undefined {
    const valueLabels = this.rule.valueLabels?.(row) ?? {};
    if (Object.values(valueLabels).every((v) => v === '' || v === '::')) return undefined;
    const valueKey = formatGroupKey(valueLabels);
    const k = key(row.tenantId, formatGroupKey(labels));
    let group = this.groups.get(k);
    if (!group) {
      admit(this.groups, k, this.options);
      group = { values: new Map() };
    }
    touch(this.groups, k, group);
    const lastSeen = group.values.get(valueKey);
    const known = lastSeen !== undefined && lastSeen >= row.timeMs - this.lookbackMs;
    let hasHistory = false;
    for (const seen of group.values.values()) {
      if (seen >= row.timeMs - this.lookbackMs) {
        hasHistory = true;
        break;
      }
    }
    touch(group.values, valueKey, Math.max(lastSeen ?? 0, row.timeMs));
    if (group.values.size > NewValueDetector.MAX_VALUES) {
      const oldest = group.values.keys().next();
      if (!oldest.done) group.values.delete(oldest.value);
    }
    if (known || (this.requireHistory && !hasHistory)) return undefined;
    const all = { ...labels, ...valueLabels };
    this.triggers.set(key(row.tenantId, formatGroupKey(all)), row.timeMs);
    return {
      tenantId: row.tenantId,
      labels: all,
      timeMs: row.timeMs,
      eventIds: [row.eventId],
      count: 1,
      firstSeenMs: row.timeMs,
    };
  }

  holds(tenantId: string, groupKey: string, nowMs: number): boolean {
    return (this.triggers.get(key(tenantId, groupKey)) ?? -Infinity) >= nowMs - this.rule.windowMs;
  }

  tick(nowMs: number): Trigger[] {
    for (const [k, group] of this.groups) {
      for (const [value, seen] of group.values) {
        if (seen < nowMs - this.lookbackMs) group.values.delete(value);
      }
      if (group.values.size === 0) this.groups.delete(k);
    }
    for (const [k, t] of this.triggers) if (t < nowMs - this.rule.windowMs) this.triggers.delete(k);
    return [];
  }
}

interface SilenceGroup {
  tenantId: string;
  labels: Labels;
  lastSeenMs: number;
  lastId: string;
  /** lastSeenMs of the silence already reported (one trigger per silence). */
  reportedFor: number;
}

/** silence: a group (e.g. a service) that was sending records has sent none for the window. */
export class SilenceDetector implements Detector {
  private readonly groups = new Map<string, SilenceGroup>();

  constructor(
    private readonly windowMs: number,
    private readonly forgetAfterMs: number,
    private readonly options: DetectorOptions,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  add(row: EngineRow, labels: Labels): Trigger | undefined {
    const k = key(row.tenantId, formatGroupKey(labels));
    let group = this.groups.get(k);
    if (!group) {
      admit(this.groups, k, this.options);
      group = { tenantId: row.tenantId, labels, lastSeenMs: 0, lastId: row.eventId, reportedFor: -1 };
    }
    touch(this.groups, k, group);
    if (row.timeMs >= group.lastSeenMs) {
      group.lastSeenMs = row.timeMs;
      group.lastId = row.eventId;
    }
    return undefined;
  }

  holds(tenantId: string, groupKey: string, nowMs: number): boolean {
    const group = this.groups.get(key(tenantId, groupKey));
    return group !== undefined && group.lastSeenMs < nowMs - this.windowMs;
  }

  tick(nowMs: number): Trigger[] {
    const triggers: Trigger[] = [];
    for (const [k, group] of this.groups) {
      if (group.lastSeenMs < nowMs - this.forgetAfterMs) {
        this.groups.delete(k);
      } else if (group.lastSeenMs < nowMs - this.windowMs && group.reportedFor !== group.lastSeenMs) {
        group.reportedFor = group.lastSeenMs;
        triggers.push({
          tenantId: group.tenantId,
          labels: group.labels,
          timeMs: group.lastSeenMs + this.windowMs,
          eventIds: [group.lastId],
          count: 0,
          firstSeenMs: group.lastSeenMs,
        });
      }
    }
    return triggers;
  }
}
