import type { ApprovalStatus, AuditResult, RiskLevel } from '@auditlens/contract';

export { RiskLevel, type AuditResult } from '@auditlens/contract';

/**
 * Who acts, for whom, from where. Set once per request by the middleware (or by `runAs` for jobs
 * and system operations) and attached to every record emitted in that async context.
 */
export interface AuditIdentity {
  /** Empty string for system-level operations that belong to no tenant. */
  tenantId?: string;
  userId?: string;
  userName?: string;
  roles?: string[];
  sessionId?: string;
  clientAddress?: string;
  userAgent?: string;
}

/** Fields every typed call accepts; they override what the context and the call derive. */
export interface CommonRecordFields {
  /** Human-readable description: the record's body. */
  description?: string;
  result?: AuditResult;
  riskLevel?: RiskLevel;
  sensitive?: boolean;
  module?: string;
  operation?: string;
  complianceTags?: string[];
  /** Overrides fields of the identity taken from the async context, for this one record. */
  identity?: AuditIdentity;
  /** Record time; defaults to now. */
  timestamp?: Date | number;
  /** Extra attributes (custom metadata). Keys matching the redaction list are masked. */
  attributes?: Record<string, AuditAttributeValue>;
}

export type AuditAttributeValue = string | number | boolean | string[] | number[] | boolean[];

/** Approval workflow fields of admin operations and field changes. */
export interface ApprovalInfo {
  required?: boolean;
  status?: ApprovalStatus;
  approverId?: string;
  /** When the approval was given. */
  time?: Date | number;
  comment?: string;
}

/** What a typed call returns: the event id of the record, for linking. */
export interface RecordedEvent {
  eventId: string;
}
