import type { RuleDocument } from '../../api/alertSchemas';

/** The editable form of an alert rule; `advanced` is JSON for the parts with nested structure. */
export interface RuleDraft {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  kind: string;
  source: string;
  tenant: string;
  window: string;
  threshold: string;
  severity: number;
  groupBy: string;
  mitreTactic: string;
  mitreTechnique: string;
  contactPoint: string;
  eventType: string;
  summary: string;
  advanced: string;
}

const ADVANCED_KEYS = [
  'filter',
  'sum',
  'sequence',
  'newValue',
  'silence',
  'schedule',
  'labels',
  'cooldown',
] as const;

export function emptyDraft(tenant: string): RuleDraft {
  return {
    id: '',
    name: '',
    description: '',
    enabled: true,
    kind: 'threshold',
    source: 'security',
    tenant: tenant || '*',
    window: '1h',
    threshold: '50',
    severity: 3,
    groupBy: 'ip_address',
    mitreTactic: '',
    mitreTechnique: '',
    contactPoint: '',
    eventType: 'SUSPICIOUS_ACTIVITY',
    summary: '',
    advanced: JSON.stringify({ filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }] }, null, 2),
  };
}

export function draftFromRule(rule: RuleDocument): RuleDraft {
  const advanced: Record<string, unknown> = {};
  for (const key of ADVANCED_KEYS) if (rule[key] !== undefined) advanced[key] = rule[key];
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description ?? '',
    enabled: rule.enabled,
    kind: rule.kind,
    source: rule.source,
    tenant: rule.tenant,
    window: rule.window,
    threshold: rule.threshold === undefined ? '' : String(rule.threshold),
    severity: Number(rule.severity),
    groupBy: (rule.groupBy ?? []).join(', '),
    mitreTactic: rule.mitre?.tactic ?? '',
    mitreTechnique: rule.mitre?.technique ?? '',
    contactPoint: rule.contactPoint ?? '',
    eventType: rule.eventType ?? '',
    summary: rule.summary ?? '',
    advanced: JSON.stringify(advanced, null, 2),
  };
}

export const RULE_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const DURATION = /^\d{1,9}(ms|s|m|h|d)$/;

/** Field → problem, for what the exporter would reject (it re-validates everything). */
export function validateDraft(d: RuleDraft): Partial<Record<keyof RuleDraft, string>> {
  const e: Partial<Record<keyof RuleDraft, string>> = {};
  if (!RULE_ID.test(d.id)) e.id = 'lower-case letters, digits, _ . - (1–64, starting with a letter or digit)';
  if (!d.name.trim()) e.name = 'a name is required';
  if (!DURATION.test(d.window)) e.window = 'a duration like 30s, 5m, 1h or 7d';
  if (d.kind === 'threshold' && !/^\d{1,6}$/.test(d.threshold.trim())) e.threshold = 'a whole number ≥ 0';
  if (d.mitreTactic && !/^TA\d{4}$/.test(d.mitreTactic)) e.mitreTactic = 'a tactic id like TA0006';
  if (d.mitreTechnique && !/^T\d{4}(\.\d{3})?$/.test(d.mitreTechnique))
    e.mitreTechnique = 'a technique id like T1110';
  if (d.eventType && !/^[A-Z][A-Z0-9_]{0,63}$/.test(d.eventType))
    e.eventType = 'upper case and _, like BRUTE_FORCE';
  if (d.tenant !== '*' && !/^[^\s*]+$/.test(d.tenant)) e.tenant = 'a tenant id, @system or *';
  try {
    const parsed: unknown = JSON.parse(d.advanced || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) e.advanced = 'a JSON object';
  } catch (error) {
    e.advanced = `not valid JSON: ${(error as Error).message}`;
  }
  return e;
}

/** The rule document the API accepts. */
export function ruleFromDraft(d: RuleDraft): Record<string, unknown> & { id: string } {
  const advanced = JSON.parse(d.advanced || '{}') as Record<string, unknown>;
  const mitre: Record<string, string> = {};
  if (d.mitreTactic) mitre.tactic = d.mitreTactic;
  if (d.mitreTechnique) mitre.technique = d.mitreTechnique;
  return {
    ...advanced,
    id: d.id,
    name: d.name.trim(),
    description: d.description,
    enabled: d.enabled,
    kind: d.kind,
    source: d.source,
    tenant: d.tenant,
    window: d.window,
    ...(d.kind === 'threshold' ? { threshold: Number(d.threshold) } : {}),
    severity: d.severity,
    groupBy: d.groupBy
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean),
    mitre,
    ...(d.contactPoint ? { contactPoint: d.contactPoint } : {}),
    ...(d.eventType ? { eventType: d.eventType } : {}),
    ...(d.summary ? { summary: d.summary } : {}),
  };
}
