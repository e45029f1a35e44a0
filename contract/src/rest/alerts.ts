import { z } from 'zod';
import { count, optionalTime, timeValue } from './common.js';

// Alert rules and alerts: /api/v1/alert-rules (CRUD, enable/disable, dry runs), /alerts,
// /alerts/incidents, and the
// Grafana delivery endpoints /grafana/alert-rules, /grafana/contact-points, /grafana/changes,
// /grafana/sync. Answers are loose objects: fields the API adds later are kept, not rejected.

/** An alert rule id: lower-case letters, digits, _ . - (1–64 characters, starting with a letter or digit). */
export const RULE_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export const RULE_KINDS = ['threshold', 'match', 'sequence', 'new_value', 'silence'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** GET /api/v1/alerts: the filters (query string). */
export const alertsQuerySchema = z.object({
  tenant: z.string().optional(),
  state: z.enum(['firing', 'resolved', 'all']).default('firing'),
  rule: z.string().regex(RULE_ID, 'a rule id expected').optional(),
  minSeverity: z.coerce.number().int().min(1).max(4).optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** GET /api/v1/alerts/incidents: the filters (query string). */
export const incidentsQuerySchema = z.object({
  tenant: z.string().optional(),
  minSeverity: z.coerce.number().int().min(1).max(4).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** POST /api/v1/alert-rules/test (with the draft `rule`) and /alert-rules/{id}/test (without). */
export const ruleTestRequestSchema = z.strictObject({
  hours: z.number().int().min(1).max(168).default(24),
  rule: z.unknown().optional(),
});

/** POST /api/v1/grafana/changes: a change the app makes in Grafana, recorded first. */
export const grafanaChangeRequestSchema = z.strictObject({
  operation: z.enum(['GRAFANA_RULES_APPLY']),
  folderUid: z.string().max(200),
  rules: z.array(z.string().max(200)).max(10_000),
  failure: z.string().max(1000).optional(),
});
export type GrafanaChangeRequest = z.input<typeof grafanaChangeRequestSchema>;

/** POST /api/v1/grafana/sync: the exporter applies the rules in Grafana itself. */
export const grafanaSyncRequestSchema = z.strictObject({
  all: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

/** An alert rule document as the API returns it (the exporter validates rules it is given in full). */
export const ruleDocumentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  enabled: z.boolean(),
  kind: z.string(),
  source: z.string(),
  tenant: z.string(),
  filter: z.array(z.unknown()).optional(),
  groupBy: z.array(z.string()).optional(),
  window: z.string(),
  severity: count,
  threshold: count.optional(),
  mitre: z.looseObject({ tactic: z.string().optional(), technique: z.string().optional() }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  cooldown: z.string().optional(),
  contactPoint: z.string().optional(),
  eventType: z.string().optional(),
  summary: z.string().optional(),
});
export type RuleDocument = z.infer<typeof ruleDocumentSchema>;

/** A rule with its state: built in, modified, version, firing instances. */
export const ruleViewSchema = z.looseObject({
  rule: ruleDocumentSchema,
  builtIn: z.boolean(),
  modified: z.boolean().optional(),
  version: count,
  updatedAt: optionalTime,
  updatedBy: z.string().optional(),
  firing: count,
});
export type RuleView = z.infer<typeof ruleViewSchema>;

export const ruleListSchema = z.looseObject({ rules: z.array(ruleViewSchema) });

/** A firing (or resolved) instance of a rule: one group key of it. */
export const alertInstanceSchema = z.looseObject({
  tenant: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  groupKey: z.string(),
  groupLabels: z.record(z.string(), z.string()).optional(),
  state: z.string(),
  severity: count,
  mitreTactic: z.string().optional(),
  mitreTechnique: z.string().optional(),
  contactPoint: z.string().optional(),
  summary: z.string(),
  matchCount: count,
  firstSeen: optionalTime,
  lastSeen: optionalTime,
  firedAt: optionalTime,
  resolvedAt: optionalTime,
  securityEventId: z.string().optional(),
});
export type AlertInstance = z.infer<typeof alertInstanceSchema>;

/** GET /api/v1/alerts: instances and their transitions. */
export const alertsSchema = z.looseObject({
  instances: z.array(alertInstanceSchema),
  history: z
    .array(z.looseObject({ ruleId: z.string(), transition: z.string(), time: optionalTime }))
    .optional(),
});

/** GET /api/v1/alerts/incidents: the firing instances of each rule as one incident, newest first. */
export const incidentsSchema = z.looseObject({
  incidents: z.array(
    z.looseObject({
      tenant: z.string(),
      ruleId: z.string(),
      ruleName: z.string(),
      severity: count,
      firing: count,
      matches: count,
      newestFiredAt: optionalTime,
      oldestFiredAt: optionalTime,
      mitreTactic: z.string().optional(),
      mitreTechnique: z.string().optional(),
      newestGroupKeys: z.array(z.string()),
    }),
  ),
});
export type Incident = z.infer<typeof incidentsSchema>['incidents'][number];

/** POST /alert-rules/test and /alert-rules/{id}/test: what the rule would have raised. */
export const dryRunSchema = z.looseObject({
  ruleId: z.string(),
  from: z.string(),
  to: z.string(),
  rowsScanned: count,
  truncated: z.boolean(),
  instances: z.array(
    z.looseObject({
      tenant: z.string(),
      groupKey: z.string(),
      firedAt: z.string(),
      resolvedAt: z.string().nullable(),
      matchCount: count,
      summary: z.string(),
      eventIds: z.array(z.string()).optional(),
    }),
  ),
});
export type DryRun = z.infer<typeof dryRunSchema>;

/** Grafana's contact points (GET /api/v1/provisioning/contact-points on Grafana itself). */
export const contactPointsSchema = z.array(
  z.looseObject({ uid: z.string().optional(), name: z.string(), type: z.string().optional() }),
);

/** A Grafana-managed alert rule AuditLens wants (Grafana's provisioning API shape). */
export const provisionedRuleSchema = z.looseObject({
  uid: z.string(),
  title: z.string(),
  folderUID: z.string(),
  ruleGroup: z.string(),
  isPaused: z.boolean().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  notification_settings: z.looseObject({ receiver: z.string() }).nullable().optional(),
  data: z.array(z.looseObject({ refId: z.string(), model: z.looseObject({}).optional() })).optional(),
});
export type ProvisionedRule = z.infer<typeof provisionedRuleSchema>;

/** GET /api/v1/grafana/alert-rules: the Grafana-managed rules AuditLens wants (for the app to apply). */
export const desiredGrafanaRulesSchema = z.looseObject({
  folder: z.looseObject({ uid: z.string(), title: z.string() }),
  ruleGroup: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  rules: z.array(provisionedRuleSchema),
  skipped: z.array(z.unknown()).optional(),
});
export type DesiredGrafanaRules = z.infer<typeof desiredGrafanaRulesSchema>;
