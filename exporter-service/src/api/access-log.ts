import type { InternalRecorder } from '../ingest/internal-records.js';
import type { AccessType as AccessRecordType } from '@auditlens/contract';
import { normalizeIp } from '../mapping/fields.js';
import type { DeniedReason } from '@auditlens/contract/rest';
import type { Principal } from './principal.js';

/** What an access to audit data was (a refused call, `denied`, is DeniedAccessLog's). */
export type AccessType = Exclude<AccessRecordType, 'denied'>;

export interface AccessEvent {
  tenantId: string;
  type: AccessType;
  /** The API resource, e.g. "GET /api/v1/search". */
  resource: string;
  /** The filter the caller used (stored as JSON). */
  filter: Record<string, unknown>;
  rows: number;
}

/** One refused API call (401 or 403). */
export interface DeniedAttempt {
  status: number;
  reason: DeniedReason;
  /** "GET /api/v1/search" (the path without its query). */
  resource: string;
  /** The tenant the call asked for ('' when none). */
  tenant: string;
  /** The credential: a token digest, or "anonymous" when none was presented. */
  subject: string;
  userName: string;
  clientAddress: string;
  userAgent: string;
}

/** Refused calls of one rate-limit window that got no record of their own. */
export interface DeniedSummary {
  fromMs: number;
  toMs: number;
  count: number;
  /** The sources with the most unrecorded refusals: client address, reason, count. */
  top: { clientAddress: string; reason: DeniedReason; count: number }[];
}

function clientIp(address: string): string {
  try {
    return normalizeIp(address.replace(/^::ffff:/, ''), 'client.address');
  } catch {
    return '::';
  }
}

/**
 * Writes an `audit.access` record for every read of audit data (PCI DSS 10.2.1.1/10.2.1.3,
 * GB/T 22239 8.1.5.2): who, which filter, how many rows. Fail-closed: the caller awaits the
 * commit, so data is never served when its access could not be recorded. Refused calls get a
 * record too (result `denied`, PCI DSS 10.2.1.4), at system level: their tenant is whatever the
 * caller asked for, not a tenant the record belongs to.
 */
export class AccessLog {
  constructor(private readonly recorder: InternalRecorder) {}

  async record(principal: Principal, event: AccessEvent): Promise<void> {
    await this.recorder.write({
      kind: 'access',
      tenantId: event.tenantId,
      description: `${principal.userName || principal.subject} ${event.type} ${event.resource} (${event.rows} rows)`,
      attributes: {
        'user.id': principal.subject,
        'user.name': principal.userName,
        'user.roles': [principal.role],
        'client.address': clientIp(principal.clientAddress),
        'user_agent.original': principal.userAgent,
        'audit.result': 'success',
        'audit.risk_level': event.type === 'export' ? 2 : 1,
        'audit.module': 'audit-api',
        'audit.operation': event.type,
        'audit.access.type': event.type,
        'audit.access.resource': event.resource,
        'audit.access.filter': JSON.stringify(event.filter),
        'audit.access.rows': event.rows,
      },
    });
  }

  async denied(attempt: DeniedAttempt): Promise<void> {
    await this.recorder.write({
      kind: 'access',
      tenantId: '',
      description: `${attempt.userName || attempt.subject} refused ${attempt.resource}: ${attempt.reason} (${attempt.status})`,
      attributes: {
        'user.id': attempt.subject,
        'user.name': attempt.userName,
        'client.address': clientIp(attempt.clientAddress),
        'user_agent.original': attempt.userAgent,
        'audit.result': 'denied',
        'audit.risk_level': 2,
        'audit.module': 'audit-api',
        'audit.operation': attempt.reason,
        'audit.compliance_tags': ['PCI DSS 10.2.1.4'],
        'http.response.status_code': attempt.status,
        'audit.access.type': 'denied',
        'audit.access.resource': attempt.resource,
        'audit.access.filter': JSON.stringify({ tenant: attempt.tenant, reason: attempt.reason }),
        'audit.access.rows': 0,
      },
    });
  }

  async deniedSummary(summary: DeniedSummary): Promise<void> {
    const from = new Date(summary.fromMs).toISOString();
    const to = new Date(summary.toMs).toISOString();
    await this.recorder.write({
      kind: 'access',
      tenantId: '',
      description: `${summary.count} further refused API calls between ${from} and ${to} (rate limit: counted, not recorded one by one)`,
      attributes: {
        'user.id': 'rate-limit',
        'audit.result': 'denied',
        'audit.risk_level': 3,
        'audit.module': 'audit-api',
        'audit.operation': 'denied-unrecorded',
        'audit.compliance_tags': ['PCI DSS 10.2.1.4'],
        'audit.access.type': 'denied',
        'audit.access.resource': 'refused API calls',
        'audit.access.filter': JSON.stringify({ from, to, count: summary.count, top: summary.top }),
        'audit.access.rows': 0,
      },
    });
  }
}
