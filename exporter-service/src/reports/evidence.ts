import { AUDIT_KINDS } from '@auditlens/contract';
import type { ReportFramework } from '@auditlens/contract/rest';
import type { ApiToken } from '../config.js';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES, KINDS, type AuditKind } from '../mapping/kinds.js';
import { auditSource } from '../store/audit-source.js';
import type { AuditStore } from '../store/store.js';
import type { VerifyResult } from '../integrity/verify-result.js';
import type { RetentionPolicies } from '../retention/policies.js';

// The evidence a compliance report is built from: what each check returns, what every check may
// ask (the tenant's period and the store), and the queries several checks share, run once per
// report. The checks themselves are in checks-*.ts, listed in checks.ts.

export type Status = 'met' | 'gap' | 'not_applicable';

/** One piece of evidence computed from the data, with its verdict. */
export interface CheckResult {
  id: string;
  title: string;
  status: Status;
  summary: string;
  /** The title and finding in Chinese (the MLPS report in zh-CN); absent in reports of format 1. */
  zh?: { title: string; summary: string };
  data: Record<string, unknown>;
}

/** A text in English and Chinese. */
export interface Text {
  en: string;
  zh: string;
}

export interface EvidenceContext {
  store: AuditStore;
  tenantId: string;
  fromMs: number;
  toMs: number;
  framework: ReportFramework;
  policies: RetentionPolicies;
  apiTokens: ReadonlyMap<string, ApiToken>;
  archive: { mode: 'embedded' | 'server'; volume?: string | undefined; intervalMinutes: number };
  verify: () => Promise<VerifyResult>;
  now: number;
}

const KIND_OF_TABLE = Object.fromEntries(
  Object.entries(KINDS).map(([kind, spec]) => [spec.table, kind]),
) as Record<string, AuditKind>;

export type QueryRow = Record<string, string | number>;

/** The period, the store and the queries the checks share (each run once per report). */
export class Evidence {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(readonly ctx: EvidenceContext) {}

  get params(): Record<string, string> {
    return { tenant: this.ctx.tenantId, from: formatTime(this.ctx.fromMs), to: formatTime(this.ctx.toMs) };
  }

  get db(): string {
    return this.ctx.store.database;
  }

  /** An audit table with its archived rows (store/audit-source.ts): evidence covers archived periods too. */
  from(table: string): string {
    return auditSource(this.ctx.store, table);
  }

  readonly scope =
    "tenant_id = {tenant:String} AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}";

  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let promise = this.cache.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = work();
      this.cache.set(key, promise);
    }
    return promise;
  }

  async one(sql: string, extra: Record<string, unknown> = {}): Promise<QueryRow> {
    const [row] = await this.ctx.store.query<QueryRow>(sql, { ...this.params, ...extra });
    return row ?? {};
  }

  /** Rows per kind in the period. */
  kindCounts(): Promise<Record<AuditKind, number>> {
    return this.once('kinds', async () => {
      const rows = await this.ctx.store.query<{ kind: AuditKind; n: string }>(
        AUDIT_TABLES.map(
          (t) =>
            `SELECT '${KIND_OF_TABLE[t]}' AS kind, count() AS n FROM ${this.from(t)} WHERE ${this.scope}`,
        ).join(' UNION ALL '),
        this.params,
      );
      const counts = Object.fromEntries(AUDIT_KINDS.map((k) => [k, 0])) as Record<AuditKind, number>;
      for (const row of rows) counts[row.kind] = Number(row.n);
      return counts;
    });
  }

  securityTypes(): Promise<Record<string, number>> {
    return this.once('security-types', async () => {
      const rows = await this.ctx.store.query<{ type: string; n: string }>(
        `SELECT event_type AS type, count() AS n FROM ${this.from('audit_security_log')} WHERE ${this.scope} GROUP BY type`,
        this.params,
      );
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    });
  }

  adminDetail(): Promise<QueryRow> {
    return this.once('admin-detail', () =>
      this.one(
        `SELECT count() AS total,
           countIf(match(operation_name, '(?i)role|permission|privilege|password|credential|account|user|grant|revoke')
                   OR upper(target_type) IN ('USER', 'ROLE', 'PERMISSION', 'ACCOUNT', 'CREDENTIAL')) AS privilege,
           countIf(match(operation_name, '(?i)create|delete|drop|remove|destroy')) AS objects
         FROM ${this.from('audit_admin_log')} WHERE ${this.scope}`,
      ),
    );
  }

  /** Transitions to firing per rule in the period (audit_alert_event: fired and reopened). */
  firings(): Promise<Map<string, number>> {
    return this.once('alert-firings', async () => {
      const rows = await this.ctx.store.query<{ rule: string; n: string }>(
        `SELECT rule_id AS rule, count() AS n FROM ${this.db}.audit_alert_event
         WHERE ${this.scope} AND transition IN ('fired', 'reopened') GROUP BY rule`,
        this.params,
      );
      return new Map(rows.map((r) => [r.rule, Number(r.n)]));
    });
  }

  observed(id: string, title: Text, count: number, what: Text, data: Record<string, unknown>): CheckResult {
    return {
      id,
      title: title.en,
      status: count > 0 ? 'met' : 'gap',
      summary:
        count > 0
          ? `${count} ${what.en} recorded in the period`
          : `no ${what.en} recorded in the period: confirm none occurred, or that the applications record them`,
      zh: {
        title: title.zh,
        summary:
          count > 0
            ? `本期记录了 ${count} 条${what.zh}`
            : `本期没有${what.zh}记录：请确认确实未发生，或应用已记录此类事件`,
      },
      data: { count, ...data },
    };
  }
}
