import type { AuditRow, Stats } from '../api/schemas';

export function row(overrides: Partial<AuditRow> = {}): AuditRow {
  return {
    kind: 'security',
    event_id: '0190c3a2-0000-7000-8000-000000000001',
    event_time: '2025-01-15 10:00:00.000',
    tenant_id: 'acme',
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    service: 'shop-api',
    user_id: 'alice',
    username: 'Alice',
    session_id: 's-1',
    ip_address: '::ffff:192.0.2.10',
    result: 'failure',
    risk_level: 3,
    is_sensitive: false,
    module: 'auth',
    operation_name: 'login',
    description: 'login failed',
    summary: 'LOGIN_FAILED',
    ...overrides,
  };
}

export const STATS: Stats = {
  from: '2025-01-14T10:00:00.000Z',
  to: '2025-01-15T10:00:00.000Z',
  total: 1234,
  failed: 56,
  highRisk: 7,
  sensitive: 3,
  uniqueUsers: 42,
  uniqueIps: 17,
  errorRate: 56 / 1234,
  riskRate: 7 / 1234,
  byKind: { request: 1000, security: 200, admin: 34 },
  byResult: { success: 1178, failure: 56 },
  topActions: [{ action: 'login', events: 300 }],
  trend: [
    { bucket: '2025-01-15 09:00:00', events: 600, failed: 20, highRisk: 3 },
    { bucket: '2025-01-15 10:00:00', events: 634, failed: 36, highRisk: 4 },
  ],
  trendStepMs: 3_600_000,
};

export const EMPTY_STATS: Stats = {
  ...STATS,
  total: 0,
  failed: 0,
  highRisk: 0,
  sensitive: 0,
  uniqueUsers: 0,
  uniqueIps: 0,
  errorRate: 0,
  riskRate: 0,
  byKind: {},
  byResult: {},
  topActions: [],
  trend: [],
};
