import type { Principal } from '../api/principal.js';
import type { InternalRecorder } from '../ingest/internal-records.js';
import { normalizeIp } from '../mapping/fields.js';
import type { AttributeValue } from '../otlp/values.js';

const MAX_PARAMS = 32 * 1024;

export interface AdminOperation {
  /** '' for system-level (all-tenant) configuration. */
  tenantId: string;
  operation: string;
  targetType: string;
  targetId: string;
  targetName: string;
  method: string;
  path: string;
  params: unknown;
  result: 'success' | 'failure';
  description: string;
  errorMessage?: string;
}

function clientIp(address: string): string {
  try {
    return normalizeIp(address.replace(/^::ffff:/, ''), 'client.address');
  } catch {
    return '::';
  }
}

/**
 * Writes an `audit.admin` record for a configuration change made through the API (alert rules,
 * security-event status) through the exporter's internal recorder (the ingest pipeline), and
 * waits for its commit: callers record before they apply a change, so no change goes unaudited.
 */
export async function recordAdminOperation(
  recorder: InternalRecorder,
  principal: Principal,
  op: AdminOperation,
): Promise<void> {
  let params = JSON.stringify(op.params ?? {});
  if (params.length > MAX_PARAMS) params = JSON.stringify({ truncated: true, bytes: params.length });
  const attributes: Record<string, AttributeValue> = {
    'user.id': principal.subject,
    'user.name': principal.userName,
    'user.roles': [principal.role],
    'client.address': clientIp(principal.clientAddress),
    'user_agent.original': principal.userAgent,
    'audit.result': op.result,
    'audit.risk_level': 3,
    'audit.module': 'alerting',
    'audit.operation': op.operation,
    'http.request.method': op.method,
    'url.path': op.path,
    'audit.request.params': params,
    'audit.admin.target_type': op.targetType,
    'audit.admin.target_id': op.targetId,
    'audit.admin.target_name': op.targetName,
  };
  if (op.errorMessage) attributes['audit.error.message'] = op.errorMessage.slice(0, 1000);
  await recorder.write({ kind: 'admin', tenantId: op.tenantId, description: op.description, attributes });
}
