import { AUDIT_KINDS } from '@auditlens/contract';
import type { ReportFramework } from '@auditlens/contract/rest';
import type { ApiToken } from '../config.js';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES, KINDS, type AuditKind } from '../mapping/kinds.js';
import { auditSource } from '../store/audit-source.js';
import type { AuditStore } from '../store/store.js';
import type { VerifyResult } from '../integrity/verify-result.js';
import { SELF_AUDIT_EVENTS } from '../self-audit/self-audit.js';
import { INTEGRITY_VIOLATION } from '../alerts/builtin.js';
import type { AlertRule } from '../alerts/rule-model.js';
import { RuleStore } from '../alerts/rule-store.js';
import {
  COLUMN_DEFAULT_DAYS,
  onlineDays,
  presetById,
  totalDays,
  type RetentionPolicies,
} from '../retention/policies.js';

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
interface Text {
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

/** Field names of the completeness check, in Chinese. */
const FIELD_ZH: Record<string, string> = {
  time: '日期和时间',
  user: '用户',
  type: '事件类型',
  result: '事件结果',
  origin: '来源地址',
  resource: '操作对象',
};

/** Alert rule categories, in Chinese. */
const ALERT_CATEGORY_ZH: Record<string, string> = {
  failed_login: '登录失败',
  privilege: '权限变更',
  high_risk: '高风险操作',
  silence: '审计中断',
};

/** Required-field completeness threshold. */
export const FIELD_THRESHOLD = 0.95;
/** A service silent this long inside the period is a pipeline gap. */
export const GAP_MINUTES = 60;
/** Records whose event time is ahead of the exporter's clock by more than this are "clock ahead". */
const CLOCK_AHEAD_SECONDS = 2;
const CLOCK_THRESHOLD = 0.01;
/** Responses slower than this are the source's excessive_response_time anomaly (§6.2). */
export const SLOW_RESPONSE_MS = 30_000;

const KIND_OF_TABLE = Object.fromEntries(
  Object.entries(KINDS).map(([kind, spec]) => [spec.table, kind]),
) as Record<string, AuditKind>;

type QueryRow = Record<string, string | number>;

/** Runs the checks a report needs; shared queries run once. */
export class Evidence {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(private readonly ctx: EvidenceContext) {}

  private get params(): Record<string, string> {
    return { tenant: this.ctx.tenantId, from: formatTime(this.ctx.fromMs), to: formatTime(this.ctx.toMs) };
  }

  private get db(): string {
    return this.ctx.store.database;
  }

  /** An audit table with its archived rows (store/audit-source.ts): evidence covers archived periods too. */
  private from(table: string): string {
    return auditSource(this.ctx.store, table);
  }

  private readonly scope =
    "tenant_id = {tenant:String} AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}";

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let promise = this.cache.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = work();
      this.cache.set(key, promise);
    }
    return promise;
  }

  private async one(sql: string, extra: Record<string, unknown> = {}): Promise<QueryRow> {
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

  private securityTypes(): Promise<Record<string, number>> {
    return this.once('security-types', async () => {
      const rows = await this.ctx.store.query<{ type: string; n: string }>(
        `SELECT event_type AS type, count() AS n FROM ${this.from('audit_security_log')} WHERE ${this.scope} GROUP BY type`,
        this.params,
      );
      return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    });
  }

  private adminDetail(): Promise<QueryRow> {
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

  async run(id: string): Promise<CheckResult> {
    const [name, parameter = ''] = id.split(':');
    switch (name) {
      case 'events.any':
        return this.eventsAny(id);
      case 'events.login':
        return this.eventsLogin(id);
      case 'events.auth_failure':
        return this.eventsAuthFailure(id);
      case 'events.admin':
        return this.eventsAdmin(id);
      case 'events.privilege':
        return this.eventsPrivilege(id);
      case 'events.security':
        return this.eventsSecurity(id);
      case 'events.user_activity':
        return this.eventsUserActivity(id);
      case 'events.data_access':
        return this.eventsDataAccess(id);
      case 'events.system_objects':
        return this.eventsSystemObjects(id);
      case 'events.audit_lifecycle':
        return this.eventsAuditLifecycle(id);
      case 'fields':
        return this.fields(id, parameter.split(','));
      case 'retention':
        return this.retention(id);
      case 'integrity':
        return this.integrity(id);
      case 'alerts':
        return this.alerts(id, parameter.split(','));
      case 'pipeline':
        return this.pipeline(id);
      case 'access_log':
        return this.accessLog(id);
      case 'access_control':
        return this.accessControl(id);
      case 'store':
        return this.storeCheck(id);
      case 'triage':
        return this.triage(id);
      case 'clock':
        return this.clock(id);
      default:
        throw new Error(`unknown evidence check ${id}`);
    }
  }

  private observed(
    id: string,
    title: Text,
    count: number,
    what: Text,
    data: Record<string, unknown>,
  ): CheckResult {
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

  private async eventsAny(id: string): Promise<CheckResult> {
    const counts = await this.kindCounts();
    const total = Object.entries(counts)
      .filter(([k]) => k !== 'access')
      .reduce((n, [, v]) => n + v, 0);
    return this.observed(
      id,
      { en: 'Audit records are being written', zh: '审计记录持续写入' },
      total,
      { en: 'audit records', zh: '审计记录' },
      { byKind: counts },
    );
  }

  private async eventsLogin(id: string): Promise<CheckResult> {
    const types = await this.securityTypes();
    const byType = {
      LOGIN_SUCCESS: types.LOGIN_SUCCESS ?? 0,
      LOGIN_FAILED: types.LOGIN_FAILED ?? 0,
      LOGOUT: types.LOGOUT ?? 0,
    };
    const count = byType.LOGIN_SUCCESS + byType.LOGIN_FAILED + byType.LOGOUT;
    return this.observed(
      id,
      { en: 'Logins and logouts are audited', zh: '登录和退出操作被审计' },
      count,
      { en: 'login/logout events', zh: '登录/退出事件' },
      { byType },
    );
  }

  private async eventsAuthFailure(id: string): Promise<CheckResult> {
    const types = await this.securityTypes();
    const requests = await this.once('request-denied', () =>
      this.one(
        `SELECT countIf(status_code IN (401, 403)) AS denied FROM ${this.from('audit_request_log')} WHERE ${this.scope}`,
      ),
    );
    const byType = {
      LOGIN_FAILED: types.LOGIN_FAILED ?? 0,
      PERMISSION_DENIED: types.PERMISSION_DENIED ?? 0,
      deniedRequests: Number(requests.denied ?? 0),
    };
    const count = byType.LOGIN_FAILED + byType.PERMISSION_DENIED + byType.deniedRequests;
    return this.observed(
      id,
      { en: 'Invalid logical access attempts are audited', zh: '无效的逻辑访问尝试被审计' },
      count,
      { en: 'invalid access attempts', zh: '无效访问尝试' },
      {
        byType,
      },
    );
  }

  private async eventsAdmin(id: string): Promise<CheckResult> {
    const counts = await this.kindCounts();
    return this.observed(
      id,
      { en: 'Administrative operations are audited', zh: '管理操作被审计' },
      counts.admin,
      { en: 'administrative operations', zh: '管理操作' },
      {},
    );
  }

  private async eventsPrivilege(id: string): Promise<CheckResult> {
    const types = await this.securityTypes();
    const admin = await this.adminDetail();
    const byType = {
      PRIVILEGE_CHANGE: types.PRIVILEGE_CHANGE ?? 0,
      accountAndRoleAdministration: Number(admin.privilege ?? 0),
    };
    return this.observed(
      id,
      {
        en: 'Changes to accounts, credentials and privileges are audited',
        zh: '账户、凭据和权限的变更被审计',
      },
      byType.PRIVILEGE_CHANGE + byType.accountAndRoleAdministration,
      { en: 'account, credential or privilege changes', zh: '账户、凭据或权限变更' },
      { byType },
    );
  }

  private async eventsSecurity(id: string): Promise<CheckResult> {
    const counts = await this.kindCounts();
    return this.observed(
      id,
      { en: 'Security events are audited', zh: '重要安全事件被审计' },
      counts.security,
      { en: 'security events', zh: '安全事件' },
      { byType: await this.securityTypes() },
    );
  }

  private async eventsUserActivity(id: string): Promise<CheckResult> {
    const c = await this.kindCounts();
    const ok = c.request > 0 && c.db_operation + c.field_change > 0;
    return {
      id,
      title: 'Important user behaviour is audited (request → data operation → field change)',
      status: ok ? 'met' : 'gap',
      summary: ok
        ? `${c.request} requests, ${c.db_operation} data operations, ${c.field_change} field changes`
        : `requests ${c.request}, data operations ${c.db_operation}, field changes ${c.field_change}: ` +
          'the chain of user behaviour is not fully recorded',
      zh: {
        title: '重要用户行为被审计（请求 → 数据操作 → 字段变更）',
        summary:
          `请求 ${c.request} 条，数据操作 ${c.db_operation} 条，字段变更 ${c.field_change} 条` +
          (ok ? '' : '：用户行为链未完整记录'),
      },
      data: { requests: c.request, dbOperations: c.db_operation, fieldChanges: c.field_change },
    };
  }

  private async eventsDataAccess(id: string): Promise<CheckResult> {
    const row = await this.one(
      `SELECT (SELECT count() FROM ${this.from('audit_request_log')} WHERE ${this.scope} AND (user_id != '' OR username != ''))
            + (SELECT count() FROM ${this.from('audit_database_log')} WHERE ${this.scope} AND (user_id != '' OR username != '')) AS n`,
    );
    return this.observed(
      id,
      { en: 'Individual user access to data is audited', zh: '用户个人对数据的访问被审计' },
      Number(row.n ?? 0),
      { en: 'user-attributed data accesses', zh: '可归属到用户的数据访问' },
      {},
    );
  }

  private async eventsSystemObjects(id: string): Promise<CheckResult> {
    const admin = await this.adminDetail();
    const db = await this.one(
      `SELECT countIf(upper(db_operation) IN ('CREATE', 'DROP', 'ALTER', 'TRUNCATE')) AS n
       FROM ${this.from('audit_database_log')} WHERE ${this.scope}`,
    );
    const byType = { adminCreateDelete: Number(admin.objects ?? 0), ddl: Number(db.n ?? 0) };
    return this.observed(
      id,
      { en: 'Creation and deletion of system-level objects are audited', zh: '系统级对象的创建和删除被审计' },
      byType.adminCreateDelete + byType.ddl,
      { en: 'creations or deletions of system-level objects', zh: '系统级对象的创建或删除' },
      { byType },
    );
  }

  private async eventsAuditLifecycle(id: string): Promise<CheckResult> {
    // The self-audit module records the exporter's start and stop as system-level security events.
    const lifecycle = "tenant_id = '' AND event_type IN ({started:String}, {stopped:String})";
    const types = { started: SELF_AUDIT_EVENTS.started, stopped: SELF_AUDIT_EVENTS.stopped };
    const row = await this.one(
      `SELECT
         (SELECT count() FROM ${this.from('audit_security_log')} WHERE ${lifecycle}
            AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}) AS in_period,
         (SELECT count() FROM ${this.from('audit_security_log')} WHERE ${lifecycle}
            AND event_time < {to:DateTime64(3, 'UTC')}) AS ever`,
      types,
    );
    const inPeriod = Number(row.in_period ?? 0);
    const ever = Number(row.ever ?? 0);
    return {
      id,
      title: 'Starting and stopping of audit logging is audited',
      status: ever > 0 ? 'met' : 'gap',
      summary:
        ever > 0
          ? `the exporter records its own start and stop (${inPeriod} such records in the period, ${ever} up to its end)`
          : `no ${types.started}/${types.stopped} record was found up to the end of the period`,
      zh: {
        title: '审计功能的启动和停止被审计',
        summary:
          ever > 0
            ? `审计服务记录自身的启动和停止（本期 ${inPeriod} 条，截至期末共 ${ever} 条）`
            : `截至期末未找到 ${types.started}/${types.stopped} 记录`,
      },
      data: { inPeriod, upToPeriodEnd: ever },
    };
  }

  private async fields(id: string, required: string[]): Promise<CheckResult> {
    const type: Record<AuditKind, string> = {
      request: "http_method != '' AND url_path != ''",
      db_operation: "db_operation != ''",
      field_change: "change_type != ''",
      security: "event_type != ''",
      admin: "operation_name != ''",
      access: "access_type != ''",
    };
    const resource: Record<AuditKind, string> = {
      request: "url_path != ''",
      db_operation: "db_table != ''",
      field_change: "db_table != '' AND record_id != ''",
      security: "target_resource != '' OR user_id != '' OR username != ''",
      admin: "target_type != '' OR target_id != '' OR url_path != ''",
      access: "resource != ''",
    };
    const rows = await this.ctx.store.query<Record<string, string>>(
      AUDIT_KINDS.map(
        (kind) =>
          `SELECT '${kind}' AS kind, count() AS n, countIf(event_time > toDateTime64(0, 3)) AS time,
               countIf(user_id != '' OR username != '') AS user, countIf(${type[kind]}) AS type,
               countIf(result != '') AS result, countIf(ip_address != toIPv6('::')) AS origin,
               countIf(${resource[kind]}) AS resource
             FROM ${this.from(KINDS[kind].table)} WHERE ${this.scope}`,
      ).join(' UNION ALL '),
      this.params,
    );
    const total = rows.reduce((n, r) => n + Number(r.n), 0);
    const completeness: Record<string, number> = {};
    for (const field of required) {
      const present = rows.reduce((n, r) => n + Number(r[field] ?? 0), 0);
      completeness[field] = total === 0 ? 1 : present / total;
    }
    const byKind = Object.fromEntries(
      rows.map((r) => [
        r.kind,
        {
          rows: Number(r.n),
          ...Object.fromEntries(
            required.map((f) => [f, Number(r.n) === 0 ? 1 : Number(r[f] ?? 0) / Number(r.n)]),
          ),
        },
      ]),
    );
    const short = required.filter((f) => (completeness[f] ?? 0) < FIELD_THRESHOLD);
    const percent = (f: string): string => `${f} ${((completeness[f] ?? 0) * 100).toFixed(1)}%`;
    return {
      id,
      title: `Required fields are complete (${required.join(', ')})`,
      status: total === 0 ? 'not_applicable' : short.length === 0 ? 'met' : 'gap',
      summary:
        total === 0
          ? 'no records in the period'
          : `${required.map(percent).join(', ')} of ${total} records` +
            (short.length > 0 ? `; below ${FIELD_THRESHOLD * 100}%: ${short.join(', ')}` : ''),
      zh: {
        title: `必填字段完整（${required.map((f) => FIELD_ZH[f] ?? f).join('、')}）`,
        summary:
          total === 0
            ? '本期没有记录'
            : `${total} 条记录中：${required.map((f) => `${FIELD_ZH[f] ?? f} ${((completeness[f] ?? 0) * 100).toFixed(1)}%`).join('，')}` +
              (short.length > 0
                ? `；低于 ${FIELD_THRESHOLD * 100}%：${short.map((f) => FIELD_ZH[f] ?? f).join('、')}`
                : ''),
      },
      data: { threshold: FIELD_THRESHOLD, records: total, completeness, byKind },
    };
  }

  private async retention(id: string): Promise<CheckResult> {
    const preset = presetById(this.ctx.framework);
    const requiredTotal = Math.max(preset?.minTotalDays ?? 0, this.ctx.policies.floorDays);
    const requiredOnline = preset?.minOnlineDays ?? 0;
    await this.ctx.policies.load();
    const days = (d: number): number | null => (Number.isFinite(d) ? d : null);
    const tables = AUDIT_TABLES.map((table) => {
      const policies = this.ctx.policies.forTable(table).map((p) => ({
        id: p.id,
        name: p.name,
        module: p.module,
        riskLevel: p.riskLevel,
        totalDays: days(totalDays(p)),
        onlineDays: days(onlineDays(p)),
        autoDelete: p.autoDelete,
        meets: totalDays(p) >= requiredTotal && onlineDays(p) >= requiredOnline,
      }));
      const fallback = policies.length === 0;
      const meets = fallback
        ? COLUMN_DEFAULT_DAYS >= requiredTotal && COLUMN_DEFAULT_DAYS >= requiredOnline
        : policies.every((p) => p.meets);
      return { table, meets, policies, ...(fallback ? { columnDefaultDays: COLUMN_DEFAULT_DAYS } : {}) };
    });
    const short = tables.filter((t) => !t.meets);
    return {
      id,
      title: 'Retention configured meets the requirement',
      status: short.length === 0 ? 'met' : 'gap',
      summary:
        `required: kept ≥ ${requiredTotal} days` +
        (requiredOnline > 0 ? `, ≥ ${requiredOnline} days immediately available` : '') +
        (short.length === 0
          ? '; every enabled policy meets it'
          : `; short: ${short.flatMap((t) => t.policies.filter((p) => !p.meets).map((p) => p.id)).join(', ')}`),
      zh: {
        title: '配置的留存期限满足要求',
        summary:
          `要求：保存不少于 ${requiredTotal} 天` +
          (requiredOnline > 0 ? `，其中不少于 ${requiredOnline} 天可立即查询` : '') +
          `（法定下限 ${this.ctx.policies.floorDays} 天）` +
          (short.length === 0
            ? '；所有启用的策略均满足'
            : `；不满足：${short.flatMap((t) => t.policies.filter((p) => !p.meets).map((p) => p.id)).join('、')}`),
      },
      data: {
        required: { totalDays: requiredTotal, onlineDays: requiredOnline, basis: preset?.basis ?? '' },
        floorDays: this.ctx.policies.floorDays,
        tables,
      },
    };
  }

  /**
   * The whole period verified (in chunks of bounded memory: integrity/verify.ts), and the
   * violations the exporter's scheduled verification raised in the period (integrity/scheduled-verification.ts).
   */
  private async integrity(id: string): Promise<CheckResult> {
    const [result, raised] = await Promise.all([
      this.ctx.verify(),
      this.one(
        `SELECT count() AS n FROM ${this.from('audit_security_log')} WHERE ${this.scope} AND event_type = {type:String}`,
        { type: INTEGRITY_VIOLATION },
      ),
    ]);
    const violations = Number(raised.n ?? 0);
    const nothing = result.verdict === 'no_data';
    const verified = `verified ${result.from} – ${result.to}`;
    const scheduled =
      violations > 0
        ? `; the scheduled verification raised ${violations} integrity violations in the period`
        : '';
    return {
      id,
      title: 'Integrity of the period verified against signed checkpoints',
      status: !result.ok || violations > 0 ? 'gap' : nothing ? 'not_applicable' : 'met',
      summary:
        (!result.ok
          ? `${result.problemCount} integrity problems; first: ${result.firstBroken?.problems[0]?.kind ?? ''} in ${result.firstBroken?.table ?? ''} (${verified})`
          : nothing
            ? `no records and no checkpoints in the period (${verified})`
            : `${result.rows} rows and ${result.checkpoints} checkpoints ${verified}: intact`) + scheduled,
      zh: {
        title: '本期审计数据已依据签名检查点完成完整性验证',
        summary:
          (!result.ok
            ? `发现 ${result.problemCount} 个完整性问题；首个：${result.firstBroken?.table ?? ''} 中的 ${result.firstBroken?.problems[0]?.kind ?? ''}`
            : nothing
              ? '本期没有记录，也没有检查点'
              : `${result.rows} 条记录、${result.checkpoints} 个检查点验证完好`) +
          `（验证区间 ${result.from} – ${result.to}）` +
          (violations > 0 ? `；定期验证在本期发出 ${violations} 次完整性告警` : ''),
      },
      data: {
        verifiedFrom: result.from,
        verifiedTo: result.to,
        ok: result.ok,
        rows: result.rows,
        checkpoints: result.checkpoints,
        expiredRows: result.expiredRows,
        unsealedRows: result.unsealedRows,
        problemCount: result.problemCount,
        firstBroken: result.firstBroken,
        chains: result.chains.length,
        scheduledViolations: violations,
      },
    };
  }

  /** Transitions to firing per rule in the period (audit_alert_event: fired and reopened). */
  private firings(): Promise<Map<string, number>> {
    return this.once('alert-firings', async () => {
      const rows = await this.ctx.store.query<{ rule: string; n: string }>(
        `SELECT rule_id AS rule, count() AS n FROM ${this.db}.audit_alert_event
         WHERE ${this.scope} AND transition IN ('fired', 'reopened') GROUP BY rule`,
        this.params,
      );
      return new Map(rows.map((r) => [r.rule, Number(r.n)]));
    });
  }

  /**
   * The alert rules in force for the tenant: the effective set the engine evaluates (the
   * built-in pack merged with audit_alert_rule), enabled, scoped to this tenant or to all, with
   * how often each fired in the period.
   */
  private async alerts(id: string, categories: string[]): Promise<CheckResult> {
    const title = `Alert rules enabled for ${categories.join(', ').replaceAll('_', ' ')}`;
    const [rules, firings] = await Promise.all([new RuleStore(this.ctx.store).list(), this.firings()]);
    const tenant = this.ctx.tenantId;
    const applies = (rule: AlertRule): boolean =>
      rule.tenant === '*' || rule.tenant === tenant || (tenant === '' && rule.tenant === '@system');
    const active = rules.filter((r) => r.rule.enabled && applies(r.rule));
    const matches: Record<string, (rule: AlertRule, text: string) => boolean> = {
      failed_login: (rule, text) => text.includes('LOGIN_FAILED') || rule.eventType === 'BRUTE_FORCE',
      privilege: (_rule, text) => /PRIVILEGE/i.test(text),
      high_risk: (_rule, text) => text.includes('"risk_level"'),
      silence: (rule) => rule.kind === 'silence',
    };
    const byCategory = Object.fromEntries(
      categories.map((c) => [
        c,
        active
          .filter((r) => matches[c]?.(r.rule, JSON.stringify(r.rule)) ?? false)
          .map((r) => ({
            id: r.rule.id,
            name: r.rule.name,
            builtIn: r.builtIn,
            firingsInPeriod: firings.get(r.rule.id) ?? 0,
          })),
      ]),
    );
    const missing = categories.filter((c) => (byCategory[c] ?? []).length === 0);
    const fired = [...firings.values()].reduce((n, v) => n + v, 0);
    const builtIn = active.filter((r) => r.builtIn).length;
    return {
      id,
      title,
      status: missing.length === 0 ? 'met' : 'gap',
      summary:
        (missing.length === 0
          ? `${active.length} enabled rules apply (${builtIn} built-in, ${active.length - builtIn} custom); every required category is covered`
          : `no enabled rule for: ${missing.join(', ').replaceAll('_', ' ')} (${active.length} enabled rules apply)`) +
        `; ${fired} alerts fired in the period`,
      zh: {
        title: `已为以下类别启用告警规则：${categories.map((c) => ALERT_CATEGORY_ZH[c] ?? c).join('、')}`,
        summary:
          (missing.length === 0
            ? `${active.length} 条启用的规则适用（内置 ${builtIn} 条，自定义 ${active.length - builtIn} 条），覆盖所有要求的类别`
            : `以下类别没有启用的规则：${missing.map((c) => ALERT_CATEGORY_ZH[c] ?? c).join('、')}（适用的启用规则 ${active.length} 条）`) +
          `；本期触发告警 ${fired} 次`,
      },
      data: {
        enabledRules: active.length,
        builtInRules: builtIn,
        disabledRules: rules.length - rules.filter((r) => r.rule.enabled).length,
        firingsInPeriod: fired,
        categories: byCategory,
      },
    };
  }

  private async pipeline(id: string): Promise<CheckResult> {
    const params = { ...this.params, gap: GAP_MINUTES };
    const bucketScope =
      "tenant_id = {tenant:String} AND bucket >= toStartOfMinute({from:DateTime64(3, 'UTC')}) AND bucket < {to:DateTime64(3, 'UTC')} " +
      "AND kind != 'access' AND service NOT IN ('', 'auditlens-exporter')";
    const inner = await this.ctx.store.query<{
      service: string;
      prev: string;
      bucket: string;
      minutes: string;
    }>(
      `SELECT service, prev, bucket, dateDiff('minute', prev, bucket) AS minutes FROM (
         SELECT service, bucket, lagInFrame(bucket) OVER (PARTITION BY service ORDER BY bucket ASC
           ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
         FROM (SELECT DISTINCT service, bucket FROM ${this.db}.audit_summary_minute WHERE ${bucketScope}))
       WHERE prev > toDateTime(0) AND dateDiff('minute', prev, bucket) > {gap:UInt32}
       ORDER BY bucket LIMIT 1000`,
      params,
    );
    const services = await this.ctx.store.query<{ service: string; first: string; last: string; n: string }>(
      `SELECT service, min(bucket) AS first, max(bucket) AS last, sum(events) AS n
       FROM ${this.db}.audit_summary_minute WHERE ${bucketScope} GROUP BY service ORDER BY service`,
      params,
    );
    const end = Math.min(this.ctx.toMs, this.ctx.now);
    const gaps = inner.map((g) => ({
      service: g.service,
      from: g.prev,
      to: g.bucket,
      minutes: Number(g.minutes) - 1,
    }));
    for (const s of services) {
      const lastMs = Date.parse(`${s.last.replace(' ', 'T')}Z`) + 60_000;
      const minutes = Math.floor((end - lastMs) / 60_000);
      if (minutes >= GAP_MINUTES) {
        gaps.push({ service: s.service, from: s.last, to: formatTime(end), minutes });
      }
    }
    return {
      id,
      title: 'Audit pipeline without interruptions (no service silent for an hour or more)',
      status: services.length === 0 ? 'not_applicable' : gaps.length === 0 ? 'met' : 'gap',
      summary:
        services.length === 0
          ? 'no service sent audit records in the period'
          : gaps.length === 0
            ? `${services.length} services sent records without a silence of ${GAP_MINUTES} minutes or more`
            : `${gaps.length} silences of ${GAP_MINUTES}+ minutes (${[...new Set(gaps.map((g) => g.service))].join(', ')}): ` +
              'quiet periods or an interrupted audit pipeline; review them',
      zh: {
        title: `审计进程未中断（没有服务静默 ${GAP_MINUTES} 分钟或更久）`,
        summary:
          services.length === 0
            ? '本期没有服务发送审计记录'
            : gaps.length === 0
              ? `${services.length} 个服务持续发送记录，没有 ${GAP_MINUTES} 分钟或更久的静默`
              : `${gaps.length} 次 ${GAP_MINUTES} 分钟以上的静默（${[...new Set(gaps.map((g) => g.service))].join('、')}）：业务空闲或审计链路中断，请复核`,
      },
      data: {
        gapMinutes: GAP_MINUTES,
        services: services.map((s) => ({
          service: s.service,
          first: s.first,
          last: s.last,
          records: Number(s.n),
        })),
        gaps: gaps.slice(0, 200),
        gapCount: gaps.length,
      },
    };
  }

  private async accessLog(id: string): Promise<CheckResult> {
    const rows = await this.ctx.store.query<{ type: string; n: string }>(
      `SELECT access_type AS type, count() AS n FROM ${this.from('audit_access_log')} WHERE ${this.scope} GROUP BY type ORDER BY type`,
      this.params,
    );
    const byType = Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
    const total = rows.reduce((n, r) => n + Number(r.n), 0);
    return {
      id,
      title: 'Access to audit data is logged',
      status: total > 0 ? 'met' : 'not_applicable',
      summary:
        total > 0
          ? `${total} reads, searches, exports, reports and verifications of audit data logged (every API read is recorded before data is served)`
          : 'no access to this tenant’s audit data in the period',
      zh: {
        title: '对审计数据的访问被记录',
        summary:
          total > 0
            ? `记录了 ${total} 次对审计数据的读取、搜索、导出、报告和验证（每次 API 读取在返回数据前先记录）`
            : '本期没有对该租户审计数据的访问',
      },
      data: { total, byType },
    };
  }

  private async accessControl(id: string): Promise<CheckResult> {
    const tokens = [...this.ctx.apiTokens.values()];
    const readers = tokens.filter((t) => t.role === 'reader').length;
    const admins = tokens.filter((t) => t.role === 'admin').length;
    const open = tokens.length === 0;
    return {
      id,
      title: 'Access to audit data is authenticated and role-separated',
      status: open ? 'gap' : 'met',
      summary: open
        ? 'the REST API runs in dev mode (AUDITLENS_API_TOKENS unset): anyone can read audit data'
        : `${readers} reader and ${admins} admin API tokens; tenant-scoped; configuration changes need an admin token`,
      zh: {
        title: '对审计数据的访问经过身份鉴别并按角色分离',
        summary: open
          ? 'REST API 处于开发模式（未设置 AUDITLENS_API_TOKENS）：任何人都能读取审计数据'
          : `只读令牌 ${readers} 个、管理令牌 ${admins} 个，按租户限定范围；配置变更需要管理令牌`,
      },
      data: { devMode: open, readerTokens: readers, adminTokens: admins },
    };
  }

  private async storeCheck(id: string): Promise<CheckResult> {
    const { mode, volume, intervalMinutes } = this.ctx.archive;
    return {
      id,
      title: 'Audit records are stored centrally, append-only',
      status: 'met',
      summary:
        mode === 'server'
          ? `ClickHouse server; rows are written only by the exporter (INSERT), archived ${volume ? `to volume ${volume}` : 'in place'}`
          : `embedded ClickHouse in the exporter's data directory; archive tables every ${intervalMinutes} minutes`,
      zh: {
        title: '审计记录集中存储，只追加不修改',
        summary:
          mode === 'server'
            ? `ClickHouse 服务器；记录仅由导出服务写入（INSERT），${volume ? `归档至存储卷 ${volume}` : '原地归档'}`
            : `导出服务数据目录中的嵌入式 ClickHouse；每 ${intervalMinutes} 分钟归档一次`,
      },
      data: { mode, archiveVolume: volume ?? null, archiveIntervalMinutes: intervalMinutes },
    };
  }

  private async triage(id: string): Promise<CheckResult> {
    const row = await this.one(
      `SELECT count() AS total,
         countIf(event_id IN (
           SELECT event_id FROM ${this.db}.audit_security_event_status WHERE tenant_id = {tenant:String}
           GROUP BY event_id HAVING argMax(status, changed_at) NOT IN ('', 'PENDING'))) AS triaged
       FROM ${this.from('audit_security_log')} WHERE ${this.scope} AND risk_level >= 3`,
    );
    const total = Number(row.total ?? 0);
    const triaged = Number(row.triaged ?? 0);
    return {
      id,
      title: 'High-risk security events are evaluated (triaged)',
      status: total === 0 ? 'not_applicable' : triaged === total ? 'met' : 'gap',
      summary:
        total === 0
          ? 'no high-risk security events in the period'
          : `${triaged} of ${total} high-risk security events have a workflow status beyond PENDING`,
      zh: {
        title: '高风险安全事件已研判处置',
        summary:
          total === 0
            ? '本期没有高风险安全事件'
            : `${total} 个高风险安全事件中有 ${triaged} 个已进入待处理之后的状态`,
      },
      data: { highRiskEvents: total, triaged, untriaged: total - triaged },
    };
  }

  private async clock(id: string): Promise<CheckResult> {
    const rows = await this.ctx.store.query<{ n: string; ahead: string; lag: string }>(
      AUDIT_TABLES.filter((t) => t !== 'audit_access_log')
        .map(
          (t) =>
            `SELECT count() AS n, countIf(event_time > received_at + toIntervalSecond(${CLOCK_AHEAD_SECONDS})) AS ahead,
               max(dateDiff('second', event_time, received_at)) AS lag
             FROM ${this.from(t)} WHERE ${this.scope}`,
        )
        .join(' UNION ALL '),
      this.params,
    );
    const total = rows.reduce((n, r) => n + Number(r.n), 0);
    const ahead = rows.reduce((n, r) => n + Number(r.ahead), 0);
    const maxLag = Math.max(0, ...rows.map((r) => Number(r.lag)));
    const rate = total === 0 ? 0 : ahead / total;
    return {
      id,
      title: 'Clocks of the recording systems are synchronised',
      status: total === 0 ? 'not_applicable' : rate <= CLOCK_THRESHOLD ? 'met' : 'gap',
      summary:
        total === 0
          ? 'no records in the period'
          : `${ahead} of ${total} records (${(rate * 100).toFixed(2)}%) carry a time more than ${CLOCK_AHEAD_SECONDS} s ahead of the exporter's clock`,
      zh: {
        title: '记录系统的时钟保持同步',
        summary:
          total === 0
            ? '本期没有记录'
            : `${total} 条记录中有 ${ahead} 条（${(rate * 100).toFixed(2)}%）的时间比导出服务时钟快 ${CLOCK_AHEAD_SECONDS} 秒以上`,
      },
      data: { records: total, ahead, aheadRate: rate, threshold: CLOCK_THRESHOLD, maxDelaySeconds: maxLag },
    };
  }

  /**
   * The source's data-quality checks for the period: request ↔ data-operation consistency
   * (001_… §6.1.2; linked by trace id, DESIGN §4) and the anomalies of §6.2.
   */
  async anomalies(): Promise<Anomalies> {
    const nearby =
      "tenant_id = {tenant:String} AND trace_id != '' AND event_time >= {from:DateTime64(3, 'UTC')} - toIntervalDay(1) " +
      "AND event_time < {to:DateTime64(3, 'UTC')} + toIntervalDay(1)";
    const row = await this.one(
      `SELECT
         (SELECT count() FROM ${this.from('audit_request_log')} WHERE ${this.scope} AND user_id = '' AND username = '') AS missing_user,
         (SELECT count() FROM ${this.from('audit_request_log')} WHERE ${this.scope} AND duration_ms > {slow:Float64}) AS slow,
         (SELECT count() FROM ${this.from('audit_change_log')} WHERE ${this.scope}
            AND db_event_id NOT IN (SELECT event_id FROM ${this.from('audit_database_log')}
              WHERE tenant_id = {tenant:String}
                AND event_time >= {from:DateTime64(3, 'UTC')} - toIntervalDay(1)
                AND event_time < {to:DateTime64(3, 'UTC')} + toIntervalDay(1))) AS orphaned,
         (SELECT count() FROM ${this.from('audit_change_log')} WHERE ${this.scope}
            AND db_event_id = toUUID('00000000-0000-0000-0000-000000000000')) AS unlinked,
         (SELECT count() FROM ${this.from('audit_database_log')} WHERE ${this.scope}
            AND trace_id NOT IN (SELECT trace_id FROM ${this.from('audit_request_log')} WHERE ${nearby})) AS ops_without_request,
         (SELECT count() FROM ${this.from('audit_request_log')} WHERE ${this.scope}
            AND http_method IN ('POST', 'PUT', 'PATCH', 'DELETE') AND status_code BETWEEN 200 AND 299
            AND trace_id NOT IN (SELECT trace_id FROM ${this.from('audit_database_log')} WHERE ${nearby})) AS changes_without_op`,
      { slow: SLOW_RESPONSE_MS },
    );
    return {
      missingUserInfo: Number(row.missing_user ?? 0),
      excessiveResponseTime: Number(row.slow ?? 0),
      orphanedFieldChanges: Number(row.orphaned ?? 0),
      unlinkedFieldChanges: Number(row.unlinked ?? 0),
      dataOperationsWithoutRequest: Number(row.ops_without_request ?? 0),
      changingRequestsWithoutDataOperation: Number(row.changes_without_op ?? 0),
      slowResponseMs: SLOW_RESPONSE_MS,
    };
  }
}

/** The data-quality counts of a report (ReportContent.anomalies). */
export interface Anomalies {
  missingUserInfo: number;
  excessiveResponseTime: number;
  orphanedFieldChanges: number;
  unlinkedFieldChanges: number;
  /** Absent in reports of format 1. */
  dataOperationsWithoutRequest?: number;
  changingRequestsWithoutDataOperation?: number;
  slowResponseMs: number;
}

type AnomalyKey = Exclude<keyof Anomalies, 'slowResponseMs'>;

/** The anomalies in report order: key, the source's name, and what they count (English, Chinese). */
export const ANOMALIES: readonly { key: AnomalyKey; name: string; en: string; zh: string }[] = [
  {
    key: 'dataOperationsWithoutRequest',
    name: 'data_operations_without_request',
    en: 'data operations whose request is not recorded (no request in their trace; §6.1.2)',
    zh: '找不到对应请求的数据操作（其链路中没有请求记录；§6.1.2）',
  },
  {
    key: 'changingRequestsWithoutDataOperation',
    name: 'changing_requests_without_data_operation',
    en: 'successful POST/PUT/PATCH/DELETE requests with no data operation in their trace (§6.1.2)',
    zh: '成功的 POST/PUT/PATCH/DELETE 请求，其链路中没有数据操作（§6.1.2）',
  },
  {
    key: 'missingUserInfo',
    name: 'missing_user_info',
    en: 'requests without user id or user name',
    zh: '缺少用户标识或用户名的请求',
  },
  {
    key: 'excessiveResponseTime',
    name: 'excessive_response_time',
    en: `requests slower than ${SLOW_RESPONSE_MS / 1000} s`,
    zh: `响应时间超过 ${SLOW_RESPONSE_MS / 1000} 秒的请求`,
  },
  {
    key: 'orphanedFieldChanges',
    name: 'orphaned_field_changes',
    en: 'field changes without their data operation',
    zh: '找不到对应数据操作的字段变更',
  },
  {
    key: 'unlinkedFieldChanges',
    name: 'unlinked_field_changes',
    en: 'of those, field changes that name no data operation',
    zh: '其中未指明数据操作的字段变更',
  },
];
