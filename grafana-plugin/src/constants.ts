import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Page paths under the app's base URL (react-router v6, relative). */
export enum ROUTES {
  Overview = 'overview',
  Explore = 'explore',
  SecurityEvents = 'security-events',
  AlertRules = 'alert-rules',
  Compliance = 'compliance',
  Retention = 'retention',
  /** Where the exporter's Grafana rules link to (alert annotations): redirects to the incident or rule. */
  Alerts = 'alerts',
}

/** Drill-in pages under a page (their breadcrumb is the page's, then theirs). */
export const TRACE_PATH = `${ROUTES.Explore}/trace`;

/** RBAC actions declared in plugin.json `roles`; pages and every mutation check them. */
export const ACTIONS = {
  read: `${PLUGIN_ID}.audit:read`,
  triage: `${PLUGIN_ID}.events:triage`,
  rulesWrite: `${PLUGIN_ID}.rules:write`,
  reportsCreate: `${PLUGIN_ID}.reports:create`,
  retentionWrite: `${PLUGIN_ID}.retention:write`,
} as const;

export type Action = (typeof ACTIONS)[keyof typeof ACTIONS];

/** The provisioned ClickHouse data source of the platform reader (provisioning/grafana/datasources). */
export const DEFAULT_DATASOURCE_UID = 'auditlens-clickhouse';

/**
 * The name `npx auditlens tenants add <tenant>` gives the tenant's ClickHouse data source (the
 * exporter's grafana/reader-datasource.ts). The dashboards take their tenant from that data source.
 */
export const tenantDatasourceName = (tenant: string): string => `AuditLens: ${tenant}`;

/** Grafana's plugin proxy in front of the exporter (plugin.json `routes`). */
export const PROXY_BASE = `api/plugin-proxy/${PLUGIN_ID}`;

/** Tenant value for system-level records (the exporter's `@system`). */
export const SYSTEM_TENANT = '@system';

/** Settings stored by the configuration page (plugin jsonData). */
export interface AppJsonData {
  exporterUrl?: string;
  datasourceUid?: string;
  tenants?: string[];
  /** Trace ids link to this tracing data source (else the organisation's first one). */
  tracingDatasourceUid?: string;
}

/** Secure settings: only whether they are set is ever visible to the browser. */
export interface AppSecureJsonData {
  apiToken?: string;
}

export const DASHBOARDS = [
  { uid: 'auditlens-overview', title: 'Audit overview' },
  { uid: 'auditlens-security', title: 'Security' },
  { uid: 'auditlens-admin-ops', title: 'Admin operations' },
  { uid: 'auditlens-data-changes', title: 'Data changes' },
  { uid: 'auditlens-user-activity', title: 'User activity' },
  { uid: 'auditlens-pipeline', title: 'Pipeline health & data quality' },
] as const;
