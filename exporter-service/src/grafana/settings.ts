import type { ExporterConfig } from '../config.js';

/** Where and how alert rules are delivered to Grafana (Grafana-managed alert rules). */
export interface GrafanaSettings {
  /** Grafana root URL, e.g. http://grafana:3000 (unset: no sync from the exporter). */
  url: string | undefined;
  /** Service-account token (Bearer). */
  token: string | undefined;
  /** UID of the ClickHouse data source (grafana-clickhouse-datasource) the rules query. */
  datasourceUid: string;
  /** Folder holding the rules (created when missing). */
  folderUid: string;
  folderTitle: string;
  /** The one rule group all AuditLens rules live in. */
  ruleGroup: string;
  /** ClickHouse database of the audit tables. */
  database: string;
  /** Public Grafana URL for links in annotations (default: relative links). */
  publicUrl: string | undefined;
}

export const DEFAULT_GRAFANA_SETTINGS: GrafanaSettings = {
  url: undefined,
  token: undefined,
  datasourceUid: 'auditlens-clickhouse',
  folderUid: 'auditlens',
  folderTitle: 'AuditLens',
  ruleGroup: 'AuditLens',
  database: 'audit',
  publicUrl: undefined,
};

/** Delivery settings from the exporter's validated configuration. */
export function grafanaSettingsFrom(config: ExporterConfig): GrafanaSettings {
  const { grafana } = config;
  return {
    ...DEFAULT_GRAFANA_SETTINGS,
    url: grafana.url,
    token: grafana.token,
    datasourceUid: grafana.datasourceUid ?? DEFAULT_GRAFANA_SETTINGS.datasourceUid,
    folderUid: grafana.folderUid ?? DEFAULT_GRAFANA_SETTINGS.folderUid,
    database: config.clickhouse.database,
    publicUrl: grafana.publicUrl,
  };
}
