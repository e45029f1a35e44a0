import type { AlertRule } from '../alerts/rule-model.js';
import { RuleStore } from '../alerts/rule-store.js';
import type { CheckResult, Evidence } from './evidence.js';

// Checks that what the records show is acted on: alert rules in force for the required
// categories, high-risk security events triaged.

/** Alert rule categories, in Chinese. */
const ALERT_CATEGORY_ZH: Record<string, string> = {
  failed_login: '登录失败',
  privilege: '权限变更',
  high_risk: '高风险操作',
  silence: '审计中断',
};

/**
 * The alert rules in force for the tenant: the effective set the engine evaluates (the
 * built-in pack merged with audit_alert_rule), enabled, scoped to this tenant or to all, with
 * how often each fired in the period.
 */
export async function alerts(evidence: Evidence, id: string, categories: string[]): Promise<CheckResult> {
  const title = `Alert rules enabled for ${categories.join(', ').replaceAll('_', ' ')}`;
  const [rules, firings] = await Promise.all([new RuleStore(evidence.ctx.store).list(), evidence.firings()]);
  const tenant = evidence.ctx.tenantId;
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

export async function triage(evidence: Evidence, id: string): Promise<CheckResult> {
  const row = await evidence.one(
    `SELECT count() AS total,
       countIf(event_id IN (
         SELECT event_id FROM ${evidence.db}.audit_security_event_status WHERE tenant_id = {tenant:String}
         GROUP BY event_id HAVING argMax(status, changed_at) NOT IN ('', 'PENDING'))) AS triaged
     FROM ${evidence.from('audit_security_log')} WHERE ${evidence.scope} AND risk_level >= 3`,
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
