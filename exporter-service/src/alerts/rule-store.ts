import type { AuditStore } from '../store/store.js';
import { BUILTIN_IDS, BUILTIN_RULES } from './builtin.js';
import { parseRule, type AlertRule } from './rule-model.js';

/** A rule as the API shows it. */
export interface StoredRule {
  rule: AlertRule;
  builtIn: boolean;
  /** A built-in whose stored definition differs from the shipped one. */
  modified: boolean;
  /** 0 for a built-in never edited. */
  version: number;
  updatedAt: string | null;
  updatedBy: string;
}

interface RuleRow {
  id: string;
  definition: string;
  deleted: boolean;
  updated_at: string;
  updated_by: string;
  version: string;
}

/** A save whose If-Match version is not the current one (someone else changed the rule). */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

/**
 * Rules in audit_alert_rule (ReplacingMergeTree by version, read with FINAL), merged over the
 * built-in pack: a stored row for a built-in id overrides it; a deleted row hides a custom rule.
 */
export class RuleStore {
  private seq = 0;

  constructor(
    private readonly store: AuditStore,
    private readonly onInvalid: (id: string, message: string) => void = () => undefined,
  ) {}

  private nextVersion(): number {
    this.seq = (this.seq + 1) % 1000;
    return Date.now() * 1000 + this.seq;
  }

  private async rows(id?: string): Promise<RuleRow[]> {
    return this.store.query<RuleRow>(
      `SELECT id, definition, deleted, updated_at, updated_by, version
       FROM ${this.store.database}.audit_alert_rule FINAL${id === undefined ? '' : ' WHERE id = {id:String}'}`,
      id === undefined ? {} : { id },
    );
  }

  async list(): Promise<StoredRule[]> {
    const stored = new Map<string, StoredRule>();
    for (const row of await this.rows()) {
      if (row.deleted) continue;
      try {
        const rule = parseRule(JSON.parse(row.definition));
        const builtIn = BUILTIN_IDS.has(row.id);
        const shipped = BUILTIN_RULES.find((r) => r.id === row.id);
        stored.set(row.id, {
          rule,
          builtIn,
          modified: builtIn && JSON.stringify(shipped) !== JSON.stringify(rule),
          version: Number(row.version),
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        });
      } catch (error) {
        this.onInvalid(row.id, (error as Error).message);
      }
    }
    const result: StoredRule[] = BUILTIN_RULES.map(
      (rule) =>
        stored.get(rule.id) ?? {
          rule,
          builtIn: true,
          modified: false,
          version: 0,
          updatedAt: null,
          updatedBy: '',
        },
    );
    for (const [id, entry] of stored) if (!BUILTIN_IDS.has(id)) result.push(entry);
    return result;
  }

  async get(id: string): Promise<StoredRule | undefined> {
    return (await this.list()).find((entry) => entry.rule.id === id);
  }

  /** Highest stored version (cheap change detection for other exporters' edits). */
  async latestVersion(): Promise<number> {
    const [row] = await this.store.query<{ v: string }>(
      `SELECT max(version) AS v FROM ${this.store.database}.audit_alert_rule`,
    );
    return Number(row?.v ?? 0);
  }

  /** Stores a rule (create or replace). `expectedVersion` guards against lost updates. */
  async save(rule: AlertRule, by: string, expectedVersion?: number): Promise<StoredRule> {
    if (expectedVersion !== undefined) {
      const current = await this.get(rule.id);
      if ((current?.version ?? 0) !== expectedVersion) {
        throw new VersionConflictError(
          `rule ${rule.id} is at version ${current?.version ?? 0}, not ${expectedVersion}: reload it and retry`,
        );
      }
    }
    await this.write(rule, by, false);
    const saved = await this.get(rule.id);
    if (!saved) throw new Error(`rule ${rule.id} was not stored`);
    return saved;
  }

  async remove(rule: AlertRule, by: string): Promise<void> {
    await this.write(rule, by, true);
  }

  private async write(rule: AlertRule, by: string, deleted: boolean): Promise<void> {
    await this.store.insertJsonLines(
      'audit_alert_rule',
      JSON.stringify({
        id: rule.id,
        tenant_scope: rule.tenant,
        name: rule.name,
        definition: JSON.stringify(rule),
        enabled: rule.enabled,
        deleted,
        updated_by: by,
        version: this.nextVersion(),
      }),
    );
  }
}
