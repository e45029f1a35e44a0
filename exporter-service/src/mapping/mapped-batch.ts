import type { AuditRow } from './row.js';

/** One record refused, with the reason (returned to the sender in partial_success). */
export interface Rejection {
  reason: string;
  message: string;
}

export interface MappedBatch {
  rows: AuditRow[];
  rejections: Rejection[];
  /** Records that are not audit records (unknown EventName); not an error. */
  skipped: number;
}

export interface TenantContext {
  /** Tenant for records that name none (a token bound to exactly one tenant). */
  defaultTenant: string;
}
