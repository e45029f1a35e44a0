import type { Principal } from '../api/principal.js';
import type { InternalRecord } from '../internal-records.js';
import { normalizeIp } from '../mapping/fields.js';

/** Who made a change: an API principal or a CLI user. */
export interface Actor {
  id: string;
  name: string;
  role: string;
  address: string;
  userAgent: string;
}

export function actorOf(principal: Principal): Actor {
  return {
    id: principal.subject,
    name: principal.userName,
    role: principal.role,
    address: principal.clientAddress,
    userAgent: principal.userAgent,
  };
}

export interface AdminChange {
  operation: string;
  targetType: string;
  targetId: string;
  targetName: string;
  /** before/after or parameters, stored as the record's request body (JSON). */
  details: unknown;
  method: string;
  path: string;
  status: number;
}

function ip(address: string): string {
  try {
    return normalizeIp(address.replace(/^::ffff:/, ''), 'client.address');
  } catch {
    return '::';
  }
}

/**
 * The `audit.admin` record (system level, tenant '') of a compliance configuration change:
 * retention policies, presets, re-applied retention, archiving. Written through the pipeline by
 * the InternalRecorder like any record, so it is deduplicated, committed and sealed.
 */
export function adminRecord(change: AdminChange, actor: Actor): InternalRecord {
  return {
    kind: 'admin',
    tenantId: '',
    description: `${actor.name || actor.id} ${change.operation} ${change.targetType} ${change.targetName || change.targetId}`,
    attributes: {
      'user.id': actor.id,
      'user.name': actor.name,
      'user.roles': [actor.role],
      'client.address': ip(actor.address),
      'user_agent.original': actor.userAgent,
      'audit.result': 'success',
      'audit.risk_level': 3,
      'audit.sensitive': true,
      'audit.module': 'compliance',
      'audit.operation': change.operation,
      'audit.compliance_tags': ['GB/T 22239-2019 8.1.5.2', 'PCI DSS 10.2.1.2'],
      'http.request.method': change.method,
      'url.path': change.path,
      'http.response.status_code': change.status,
      'audit.request.body': JSON.stringify(change.details),
      'audit.admin.target_type': change.targetType,
      'audit.admin.target_id': change.targetId,
      'audit.admin.target_name': change.targetName,
    },
  };
}
