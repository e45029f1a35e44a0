import type { Principal } from '../api/principal.js';
import type { InternalRecord } from '../ingest/internal-records.js';
import { normalizeIp } from '../mapping/fields.js';
import type { PolicyChange } from './policies.js';

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
  /** How the change was asked for: the HTTP method and path, or `CLI` and the command line. */
  method: string;
  path: string;
  /** The HTTP status answered (API calls only). */
  status?: number;
  /** Set on the second record of a change that failed after its first record was written. */
  failure?: string;
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
  const what = `${actor.name || actor.id} ${change.operation} ${change.targetType} ${change.targetName || change.targetId}`;
  return {
    kind: 'admin',
    tenantId: '',
    description: change.failure === undefined ? what : `${what} failed`,
    attributes: {
      'user.id': actor.id,
      'user.name': actor.name,
      'user.roles': [actor.role],
      'client.address': ip(actor.address),
      'user_agent.original': actor.userAgent,
      'audit.result': change.failure === undefined ? 'success' : 'failure',
      'audit.risk_level': 3,
      'audit.sensitive': true,
      'audit.module': 'compliance',
      'audit.operation': change.operation,
      'audit.compliance_tags': ['GB/T 22239-2019 8.1.5.2', 'PCI DSS 10.2.1.2'],
      'http.request.method': change.method,
      'url.path': change.path,
      ...(change.status === undefined ? {} : { 'http.response.status_code': change.status }),
      ...(change.failure === undefined ? {} : { 'audit.error.message': change.failure.slice(0, 1000) }),
      'audit.request.body': JSON.stringify(change.details),
      'audit.admin.target_type': change.targetType,
      'audit.admin.target_id': change.targetId,
      'audit.admin.target_name': change.targetName,
    },
  };
}

/** How an admin change was asked for (see AdminChange). */
export type AdminRequest = Pick<AdminChange, 'method' | 'path' | 'status'>;

const POLICY_OPERATION: Record<PolicyChange['action'], string> = {
  create: 'RETENTION_POLICY_CREATE',
  update: 'RETENTION_POLICY_UPDATE',
  delete: 'RETENTION_POLICY_DELETE',
};

/** The admin change of one retention policy change: its before and after in the record. */
export function policyAdminChange(change: PolicyChange, via: AdminRequest): AdminChange {
  const target = change.after ?? change.before;
  return {
    operation: POLICY_OPERATION[change.action],
    targetType: 'RETENTION_POLICY',
    targetId: target?.id ?? '',
    targetName: target?.name ?? '',
    details: { before: change.before, after: change.after },
    ...via,
  };
}
