/**
 * What audit records are (DESIGN §3, §4): their kinds and the values their fields may take. Shared
 * by the SDK (what it sends), the exporter (what it accepts, stores and serves) and the Grafana app
 * (what it shows and filters by).
 */

/** The record kinds, each with its table; `access` is written by the exporter itself. */
export const AUDIT_KINDS = [
  'request',
  'db_operation',
  'field_change',
  'security',
  'admin',
  'access',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** The OpenTelemetry EventName that marks a LogRecord as a record of each kind. */
export const EVENT_NAMES = {
  request: 'audit.request',
  db_operation: 'audit.db_operation',
  field_change: 'audit.field_change',
  security: 'audit.security',
  admin: 'audit.admin',
  access: 'audit.access',
} as const satisfies Record<AuditKind, `audit.${AuditKind}`>;

/** `audit.result`: the outcome of the audited operation. */
export const RESULTS = ['success', 'failure', 'partial', 'denied'] as const;
export type AuditResult = (typeof RESULTS)[number];

/** `audit.risk_level`: 1 low, 2 medium, 3 high, 4 critical. */
export const RiskLevel = { low: 1, medium: 2, high: 3, critical: 4 } as const;
export type RiskLevel = (typeof RiskLevel)[keyof typeof RiskLevel];

/** `audit.change.type` of a field change. */
export const CHANGE_TYPES = ['INSERT', 'UPDATE', 'DELETE'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** `audit.approval.status` of field changes and admin operations ('' = no approval workflow). */
export const APPROVAL_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'NOT_REQUIRED'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** `audit.access.type`: what an `audit.access` record is about; `denied` = a refused API call (PCI DSS 10.2.1.4). */
export const ACCESS_TYPES = ['search', 'read', 'export', 'report', 'verify', 'denied'] as const;
export type AccessType = (typeof ACCESS_TYPES)[number];
