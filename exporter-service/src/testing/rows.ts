// Rows for tests that drive the ingest hooks or the alert engine directly, without OTLP.
import { randomUUID } from 'node:crypto';
import type { EngineRow } from '../alerts/compile.js';
import type { AlertRuleInput } from '../alerts/rule-model.js';
import { buildRow, type AuditRow } from '../mapping/row.js';

/** A failed login mapped as the exporter maps it: an audit_security_log row; `attributes` add to it. */
export function securityAuditRow(
  tenantId: string,
  eventTimeMs: number,
  attributes: Record<string, string> = {},
): AuditRow {
  return buildRow(
    {
      kind: 'security',
      tenantId,
      eventId: randomUUID(),
      eventTimeMs,
      traceId: '',
      spanId: '',
      parentSpanId: '',
      description: 'login failed',
      resource: new Map([['service.name', 'svc']]),
    },
    new Map(Object.entries({ 'audit.security.event_type': 'LOGIN_FAILED', ...attributes })),
    { maxAttributeBytes: 65_536, maxFutureSkewMs: 60_000 },
  );
}

/** A failed login as the alert engine sees a committed security row; `values` override columns. */
export function failedLoginEngineRow(
  timeMs: number,
  values: Record<string, unknown> = {},
  tenantId = 'acme',
): EngineRow {
  return {
    table: 'audit_security_log',
    tenantId,
    eventId: randomUUID(),
    timeMs,
    values: {
      service: 'shop',
      event_type: 'LOGIN_FAILED',
      ip_address: '::ffff:198.51.100.4',
      user_id: 'u-1',
      user_roles: [],
      risk_level: 2,
      detection_method: '',
      attributes: {},
      ...values,
    },
  };
}

/** A threshold rule: more than `threshold` failed logins from one IP within 5 minutes. */
export function failedLoginsRule(
  id: string,
  threshold: number,
): Extract<AlertRuleInput, { kind: 'threshold' }> {
  return {
    id,
    name: 'brute force',
    kind: 'threshold',
    source: 'security',
    filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    groupBy: ['ip_address'],
    window: '5m',
    threshold,
  };
}
