import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { STATUTORY_RETENTION_DAYS } from '../config.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditRow } from '../mapping/row.js';
import type { AuditStore } from '../store/store.js';

/** Days that stand for "kept for ever" in the per-row UInt16 columns. */
export const FOREVER_DAYS = 65535;
/**
 * Longest finite deletion age: the per-row TTL computes in DateTime, which ends in 2106, so the
 * TTL (migration 3) leaves rows with more days alone; longer retention means permanent.
 */
export const MAX_DELETE_DAYS = 20000;
/** Retention of rows no policy covers: the audit tables' column default. */
export const COLUMN_DEFAULT_DAYS = 2555;

/**
 * One retention policy (the source's audit_retention_policy, §3.0):
 * - rows stay in the online table for `retentionDays`;
 * - with `autoArchive` they then move to archive storage, where they are kept until `archiveDays`
 *   days after the event (null = no end); without it they stay online until then;
 * - at the end they are deleted by ClickHouse's TTL only when `autoDelete`; otherwise kept.
 * `module` selects rows: `ALL`, `SENSITIVE` (is_sensitive), `NORMAL` (not sensitive) or a module
 * name; `riskLevel` selects rows of that risk level and above (null = any).
 */
export interface RetentionPolicy {
  id: string;
  name: string;
  table: string;
  module: string;
  riskLevel: number | null;
  retentionDays: number;
  archiveDays: number | null;
  autoArchive: boolean;
  autoDelete: boolean;
  complianceRequirement: string;
  enabled: boolean;
  updatedAt: string;
  updatedBy: string;
  version: number;
}

const TABLE_NAMES = AUDIT_TABLES as [string, ...string[]];
const days = z.number().int().min(1).max(FOREVER_DAYS);

/** What a client sends to create or replace a policy. */
export const policyInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  table: z.enum(TABLE_NAMES),
  module: z.string().trim().min(1).max(100).default('ALL'),
  riskLevel: z.number().int().min(1).max(4).nullable().default(null),
  retentionDays: days,
  archiveDays: days.nullable().default(null),
  autoArchive: z.boolean().default(true),
  autoDelete: z.boolean().default(false),
  complianceRequirement: z.string().max(500).default(''),
  enabled: z.boolean().default(true),
});
export type PolicyInput = z.output<typeof policyInputSchema>;

/** A policy that breaks a rule (below the legal floor, inconsistent days): the API answers 400. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
  ) {
    super(`${field}: ${message}`);
  }
}

type PolicyShape = Pick<RetentionPolicy, 'retentionDays' | 'archiveDays' | 'autoArchive' | 'autoDelete'>;

/** Days rows are kept in all (online + archive); Infinity = no end. */
export function totalDays(p: PolicyShape): number {
  return p.archiveDays ?? (p.autoArchive ? Infinity : p.retentionDays);
}

/** Days rows are immediately available (online table). */
export function onlineDays(p: PolicyShape): number {
  return p.autoArchive ? p.retentionDays : totalDays(p);
}

/** Days after which TTL deletes the rows; null = never. */
export function deleteDays(p: PolicyShape): number | null {
  const total = totalDays(p);
  return p.autoDelete && Number.isFinite(total) ? total : null;
}

/**
 * The per-row column values a policy gives: `retention_days` drives the TTL delete (65535 =
 * never), `online_days` the move to archive storage (65535 = never moved).
 */
export function rowRetention(p: PolicyShape): { retentionDays: number; onlineDays: number } {
  return {
    retentionDays: deleteDays(p) ?? FOREVER_DAYS,
    onlineDays: p.autoArchive ? Math.min(FOREVER_DAYS, p.retentionDays) : FOREVER_DAYS,
  };
}

const LAW = 'China Cybersecurity Law art. 23(3)';

/** Refuses a policy below the legal floor or with inconsistent days (PolicyError names the field). */
export function validatePolicy(p: PolicyShape, floorDays: number): void {
  if (p.archiveDays !== null && p.archiveDays < p.retentionDays) {
    throw new PolicyError(
      'archiveDays',
      `${p.archiveDays} is shorter than retentionDays (${p.retentionDays}): archive days count from the event, online days included`,
    );
  }
  const total = totalDays(p);
  if (p.autoDelete && Number.isFinite(total) && total > MAX_DELETE_DAYS) {
    throw new PolicyError(
      p.archiveDays === null ? 'retentionDays' : 'archiveDays',
      `rows can be deleted after at most ${MAX_DELETE_DAYS} days; for longer, keep them permanently ` +
        '(autoDelete false, or archiveDays null with autoArchive)',
    );
  }
  if (total < floorDays) {
    throw new PolicyError(
      p.archiveDays === null ? 'retentionDays' : 'archiveDays',
      `keeps audit records ${total} days, below the legal floor of ${floorDays} days ` +
        `(${LAW}: network logs kept no less than six months; AUDITLENS_RETENTION_FLOOR_DAYS)`,
    );
  }
}

/** Retention a framework requires (presets, and the report's retention check). */
export interface RetentionPreset {
  id: string;
  title: string;
  minTotalDays: number;
  minOnlineDays: number;
  basis: string;
}

export const RETENTION_PRESETS: readonly RetentionPreset[] = [
  {
    id: 'mlps3',
    title: 'MLPS 2.0 level 3 / Cybersecurity Law',
    minTotalDays: 180,
    minOnlineDays: 0,
    basis: `${LAW}: network logs kept no less than six months; GB/T 22239-2019 8.1.5.4 d)`,
  },
  {
    id: 'pci-dss-4',
    title: 'PCI DSS v4.0',
    minTotalDays: 365,
    minOnlineDays: 90,
    basis:
      'PCI DSS v4.0 10.5.1: audit log history kept at least 12 months, the most recent three months immediately available',
  },
  {
    id: 'soc2',
    title: 'SOC 2',
    minTotalDays: 365,
    minOnlineDays: 0,
    basis: 'SOC 2 prescribes no period; 12 months covers a Type 2 observation period',
  },
  {
    id: 'iso27001',
    title: 'ISO/IEC 27001:2022',
    minTotalDays: 0,
    minOnlineDays: 0,
    basis: 'ISO/IEC 27001:2022 A.8.15 prescribes no period; the legal floor applies',
  },
];

export function presetById(id: string): RetentionPreset | undefined {
  return RETENTION_PRESETS.find((p) => p.id === id);
}

/** The policy after raising it to a preset's minima (unchanged when it already meets them). */
export function raiseToPreset(
  p: RetentionPolicy,
  preset: RetentionPreset,
  floorDays: number,
): RetentionPolicy {
  const minTotal = Math.max(preset.minTotalDays, floorDays);
  const next = { ...p };
  if (next.autoArchive) {
    next.retentionDays = Math.max(next.retentionDays, preset.minOnlineDays);
    if (next.archiveDays !== null)
      next.archiveDays = Math.max(next.archiveDays, minTotal, next.retentionDays);
  } else if (next.archiveDays !== null) {
    next.archiveDays = Math.max(next.archiveDays, minTotal, preset.minOnlineDays, next.retentionDays);
  } else {
    next.retentionDays = Math.max(next.retentionDays, minTotal, preset.minOnlineDays);
  }
  return next;
}

interface PolicyRow {
  id: string;
  name: string;
  table_name: string;
  module: string;
  risk_level: number | null;
  retention_days: number;
  archive_days: number | null;
  auto_archive: boolean;
  auto_delete: boolean;
  compliance_requirement: string;
  enabled: boolean;
  updated_at: string;
  updated_by: string;
  version: string;
}

function fromRow(row: PolicyRow): RetentionPolicy {
  return {
    id: row.id,
    name: row.name,
    table: row.table_name,
    module: row.module,
    riskLevel: row.risk_level === null ? null : Number(row.risk_level),
    retentionDays: Number(row.retention_days),
    archiveDays: row.archive_days === null ? null : Number(row.archive_days),
    autoArchive: row.auto_archive,
    autoDelete: row.auto_delete,
    complianceRequirement: row.compliance_requirement,
    enabled: row.enabled,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    version: Number(row.version),
  };
}

const RESERVED = new Set(['ALL', 'NORMAL', 'SENSITIVE', '']);

/** How specific a policy's selector is; the most specific matching policy wins. */
function specificity(p: RetentionPolicy): number {
  const module = p.module.toUpperCase();
  const moduleScore = module === 'ALL' || module === '' ? 0 : RESERVED.has(module) ? 10 : 20;
  return moduleScore + (p.riskLevel ?? 0);
}

/** Most specific first; among equals the one that keeps rows longest (the conservative choice). */
function byPrecedence(a: RetentionPolicy, b: RetentionPolicy): number {
  return specificity(b) - specificity(a) || totalDays(b) - totalDays(a) || (a.id < b.id ? -1 : 1);
}

export function policyMatches(p: RetentionPolicy, module: string, sensitive: boolean, risk: number): boolean {
  const selector = p.module.toUpperCase();
  const moduleOk =
    selector === 'ALL' ||
    selector === '' ||
    (selector === 'SENSITIVE' && sensitive) ||
    (selector === 'NORMAL' && !sensitive) ||
    (!RESERVED.has(selector) && p.module === module);
  return moduleOk && (p.riskLevel === null || risk >= p.riskLevel);
}

/** A policy change, for the admin audit record. */
export interface PolicyChange {
  action: 'create' | 'update' | 'delete';
  /** Who makes the change (stored as updated_by). */
  by: string;
  before: RetentionPolicy | null;
  after: RetentionPolicy | null;
}

/**
 * The retention policies (audit_retention_policy, ReplacingMergeTree by version, read FINAL),
 * cached for the ingest path and refreshed after every change and periodically (other exporters).
 */
export class RetentionPolicies {
  private policies: RetentionPolicy[] = [];
  private byTable = new Map<string, RetentionPolicy[]>();
  private seq = 0;

  constructor(
    private readonly store: AuditStore,
    readonly floorDays: number,
  ) {
    // The floor can be raised, never lowered below the law (config.ts refuses it too).
    if (!(floorDays >= STATUTORY_RETENTION_DAYS)) {
      throw new Error(
        `the retention floor ${floorDays} is below the statutory minimum of ${STATUTORY_RETENTION_DAYS} days`,
      );
    }
  }

  async load(): Promise<void> {
    const rows = await this.store.query<PolicyRow>(
      `SELECT * FROM ${this.store.database}.audit_retention_policy FINAL WHERE NOT deleted ORDER BY table_name, id`,
    );
    this.policies = rows.map(fromRow);
    const byTable = new Map<string, RetentionPolicy[]>();
    for (const p of this.policies.filter((x) => x.enabled)) {
      const list = byTable.get(p.table) ?? [];
      list.push(p);
      byTable.set(p.table, list);
    }
    for (const list of byTable.values()) list.sort(byPrecedence);
    this.byTable = byTable;
  }

  list(): RetentionPolicy[] {
    return [...this.policies];
  }

  get(id: string): RetentionPolicy | undefined {
    return this.policies.find((p) => p.id === id);
  }

  /** Enabled policies of a table, most specific first. */
  forTable(table: string): RetentionPolicy[] {
    return [...(this.byTable.get(table) ?? [])];
  }

  /**
   * The policy for a row: the most specific enabled match; when none matches, the table's policy
   * that keeps rows longest; undefined when the table has no policy (column defaults apply).
   */
  policyFor(table: string, module: string, sensitive: boolean, risk: number): RetentionPolicy | undefined {
    const candidates = this.byTable.get(table) ?? [];
    return (
      candidates.find((p) => policyMatches(p, module, sensitive, risk)) ??
      [...candidates].sort((a, b) => totalDays(b) - totalDays(a))[0]
    );
  }

  /** Ingest row transform: sets retention_days and online_days from the policy. */
  readonly transform = (row: AuditRow): void => {
    const policy = this.policyFor(
      row.table,
      String(row.values.module ?? ''),
      row.values.is_sensitive === true,
      Number(row.values.risk_level ?? 1),
    );
    if (!policy) return;
    const { retentionDays, onlineDays: online } = rowRetention(policy);
    row.values.retention_days = retentionDays;
    row.values.online_days = online;
  };

  /** Shortest deletion age any enabled policy of the table gives; null when none deletes. */
  deleteDaysFor(table: string): number | null {
    const values = (this.byTable.get(table) ?? []).map(deleteDays).filter((d): d is number => d !== null);
    return values.length === 0 ? null : Math.min(...values);
  }

  private nextVersion(): number {
    this.seq = (this.seq + 1) % 1000;
    return Date.now() * 1000 + this.seq;
  }

  private checkUnique(candidate: PolicyInput, exceptId?: string): void {
    const clash = this.policies.find(
      (p) =>
        p.id !== exceptId &&
        p.table === candidate.table &&
        p.module.toUpperCase() === candidate.module.toUpperCase() &&
        p.riskLevel === candidate.riskLevel,
    );
    if (clash) {
      throw new PolicyError(
        'module',
        `policy ${clash.id} already covers ${candidate.table} × ${candidate.module} × risk ${candidate.riskLevel ?? 'any'}`,
        409,
      );
    }
  }

  /** The policy a change leaves, as it will be stored (its version and time set now). */
  private next(p: Omit<RetentionPolicy, 'updatedAt' | 'version'>): RetentionPolicy {
    return { ...p, updatedAt: new Date().toISOString(), version: this.nextVersion() };
  }

  /*
   * Changes are planned (validated, their outcome computed) and then applied: the caller writes
   * the audit.admin record of a planned change before applying it (ComplianceRuntime.auditedChange),
   * so no change is made whose record could not be written.
   */

  async planCreate(input: PolicyInput, by: string): Promise<PolicyChange[]> {
    await this.load();
    validatePolicy(input, this.floorDays);
    this.checkUnique(input);
    const after = this.next({ ...input, id: `policy-${randomUUID()}`, updatedBy: by });
    return [{ action: 'create', by, before: null, after }];
  }

  async planUpdate(id: string, input: PolicyInput, by: string): Promise<PolicyChange[]> {
    await this.load();
    const before = this.get(id);
    if (!before) throw new PolicyError('id', `no retention policy ${id}`, 404);
    validatePolicy(input, this.floorDays);
    this.checkUnique(input, id);
    return [{ action: 'update', by, before, after: this.next({ ...input, id, updatedBy: by }) }];
  }

  async planRemove(id: string, by: string): Promise<PolicyChange[]> {
    await this.load();
    const before = this.get(id);
    if (!before) throw new PolicyError('id', `no retention policy ${id}`, 404);
    return [{ action: 'delete', by, before, after: null }];
  }

  /** Raises every enabled policy to a preset's minima: one change per policy that falls short. */
  async planPreset(presetId: string, by: string): Promise<PolicyChange[]> {
    const preset = presetById(presetId);
    if (!preset) {
      throw new PolicyError(
        'preset',
        `unknown preset; one of ${RETENTION_PRESETS.map((p) => p.id).join(', ')}`,
        404,
      );
    }
    await this.load();
    const changes: PolicyChange[] = [];
    for (const before of this.policies.filter((p) => p.enabled)) {
      const raised = raiseToPreset(before, preset, this.floorDays);
      if (raised.retentionDays === before.retentionDays && raised.archiveDays === before.archiveDays)
        continue;
      validatePolicy(raised, this.floorDays);
      changes.push({ action: 'update', by, before, after: this.next({ ...raised, updatedBy: by }) });
    }
    return changes;
  }

  /** Stores planned changes (deletions as tombstone rows), then re-reads the policies. */
  async apply(changes: readonly PolicyChange[]): Promise<void> {
    const rows = changes.flatMap(({ before, after, by }) => {
      if (after) return [JSON.stringify(policyRow(after, false))];
      return before ? [JSON.stringify(policyRow(this.next({ ...before, updatedBy: by }), true))] : [];
    });
    if (rows.length > 0) await this.store.insertJsonLines('audit_retention_policy', rows.join('\n'));
    await this.load();
  }
}

function policyRow(p: RetentionPolicy, deleted: boolean): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    table_name: p.table,
    module: p.module,
    risk_level: p.riskLevel,
    retention_days: p.retentionDays,
    archive_days: p.archiveDays,
    auto_archive: p.autoArchive,
    auto_delete: p.autoDelete,
    compliance_requirement: p.complianceRequirement,
    enabled: p.enabled,
    deleted,
    updated_by: p.updatedBy,
    version: p.version,
  };
}
