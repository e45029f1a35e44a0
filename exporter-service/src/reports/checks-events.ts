import { SELF_AUDIT_EVENTS } from '../self-audit/self-audit.js';
import type { CheckResult, Evidence } from './evidence.js';

// Checks that the events the frameworks require are recorded at all (logins, administration,
// privilege changes, security events, user activity, data access, system objects, the audit
// service's own start and stop).

export async function eventsAny(evidence: Evidence, id: string): Promise<CheckResult> {
  const counts = await evidence.kindCounts();
  const total = Object.entries(counts)
    .filter(([k]) => k !== 'access')
    .reduce((n, [, v]) => n + v, 0);
  return evidence.observed(
    id,
    { en: 'Audit records are being written', zh: '审计记录持续写入' },
    total,
    { en: 'audit records', zh: '审计记录' },
    { byKind: counts },
  );
}

export async function eventsLogin(evidence: Evidence, id: string): Promise<CheckResult> {
  const types = await evidence.securityTypes();
  const byType = {
    LOGIN_SUCCESS: types.LOGIN_SUCCESS ?? 0,
    LOGIN_FAILED: types.LOGIN_FAILED ?? 0,
    LOGOUT: types.LOGOUT ?? 0,
  };
  const count = byType.LOGIN_SUCCESS + byType.LOGIN_FAILED + byType.LOGOUT;
  return evidence.observed(
    id,
    { en: 'Logins and logouts are audited', zh: '登录和退出操作被审计' },
    count,
    { en: 'login/logout events', zh: '登录/退出事件' },
    { byType },
  );
}

export async function eventsAuthFailure(evidence: Evidence, id: string): Promise<CheckResult> {
  const types = await evidence.securityTypes();
  const requests = await evidence.once('request-denied', () =>
    evidence.one(
      `SELECT countIf(status_code IN (401, 403)) AS denied FROM ${evidence.from('audit_request_log')} WHERE ${evidence.scope}`,
    ),
  );
  const byType = {
    LOGIN_FAILED: types.LOGIN_FAILED ?? 0,
    PERMISSION_DENIED: types.PERMISSION_DENIED ?? 0,
    deniedRequests: Number(requests.denied ?? 0),
  };
  const count = byType.LOGIN_FAILED + byType.PERMISSION_DENIED + byType.deniedRequests;
  return evidence.observed(
    id,
    { en: 'Invalid logical access attempts are audited', zh: '无效的逻辑访问尝试被审计' },
    count,
    { en: 'invalid access attempts', zh: '无效访问尝试' },
    {
      byType,
    },
  );
}

export async function eventsAdmin(evidence: Evidence, id: string): Promise<CheckResult> {
  const counts = await evidence.kindCounts();
  return evidence.observed(
    id,
    { en: 'Administrative operations are audited', zh: '管理操作被审计' },
    counts.admin,
    { en: 'administrative operations', zh: '管理操作' },
    {},
  );
}

export async function eventsPrivilege(evidence: Evidence, id: string): Promise<CheckResult> {
  const types = await evidence.securityTypes();
  const admin = await evidence.adminDetail();
  const byType = {
    PRIVILEGE_CHANGE: types.PRIVILEGE_CHANGE ?? 0,
    accountAndRoleAdministration: Number(admin.privilege ?? 0),
  };
  return evidence.observed(
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

export async function eventsSecurity(evidence: Evidence, id: string): Promise<CheckResult> {
  const counts = await evidence.kindCounts();
  return evidence.observed(
    id,
    { en: 'Security events are audited', zh: '重要安全事件被审计' },
    counts.security,
    { en: 'security events', zh: '安全事件' },
    { byType: await evidence.securityTypes() },
  );
}

export async function eventsUserActivity(evidence: Evidence, id: string): Promise<CheckResult> {
  const c = await evidence.kindCounts();
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

export async function eventsDataAccess(evidence: Evidence, id: string): Promise<CheckResult> {
  const row = await evidence.one(
    `SELECT (SELECT count() FROM ${evidence.from('audit_request_log')} WHERE ${evidence.scope} AND (user_id != '' OR username != ''))
          + (SELECT count() FROM ${evidence.from('audit_database_log')} WHERE ${evidence.scope} AND (user_id != '' OR username != '')) AS n`,
  );
  return evidence.observed(
    id,
    { en: 'Individual user access to data is audited', zh: '用户个人对数据的访问被审计' },
    Number(row.n ?? 0),
    { en: 'user-attributed data accesses', zh: '可归属到用户的数据访问' },
    {},
  );
}

export async function eventsSystemObjects(evidence: Evidence, id: string): Promise<CheckResult> {
  const admin = await evidence.adminDetail();
  const db = await evidence.one(
    `SELECT countIf(upper(db_operation) IN ('CREATE', 'DROP', 'ALTER', 'TRUNCATE')) AS n
     FROM ${evidence.from('audit_database_log')} WHERE ${evidence.scope}`,
  );
  const byType = { adminCreateDelete: Number(admin.objects ?? 0), ddl: Number(db.n ?? 0) };
  return evidence.observed(
    id,
    { en: 'Creation and deletion of system-level objects are audited', zh: '系统级对象的创建和删除被审计' },
    byType.adminCreateDelete + byType.ddl,
    { en: 'creations or deletions of system-level objects', zh: '系统级对象的创建或删除' },
    { byType },
  );
}

export async function eventsAuditLifecycle(evidence: Evidence, id: string): Promise<CheckResult> {
  // The self-audit module records the exporter's start and stop as system-level security events.
  const lifecycle = "tenant_id = '' AND event_type IN ({started:String}, {stopped:String})";
  const types = { started: SELF_AUDIT_EVENTS.started, stopped: SELF_AUDIT_EVENTS.stopped };
  const row = await evidence.one(
    `SELECT
       (SELECT count() FROM ${evidence.from('audit_security_log')} WHERE ${lifecycle}
          AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}) AS in_period,
       (SELECT count() FROM ${evidence.from('audit_security_log')} WHERE ${lifecycle}
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
