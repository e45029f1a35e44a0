import { z } from 'zod';
import { AUDIT_KINDS } from '../records.js';
import { ruleDocumentSchema } from './alerts.js';
import { rangeQuerySchema } from './common.js';

// User behaviour analytics (issue 19): GET /api/v1/behaviour/profile (one user over a period,
// against the user's previous period and peers), GET /api/v1/behaviour/suspicious (a ranked
// list of suspicious activity, in the alert rules' detection vocabulary) and
// GET /api/v1/behaviour/users (the users whose id or name contains a text: how an auditor who
// knows a name finds the id a profile takes).

const userName = z.string().trim().min(1, 'a user id or name expected').max(256);

/** GET /api/v1/behaviour/profile: the user and period (query string). */
export const profileQuerySchema = rangeQuerySchema.extend({
  user: userName,
  /** Whom the user is compared with: users sharing one of the user's roles, or the whole tenant. */
  peers: z.enum(['role', 'tenant']).default('role'),
});

/** GET /api/v1/behaviour/suspicious: the period and optional filters (query string). */
export const suspiciousQuerySchema = rangeQuerySchema.extend({
  user: userName.optional(),
  minScore: z.coerce.number().min(0).max(100).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** GET /api/v1/behaviour/users: a part of a user id or name (any case), the period (query string). */
export const userLookupQuerySchema = rangeQuerySchema.extend({
  q: z.string().trim().min(1, 'a part of a user id or name expected').max(256),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** One user with records in the period whose id or one of whose names contains the text. */
export const userMatchSchema = z.object({
  /** The user id (`user.id`), what a profile takes. */
  id: z.string(),
  /** The names (`user.name`) the user's records carried in the period, most used first. */
  names: z.array(z.string()),
  /** The roles of the user's newest record of the period. */
  roles: z.array(z.string()),
  /** The user's records in the period (every kind). */
  records: z.number(),
  lastSeen: z.string(),
  /** The id or one of the names equals the text, ignoring case (not only contains it). */
  exact: z.boolean(),
});
export type UserMatch = z.infer<typeof userMatchSchema>;

/** GET /api/v1/behaviour/users: exact matches first, then by records. */
export const userLookupSchema = z.object({
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  users: z.array(userMatchSchema),
  /** More users matched than `limit`: a longer text narrows the list. */
  truncated: z.boolean(),
});
export type UserLookup = z.infer<typeof userLookupSchema>;

/** The headline figures of a user over one period. */
export const profileTotalsSchema = z.object({
  events: z.number(),
  failed: z.number(),
  denied: z.number(),
  highRisk: z.number(),
  sensitive: z.number(),
  sessions: z.number(),
  /** (failure + denied) / events; 0 without events. */
  failureRate: z.number(),
  successRate: z.number(),
  activeHours: z.number(),
  offHoursEvents: z.number(),
});
export type ProfileTotals = z.infer<typeof profileTotalsSchema>;

const named = z.object({ name: z.string(), events: z.number() });

/** One figure of the user set against the user's previous period and the peers' median. */
export const deviationSchema = z.object({
  metric: z.string(),
  label: z.string(),
  value: z.number(),
  baseline: z.number(),
  peerMedian: z.number(),
  /** value / max(reference, 1): how many times the larger reference the figure is. */
  ratio: z.number(),
  message: z.string(),
});
export type Deviation = z.infer<typeof deviationSchema>;

export const profileClientSchema = z.object({
  ip: z.string(),
  userAgent: z.string(),
  /** Records from this client up to the period's end. */
  events: z.number(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  /** First seen for this user inside the period (never before it). */
  isNew: z.boolean(),
});
export type ProfileClient = z.infer<typeof profileClientSchema>;

export const profileSecurityEventSchema = z.object({
  event_id: z.string(),
  event_time: z.string(),
  trace_id: z.string(),
  event_type: z.string(),
  detection_method: z.string(),
  rule_name: z.string(),
  risk_level: z.number(),
  result: z.string(),
  ip_address: z.string(),
  description: z.string(),
});

/** GET /api/v1/behaviour/profile. */
export const profileSchema = z.object({
  tenant: z.string(),
  /** The user id (`user.id`) the profile is about. */
  user: z.string(),
  /** The roles of the user's newest records. */
  roles: z.array(z.string()),
  /** The period, rounded out to whole UTC hours (the aggregates are hourly). */
  from: z.string(),
  to: z.string(),
  baselineFrom: z.string(),
  baselineTo: z.string(),
  totals: profileTotalsSchema,
  baseline: profileTotalsSchema,
  peers: z.object({
    basis: z.enum(['role', 'tenant']),
    users: z.number(),
    median: profileTotalsSchema,
    /** Share of peers with fewer records than the user (0–1). */
    eventsPercentile: z.number(),
  }),
  deviations: z.array(deviationSchema),
  byKind: z.array(named),
  byResult: z.array(named),
  byAction: z.array(
    z.object({
      kind: z.enum(AUDIT_KINDS),
      action: z.string(),
      events: z.number(),
      failed: z.number(),
      sensitive: z.number(),
    }),
  ),
  riskDistribution: z.array(z.object({ level: z.number(), events: z.number() })),
  /** Records per ISO weekday (1 Monday … 7 Sunday) × UTC hour; only cells with records. */
  heatmap: z.array(z.object({ weekday: z.number(), hour: z.number(), events: z.number() })),
  services: z.array(named),
  resources: z.array(
    z.object({ kind: z.enum(AUDIT_KINDS), resource: z.string(), events: z.number(), sensitive: z.number() }),
  ),
  clients: z.array(profileClientSchema),
  /** Sessions with records in the period (at most 50, newest first). */
  sessions: z.array(
    z.object({
      id: z.string(),
      ip: z.string(),
      userAgent: z.string(),
      events: z.number(),
      firstSeen: z.string(),
      lastSeen: z.string(),
    }),
  ),
  sensitiveOperations: z.array(
    z.object({ kind: z.enum(AUDIT_KINDS), action: z.string(), resource: z.string(), events: z.number() }),
  ),
  /** The user's newest security events; alerts are those with a detection_method (the rule id). */
  securityEvents: z.array(profileSecurityEventSchema),
  alerts: z.number(),
});
export type Profile = z.infer<typeof profileSchema>;

/** One record a finding rests on. */
export const evidenceSchema = z.object({
  kind: z.enum(AUDIT_KINDS),
  event_id: z.string(),
  event_time: z.string(),
  trace_id: z.string(),
  ip_address: z.string(),
  summary: z.string(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** A detection of the shared vocabulary (the built-in alert rules use the same event types). */
export const detectionSchema = z.object({
  eventType: z.string(),
  name: z.string(),
  description: z.string(),
  mitre: z.object({ tactic: z.string().optional(), technique: z.string().optional() }),
});
export type Detection = z.infer<typeof detectionSchema>;

export const findingSchema = z.object({
  /** Stable for the same detection, user and first evidence record. */
  id: z.string(),
  eventType: z.string(),
  name: z.string(),
  /** 0–100: the detection's weight raised by how far the activity went past its threshold. */
  score: z.number(),
  severity: z.number(),
  userId: z.string(),
  summary: z.string(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  count: z.number(),
  mitre: z.object({ tactic: z.string().optional(), technique: z.string().optional() }),
  evidence: z.array(evidenceSchema),
  /** An alert rule that watches for this detection as records stream in (POST /alert-rules). */
  rule: ruleDocumentSchema,
});
export type Finding = z.infer<typeof findingSchema>;

/** GET /api/v1/behaviour/suspicious. */
export const suspiciousSchema = z.object({
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  findings: z.array(findingSchema),
  detections: z.array(detectionSchema),
});
export type Suspicious = z.infer<typeof suspiciousSchema>;
