import { z } from 'zod';

// Schemas for the alerting and triage API (exporter-service/src/alerts/routes.ts and
// security-events.ts). Objects are loose: fields the API adds later are kept, not rejected.

const num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const time = z.string().nullable().optional();

export const RULE_KINDS = ['threshold', 'match', 'sequence', 'new_value', 'silence'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** An alert rule document (exporter-service/src/alerts/rule-model.ts). */
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
  severity: num,
  threshold: num.optional(),
  mitre: z.looseObject({ tactic: z.string().optional(), technique: z.string().optional() }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  cooldown: z.string().optional(),
  contactPoint: z.string().optional(),
  eventType: z.string().optional(),
  summary: z.string().optional(),
});
export type RuleDocument = z.infer<typeof ruleDocumentSchema>;

export const ruleViewSchema = z.looseObject({
  rule: ruleDocumentSchema,
  builtIn: z.boolean(),
  modified: z.boolean().optional(),
  version: num,
  updatedAt: time,
  updatedBy: z.string().optional(),
  firing: num,
});
export type RuleView = z.infer<typeof ruleViewSchema>;

export const ruleListSchema = z.looseObject({ rules: z.array(ruleViewSchema) });

export const alertInstanceSchema = z.looseObject({
  tenant: z.string(),
  ruleId: z.string(),
  ruleName: z.string(),
  groupKey: z.string(),
  groupLabels: z.record(z.string(), z.string()).optional(),
  state: z.string(),
  severity: num,
  mitreTactic: z.string().optional(),
  mitreTechnique: z.string().optional(),
  contactPoint: z.string().optional(),
  summary: z.string(),
  matchCount: num,
  firstSeen: time,
  lastSeen: time,
  firedAt: time,
  resolvedAt: time,
  securityEventId: z.string().optional(),
});
export type AlertInstance = z.infer<typeof alertInstanceSchema>;

export const alertsSchema = z.looseObject({
  instances: z.array(alertInstanceSchema),
  history: z.array(z.looseObject({ ruleId: z.string(), transition: z.string(), time: time })).optional(),
});

/** POST /alert-rules/test and /alert-rules/{id}/test. */
export const dryRunSchema = z.looseObject({
  ruleId: z.string(),
  from: z.string(),
  to: z.string(),
  rowsScanned: num,
  truncated: z.boolean(),
  instances: z.array(
    z.looseObject({
      tenant: z.string(),
      groupKey: z.string(),
      firedAt: z.string(),
      resolvedAt: z.string().nullable(),
      matchCount: num,
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

/** GET /grafana/alert-rules: the Grafana-managed rules AuditLens wants (for the app to apply). */
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

export const desiredGrafanaRulesSchema = z.looseObject({
  folder: z.looseObject({ uid: z.string(), title: z.string() }),
  ruleGroup: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
  rules: z.array(provisionedRuleSchema),
  skipped: z.array(z.unknown()).optional(),
});
export type DesiredGrafanaRules = z.infer<typeof desiredGrafanaRulesSchema>;

export const SECURITY_EVENT_STATUSES = [
  'PENDING',
  'INVESTIGATING',
  'HANDLED',
  'ESCALATED',
  'FALSE_POSITIVE',
  'IGNORED',
] as const;

const statusFields = {
  status: z.string(),
  handler: z.string().optional(),
  handlerId: z.string().optional(),
  result: z.string().optional(),
  falsePositive: z.boolean().optional(),
  changedAt: time,
  changedBy: z.string().optional(),
};
export const statusEntrySchema = z.looseObject(statusFields);
export type StatusEntry = z.infer<typeof statusEntrySchema>;

/** A security event row with its current status (the status's `result` is the handling result). */
export const securityEventSchema = z.looseObject({
  event_id: z.string(),
  event_time: z.string(),
  tenant_id: z.string().optional(),
  service: z.string().optional(),
  user_id: z.string().optional(),
  username: z.string().optional(),
  ip_address: z.string().optional(),
  risk_level: num.optional(),
  event_type: z.string().optional(),
  threat_type: z.string().optional(),
  attack_vector: z.string().optional(),
  mitre_tactic: z.string().optional(),
  mitre_technique: z.string().optional(),
  detection_method: z.string().optional(),
  rule_name: z.string().optional(),
  target_resource: z.string().optional(),
  related_events: z.array(z.string()).optional(),
  description: z.string().optional(),
  ...statusFields,
});
export type SecurityEvent = z.infer<typeof securityEventSchema>;

export const securityEventPageSchema = z.looseObject({
  rows: z.array(securityEventSchema),
  nextCursor: z.string().nullable(),
});

export const securityEventDetailSchema = securityEventSchema.extend({ history: z.array(statusEntrySchema) });
export type SecurityEventDetail = z.infer<typeof securityEventDetailSchema>;

export const statusChangeSchema = z.looseObject({
  eventId: z.string(),
  status: z.string(),
  history: z.array(statusEntrySchema),
});

/** GET /alerts/incidents: the firing instances of each rule as one incident, newest first. */
export const incidentsSchema = z.looseObject({
  incidents: z.array(
    z.looseObject({
      tenant: z.string(),
      ruleId: z.string(),
      ruleName: z.string(),
      severity: num,
      firing: num,
      matches: num,
      newestFiredAt: time,
      oldestFiredAt: time,
      mitreTactic: z.string().optional(),
      mitreTechnique: z.string().optional(),
      newestGroupKeys: z.array(z.string()),
    }),
  ),
});
export type Incident = z.infer<typeof incidentsSchema>['incidents'][number];

/** GET /security-events/queue: security events grouped by type and raising rule, open ones first. */
export const securityQueueSchema = z.looseObject({
  groups: z.array(
    z.looseObject({
      eventType: z.string(),
      ruleId: z.string(),
      ruleName: z.string(),
      events: num,
      open: num,
      maxRisk: num,
      newest: z.string(),
      oldest: z.string(),
      users: num,
      ips: num,
      mitreTactic: z.string().optional(),
      mitreTechnique: z.string().optional(),
    }),
  ),
});
export type SecurityQueueGroup = z.infer<typeof securityQueueSchema>['groups'][number];
