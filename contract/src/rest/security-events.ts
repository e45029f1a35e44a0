import { z } from 'zod';
import { count, optionalTime, pageOf, timeValue } from './common.js';
import { RULE_ID } from './alerts.js';

// Security-event triage: GET /api/v1/security-events, /security-events/queue,
// /security-events/sql, /security-events/{eventId}, and POST /security-events/{eventId}/status (admins).

/** Workflow states of a security event (DESIGN §4): appended to audit_security_event_status. */
export const SECURITY_EVENT_STATUSES = [
  'PENDING',
  'INVESTIGATING',
  'HANDLED',
  'ESCALATED',
  'FALSE_POSITIVE',
  'IGNORED',
] as const;
export type SecurityEventStatus = (typeof SECURITY_EVENT_STATUSES)[number];

/** The statuses of an event still to be handled: the triage queue puts these first. */
export const OPEN_STATUSES = [
  'PENDING',
  'INVESTIGATING',
  'ESCALATED',
] as const satisfies readonly SecurityEventStatus[];

/** GET /api/v1/security-events, /security-events/queue and /security-events/sql: the filters (query string). */
export const securityEventsQuerySchema = z.object({
  tenant: z.string().optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
  status: z.enum(SECURITY_EVENT_STATUSES).optional(),
  eventType: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,64}$/, 'an event type like LOGIN_FAILED expected')
    .optional(),
  minRisk: z.coerce.number().int().min(1).max(4).optional(),
  rule: z.string().regex(RULE_ID, 'a rule id expected').optional(),
  detected: z.enum(['true', 'false']).optional(),
  /** true: only events still to be handled (OPEN_STATUSES); false: only closed ones. */
  open: z.enum(['true', 'false']).optional(),
  user: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
});

/** POST /api/v1/security-events/{eventId}/status: the change (body). */
export const statusChangeRequestSchema = z.strictObject({
  status: z.enum(SECURITY_EVENT_STATUSES),
  handler: z.string().trim().max(256).optional(),
  handlerId: z.string().trim().max(256).optional(),
  result: z.string().max(10_000).default(''),
  falsePositive: z.boolean().optional(),
});
export type StatusChangeRequest = z.input<typeof statusChangeRequestSchema>;

const statusFields = {
  status: z.string(),
  handler: z.string().optional(),
  handlerId: z.string().optional(),
  result: z.string().optional(),
  falsePositive: z.boolean().optional(),
  changedAt: optionalTime,
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
  risk_level: count.optional(),
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

export const securityEventPageSchema = pageOf(securityEventSchema);

export const securityEventDetailSchema = securityEventSchema.extend({ history: z.array(statusEntrySchema) });
export type SecurityEventDetail = z.infer<typeof securityEventDetailSchema>;

/** The answer to a status change: the event's whole status history. */
export const statusChangeSchema = z.looseObject({
  eventId: z.string(),
  status: z.string(),
  history: z.array(statusEntrySchema),
});

/** GET /api/v1/security-events/queue: security events grouped by type and raising rule, open ones first. */
export const securityQueueSchema = z.looseObject({
  groups: z.array(
    z.looseObject({
      eventType: z.string(),
      ruleId: z.string(),
      ruleName: z.string(),
      events: count,
      open: count,
      maxRisk: count,
      newest: z.string(),
      oldest: z.string(),
      users: count,
      ips: count,
      mitreTactic: z.string().optional(),
      mitreTechnique: z.string().optional(),
    }),
  ),
});
export type SecurityQueueGroup = z.infer<typeof securityQueueSchema>['groups'][number];
