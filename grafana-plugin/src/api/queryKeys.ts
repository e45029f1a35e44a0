import type { QueryValue } from './client';

/** Parameters of one exporter call (tenant, period, filters), part of its query key. */
export type CallParams = Record<string, QueryValue>;

const ROOT = 'auditlens';

/**
 * Every query key of the app, in one place: [app, resource, …what identifies the answer]. A
 * change invalidates a whole resource (`queryKeys.resource('security-events')`); the refresh
 * button invalidates the app (`queryKeys.all`).
 */
export const queryKeys = {
  all: [ROOT] as const,
  resource: (resource: Resource) => [ROOT, resource] as const,
  stats: (params: CallParams) => [ROOT, 'stats', params] as const,
  usage: (params: CallParams) => [ROOT, 'stats', 'usage', params] as const,
  incidents: (tenant: string) => [ROOT, 'alerts', 'incidents', tenant] as const,
  search: (params: CallParams) => [ROOT, 'search', params] as const,
  record: (tenant: string, kind: string, eventId: string) =>
    [ROOT, 'search', 'record', tenant, kind, eventId] as const,
  trace: (tenant: string, traceId: string) => [ROOT, 'search', 'trace', tenant, traceId] as const,
  securityEvents: (params: CallParams) => [ROOT, 'security-events', 'list', params] as const,
  securityQueue: (params: CallParams) => [ROOT, 'security-events', 'queue', params] as const,
  securityEvent: (tenant: string, eventId: string) =>
    [ROOT, 'security-events', 'detail', tenant, eventId] as const,
  alertRules: (tenant: string) => [ROOT, 'alert-rules', tenant] as const,
  grafanaSync: (tenant: string, datasourceUid: string) =>
    [ROOT, 'alert-rules', 'grafana', tenant, datasourceUid] as const,
  contactPoints: () => [ROOT, 'grafana', 'contact-points'] as const,
  reports: (tenant: string) => [ROOT, 'reports', tenant] as const,
  report: (tenant: string, id: string) => [ROOT, 'reports', tenant, id] as const,
  retentionPolicies: () => [ROOT, 'retention', 'policies'] as const,
  retentionStatus: (tenant: string) => [ROOT, 'retention', 'status', tenant] as const,
  publicKey: () => [ROOT, 'integrity', 'public-key'] as const,
  storageGrowth: (tenant: string, from: number, to: number) =>
    [ROOT, 'retention', 'storage', tenant, from, to] as const,
  profile: (params: CallParams) => [ROOT, 'behaviour', 'profile', params] as const,
  suspicious: (params: CallParams) => [ROOT, 'behaviour', 'suspicious', params] as const,
  users: (params: CallParams) => [ROOT, 'behaviour', 'users', params] as const,
  grafanaSql: (path: string, params: CallParams) => [ROOT, 'sql', path, params] as const,
};

/** The resources a change can invalidate. */
export type Resource = 'alerts' | 'alert-rules' | 'security-events' | 'reports' | 'retention';
