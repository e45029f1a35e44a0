import { z } from 'zod';

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

const UID = /^[a-zA-Z0-9_-]{1,40}$/;

const envSchema = z.object({
  AUDITLENS_GRAFANA_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDITLENS_GRAFANA_TOKEN: z.string().min(1).optional(),
  AUDITLENS_GRAFANA_DATASOURCE_UID: z
    .string()
    .regex(UID, 'a Grafana uid: letters, digits, - and _')
    .optional(),
  AUDITLENS_GRAFANA_FOLDER_UID: z.string().regex(UID, 'a Grafana uid: letters, digits, - and _').optional(),
  AUDITLENS_GRAFANA_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDITLENS_CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
    .optional(),
});

/** Settings from AUDITLENS_GRAFANA_* variables (validated; the message names the variable). */
export function grafanaSettingsFromEnv(env: NodeJS.ProcessEnv): GrafanaSettings {
  const picked = Object.fromEntries(
    Object.keys(envSchema.shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])),
  );
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    throw new Error(
      `invalid Grafana configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const e = parsed.data;
  return {
    ...DEFAULT_GRAFANA_SETTINGS,
    url: e.AUDITLENS_GRAFANA_URL?.replace(/\/+$/, ''),
    token: e.AUDITLENS_GRAFANA_TOKEN,
    datasourceUid: e.AUDITLENS_GRAFANA_DATASOURCE_UID ?? DEFAULT_GRAFANA_SETTINGS.datasourceUid,
    folderUid: e.AUDITLENS_GRAFANA_FOLDER_UID ?? DEFAULT_GRAFANA_SETTINGS.folderUid,
    database: e.AUDITLENS_CLICKHOUSE_DATABASE ?? DEFAULT_GRAFANA_SETTINGS.database,
    publicUrl: e.AUDITLENS_GRAFANA_PUBLIC_URL?.replace(/\/+$/, ''),
  };
}
