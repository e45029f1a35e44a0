import { z } from 'zod';

// Schemas for the alerting API (exporter-service/src/alerts, docs/alerting.md). Lenient where the
// API may add fields: unknown keys are kept, so the pages can show what they do not model.

const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);

/** A list answer, either a bare array or wrapped in an object under one of the given keys. */
export function listOf<T extends z.ZodType>(item: T, ...keys: string[]) {
  return z.union([z.array(item), z.looseObject({}).transform((o, ctx) => {
    for (const key of keys) {
      const value = (o as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        const parsed = z.array(item).safeParse(value);
        if (parsed.success) return parsed.data;
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] } as never);
        return z.NEVER;
      }
    }
    ctx.addIssue({ code: 'custom', message: `a list (or an object with ${keys.join('/')}) expected` });
    return z.NEVER;
  })]);
}

export const grafanaSyncSchema = z.looseObject({
  state: z.string(),
  message: z.string().optional(),
  error: z.string().optional(),
  uid: z.string().optional(),
  ruleUid: z.string().optional(),
  syncedAt: z.string().optional(),
});

export const alertRuleSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  enabled: z.boolean(),
  kind: z.string(),
  source: z.string().optional(),
  tenant: z.string().optional(),
  severity: num.optional(),
  window: z.union([z.string(), z.number()]).optional(),
  threshold: num.optional(),
  groupBy: z.array(z.string()).optional(),
  filter: z.array(z.unknown()).optional(),
  contactPoint: z.string().optional(),
  eventType: z.string().optional(),
  mitre: z.looseObject({ tactic: z.string().optional(), technique: z.string().optional() }).optional(),
  builtin: z.boolean().optional(),
  firing: num.optional(),
  firingCount: num.optional(),
  grafana: grafanaSyncSchema.optional(),
  sync: grafanaSyncSchema.optional(),
});
export type AlertRuleView = z.infer<typeof alertRuleSchema>;

export const alertInstanceSchema = z.looseObject({
  tenant_id: z.string().optional(),
  rule_id: z.string().optional(),
  ruleId: z.string().optional(),
  rule_name: z.string().optional(),
  ruleName: z.string().optional(),
  group_key: z.string().optional(),
  groupKey: z.string().optional(),
  state: z.string().optional(),
  severity: num.optional(),
  summary: z.string().optional(),
  match_count: num.optional(),
  matchCount: num.optional(),
  first_seen: z.string().optional(),
  firstSeen: z.string().optional(),
  last_seen: z.string().optional(),
  lastSeen: z.string().optional(),
  mitre_tactic: z.string().optional(),
  mitre_technique: z.string().optional(),
});
export type AlertInstance = z.infer<typeof alertInstanceSchema>;

/** Firing instance, whichever casing the API uses. */
export function alertFields(a: AlertInstance) {
  return {
    ruleId: a.rule_id ?? a.ruleId ?? '',
    ruleName: a.rule_name ?? a.ruleName ?? a.rule_id ?? a.ruleId ?? '',
    groupKey: a.group_key ?? a.groupKey ?? '',
    state: a.state ?? 'firing',
    severity: Number(a.severity ?? 0),
    summary: a.summary ?? '',
    matchCount: Number(a.match_count ?? a.matchCount ?? 0),
    firstSeen: a.first_seen ?? a.firstSeen ?? '',
    lastSeen: a.last_seen ?? a.lastSeen ?? '',
  };
}

export const dryRunSchema = z.looseObject({
  matches: num.optional(),
  matched: num.optional(),
  incidents: z.array(z.looseObject({})).optional(),
  alerts: z.array(z.looseObject({})).optional(),
  firings: z.array(z.looseObject({})).optional(),
});
export type DryRun = z.infer<typeof dryRunSchema>;

/** Grafana's contact points (GET /api/v1/provisioning/contact-points). */
export const contactPointsSchema = z.array(
  z.looseObject({ uid: z.string().optional(), name: z.string(), type: z.string().optional() }),
);

export const securityEventStatusSchema = z.looseObject({
  status: z.string(),
  handler_id: z.string().optional(),
  handlerId: z.string().optional(),
  handler_name: z.string().optional(),
  handlerName: z.string().optional(),
  handle_result: z.string().optional(),
  handleResult: z.string().optional(),
  false_positive: z.boolean().optional(),
  falsePositive: z.boolean().optional(),
  changed_at: z.string().optional(),
  changedAt: z.string().optional(),
  changed_by: z.string().optional(),
  changedBy: z.string().optional(),
});
export type SecurityEventStatus = z.infer<typeof securityEventStatusSchema>;

export function statusFields(s: SecurityEventStatus) {
  return {
    status: s.status,
    handler: s.handler_name ?? s.handlerName ?? s.handler_id ?? s.handlerId ?? '',
    result: s.handle_result ?? s.handleResult ?? '',
    falsePositive: Boolean(s.false_positive ?? s.falsePositive),
    changedAt: s.changed_at ?? s.changedAt ?? '',
    changedBy: s.changed_by ?? s.changedBy ?? '',
  };
}

export const securityEventSchema = z.looseObject({
  event_id: z.string(),
  event_time: z.string(),
  event_type: z.string().optional(),
  user_id: z.string().optional(),
  username: z.string().optional(),
  ip_address: z.string().optional(),
  result: z.string().optional(),
  risk_level: num.optional(),
  mitre_tactic: z.string().optional(),
  mitre_technique: z.string().optional(),
  threat_type: z.string().optional(),
  rule_name: z.string().optional(),
  description: z.string().optional(),
  trace_id: z.string().optional(),
  status: z.union([z.string(), securityEventStatusSchema]).optional(),
  handler_name: z.string().optional(),
  false_positive: z.boolean().optional(),
});
export type SecurityEvent = z.infer<typeof securityEventSchema>;
