import { createHash } from 'node:crypto';
import type { TenantReader } from '../tenants/reader.js';
import { GrafanaExpansion, toYaml, type Yaml } from './provisioning.js';
import { DEFAULT_GRAFANA_SETTINGS } from './settings.js';

/**
 * Grafana file provisioning for tenant readers (provisioning/grafana): one ClickHouse data source
 * per reader, in the Grafana organisation its users belong to, and the dashboards provider of that
 * organisation. The bundled dashboards take their data source from a variable over these data
 * sources (names starting with "AuditLens"), so a reader's data source is its dashboards' tenant.
 */

export const CLICKHOUSE_DATASOURCE_TYPE = 'grafana-clickhouse-datasource';

/** How Grafana's server reaches ClickHouse's HTTP interface; the host may be a Grafana `${VAR}`. */
export interface GrafanaClickHouse {
  host: string;
  port: number;
  secure: boolean;
}

export const DEFAULT_GRAFANA_CLICKHOUSE: GrafanaClickHouse = {
  host: '${AUDITLENS_CLICKHOUSE_HOST}',
  port: 8123,
  secure: false,
};

/** Where Grafana finds a reader's password: a variable of its environment, or a file it can read. */
export type GrafanaPassword = { env: string } | { file: string };

export interface ReaderDatasource {
  uid: string;
  name: string;
  orgId: number;
}

/** Grafana uids are at most 40 characters of letters, digits, '-' and '_'. */
function uidOf(user: string): string {
  const uid = user.replaceAll('_', '-');
  if (uid.length <= 40) return uid;
  return `${uid.slice(0, 33)}-${createHash('sha256').update(user).digest('hex').slice(0, 6)}`;
}

/**
 * The data source of a reader: "AuditLens: <tenants>" with a uid from its user name; a platform
 * reader's is the data source the alert rules and the app settings use by default.
 */
export function readerDatasource(reader: TenantReader, orgId: number): ReaderDatasource {
  if (reader.tenants === 'all') {
    return { uid: DEFAULT_GRAFANA_SETTINGS.datasourceUid, name: 'AuditLens: all tenants', orgId };
  }
  const tenants = reader.tenants.map((t) => (t === '' ? '@system' : t)).join(', ');
  return { uid: uidOf(reader.user), name: `AuditLens: ${tenants}`, orgId };
}

/** The provisioning file name of a reader's data source (and of its users.d file, with .xml). */
export const readerFileName = (reader: { user: string }, extension: 'yaml' | 'xml'): string =>
  `${reader.user}.${extension}`;

const commentLines = (header: string): string =>
  header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');

export function readerDatasourceYaml(
  reader: TenantReader,
  datasource: ReaderDatasource,
  options: { clickhouse: GrafanaClickHouse; password: GrafanaPassword; database: string; header: string },
): string {
  const { clickhouse, password } = options;
  const document: Yaml = {
    apiVersion: 1,
    datasources: [
      {
        name: datasource.name,
        uid: datasource.uid,
        orgId: datasource.orgId,
        type: CLICKHOUSE_DATASOURCE_TYPE,
        access: 'proxy',
        editable: false,
        jsonData: {
          host: new GrafanaExpansion(clickhouse.host),
          port: clickhouse.port,
          protocol: 'http',
          secure: clickhouse.secure,
          username: reader.user,
          defaultDatabase: options.database,
        },
        secureJsonData: {
          password: new GrafanaExpansion(
            'env' in password ? `\${${password.env}}` : `$__file{${password.file}}`,
          ),
        },
      },
    ],
  };
  return `${commentLines(options.header)}\n${toYaml(document)}`;
}

/**
 * What replaces a removed reader's data source file: Grafana deletes provisioned data sources only
 * when told to, so the file lists it under deleteDatasources (remove the file once Grafana ran it).
 */
export function deletedDatasourceYaml(datasource: ReaderDatasource, header: string): string {
  const document: Yaml = {
    apiVersion: 1,
    deleteDatasources: [{ name: datasource.name, orgId: datasource.orgId }],
  };
  return `${commentLines(header)}\n${toYaml(document)}`;
}

/** The dashboards provider file of an organisation: provisioning/grafana/dashboards/<this>. */
export const dashboardProviderFileName = (orgId: number): string =>
  orgId === 1 ? 'auditlens.yaml' : `auditlens-org-${orgId}.yaml`;

/**
 * Loads the dashboards bundled with the app (copied to the plugin's dist/dashboards by its build)
 * into the AuditLens folder of an organisation; the path is where the plugin is installed in the
 * Grafana container.
 */
export function dashboardProviderYaml(orgId: number): string {
  const document: Yaml = {
    apiVersion: 1,
    providers: [
      {
        name: orgId === 1 ? 'auditlens' : `auditlens-org-${orgId}`,
        orgId,
        folder: DEFAULT_GRAFANA_SETTINGS.folderTitle,
        folderUid: DEFAULT_GRAFANA_SETTINGS.folderUid,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: {
          path: '/var/lib/grafana/plugins/auditlens-audit-app/dashboards',
          foldersFromFilesStructure: false,
        },
      },
    ],
  };
  const header =
    `Generated by \`npx auditlens tenants add\`: the bundled AuditLens dashboards in organisation ${orgId}.\n` +
    "They take their tenant from the data source picked in their $datasource variable (the organisation's\n" +
    'AuditLens data sources). The path is where the plugin is installed in the Grafana container.';
  return `${commentLines(header)}\n${toYaml(document)}`;
}
