import type { InternalRecorder } from '../internal-records.js';
import { normalizeIp } from '../mapping/fields.js';
import type { Principal } from './principal.js';

export type AccessType = 'search' | 'read' | 'export' | 'report' | 'verify';

export interface AccessEvent {
  tenantId: string;
  type: AccessType;
  /** The API resource, e.g. "GET /api/v1/search". */
  resource: string;
  /** The filter the caller used (stored as JSON). */
  filter: Record<string, unknown>;
  rows: number;
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
 * commit, so data is never served when its access could not be recorded.
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
}
