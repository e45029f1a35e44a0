import { createHash, randomBytes } from 'node:crypto';
import { SYSTEM_TENANT } from '../config.js';
import { hasColumn, localName, onCluster, type RenderTarget, type TableDef } from '../schema/ddl.js';
import { AUDIT_TABLE_DEFS, SUMMARY_TABLE_DEFS, SUPPORT_TABLE_DEFS } from '../schema/tables.js';
import { USER_DAY_TABLE_DEF } from '../schema/user-activity.js';

/**
 * A ClickHouse reader for Grafana, bound to tenants by row policies (DESIGN §8: tenant isolation
 * in Grafana is enforced by ClickHouse, never by dashboard SQL). One definition, rendered two
 * ways that cannot drift apart: SQL DDL for a server (`tenants add --execute` or printed), and a
 * users.xml for servers configured by files and for chdb, whose `default` user it can become
 * (the dashboard boundary test runs every panel query as such a reader).
 */
export interface TenantReader {
  /** ClickHouse user name; also the name of its row policies, settings profile and quota. */
  user: string;
  /** Tenant ids it reads ('' = system-level records), or every tenant (a platform reader). */
  tenants: readonly string[] | 'all';
}

/** Where tenant ids are, in every table a reader may read. */
const TENANT_COLUMN = 'tenant_id';

/**
 * Tables without a tenant column, which readers may not read at all: retention policies and alert
 * rule definitions are administered through the exporter's API, the migration log is internal;
 * and the storage snapshots, which have a tenant column but also the disk's figures, the
 * platform's (the API serves a tenant its own rows).
 */
export const TABLES_READERS_CANNOT_READ = [
  'audit_retention_policy',
  'audit_alert_rule',
  'schema_migrations',
  'audit_storage_snapshot',
];

/**
 * Every table of the schema that has a tenant column: audit tables, the access log, summaries,
 * security-event status, integrity checkpoints, alert state and history, reports. A reader gets
 * SELECT on these and a row policy on each; a table added later with a tenant column is covered by
 * the next `tenants add`, one without is not readable (the schema test makes every table one or
 * the other).
 */
export const READER_TABLES: readonly string[] = [
  ...AUDIT_TABLE_DEFS,
  ...SUMMARY_TABLE_DEFS,
  USER_DAY_TABLE_DEF,
  ...SUPPORT_TABLE_DEFS,
]
  .filter((table: TableDef) => hasColumn(table, TENANT_COLUMN))
  .map((table) => table.name);

/**
 * Session settings of a reader. Read-only, but `readonly = 2` rather than 1: Grafana's ClickHouse
 * driver sets `max_execution_time` with every query, which `readonly = 1` refuses (and its
 * `CHANGEABLE_IN_READONLY` escape needs a server setting chdb does not read); the constraint keeps
 * that setting within bounds. DDL and writes are refused by the grants either way.
 */
export const READER_SETTINGS = {
  readonly: 2,
  maxExecutionTime: { value: 60, min: 1, max: 300 },
} as const;

/** Per reader and hour: enough for dashboards refreshing for a team, not for a scraping loop. */
export const READER_QUOTA = {
  intervalSeconds: 3600,
  queries: 50_000,
  errors: 5_000,
  resultRows: 1_000_000_000,
  readRows: 100_000_000_000,
  executionTimeSeconds: 7_200,
} as const;

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const USER_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/** A tenant as the exporter's tokens name it: `@system` is the system level (tenant id ''). */
export function tenantId(tenant: string): string {
  if (tenant === SYSTEM_TENANT) return '';
  if (!TENANT_PATTERN.test(tenant)) {
    throw new Error(
      `tenant "${tenant}": use 1-128 letters, digits, '_', '.', ':' or '-' (starting with a letter or digit), or ${SYSTEM_TENANT}`,
    );
  }
  return tenant;
}

/** `auditlens_reader_<tenant>`; a tenant that is not a plain lower-case name gets a digest suffix. */
export function defaultReaderUser(tenant: string): string {
  const slug = tenant.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const suffix = slug === tenant ? '' : `_${createHash('sha256').update(tenant).digest('hex').slice(0, 6)}`;
  return `auditlens_reader_${slug.slice(0, 40)}${suffix}`;
}

function checkedUser(user: string): string {
  if (!USER_PATTERN.test(user)) {
    throw new Error(`user "${user}": use 1-63 lower-case letters, digits or '_', starting with a letter`);
  }
  return user;
}

/** The reader of one or more tenants; several tenants need an explicit user name. */
export function tenantReader(tenants: readonly string[], user?: string): TenantReader {
  const [first, ...rest] = tenants;
  if (first === undefined) throw new Error('name at least one tenant');
  if (rest.length > 0 && !user) throw new Error('a reader of several tenants needs --user <name>');
  return { user: checkedUser(user ?? defaultReaderUser(first)), tenants: tenants.map(tenantId) };
}

export const DEFAULT_PLATFORM_READER = 'auditlens_platform_reader';

/** A reader of every tenant (platform operators, Grafana alerting): explicit, never implied. */
export function platformReader(user = DEFAULT_PLATFORM_READER): TenantReader {
  return { user: checkedUser(user), tenants: 'all' };
}

/** A ClickHouse string literal: backslashes and quotes escaped (ClickHouse honours both). */
export function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The row filter of a reader, the same text in the DDL and in users.xml. */
export function rowFilter(reader: TenantReader): string {
  if (reader.tenants === 'all') return '1';
  return `${TENANT_COLUMN} IN (${reader.tenants.map(sqlString).join(', ')})`;
}

/**
 * The tables a reader's grants and policies cover: on a cluster both the Distributed tables it
 * queries and the `_local` tables its query reads on every shard (where the initial user's row
 * policies apply too).
 */
export function readerTables(target: RenderTarget): string[] {
  return READER_TABLES.flatMap((name) => {
    const local = localName(name, target);
    return local === name ? [name] : [name, local];
  });
}

/**
 * How a reader proves its identity: a password; or one ClickHouse reads from its environment
 * (users.xml; the DDL needs its value); or none, for chdb, which runs in-process as `default`
 * and accepts no password (no network, nothing to authenticate).
 */
export type ReaderPassword = { value: string } | { env: string; value?: string } | { inProcess: true };

function passwordValue(password: ReaderPassword): string {
  if ('inProcess' in password) throw new Error('a server reader needs a password');
  if (password.value === undefined) {
    const variable = 'env' in password ? password.env : 'the password variable';
    throw new Error(
      `${variable} is not set: the DDL needs the reader's password (--no-ddl writes the files only)`,
    );
  }
  return password.value;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const quoteIdentifier = (name: string): string => `\`${name}\``;

/**
 * DDL that creates (or replaces) a reader on a server: user with a salted SHA-256 of its password
 * (the password itself never appears), quota, one row policy over every reader table, and SELECT
 * on each of them and nothing else. Run again, it resets the reader to this definition.
 */
export function readerDdl(reader: TenantReader, password: ReaderPassword, target: RenderTarget): string[] {
  const user = quoteIdentifier(reader.user);
  const cluster = onCluster(target);
  const salt = randomBytes(16).toString('hex');
  const { maxExecutionTime: time } = READER_SETTINGS;
  const q = READER_QUOTA;
  const tables = readerTables(target).map((table) => `${target.database}.${table}`);
  return [
    `CREATE USER OR REPLACE ${user}${cluster} IDENTIFIED WITH sha256_hash BY ` +
      `'${sha256Hex(passwordValue(password) + salt)}' SALT '${salt}' DEFAULT DATABASE ${target.database} ` +
      `SETTINGS readonly = ${READER_SETTINGS.readonly}, max_execution_time = ${time.value} MIN ${time.min} MAX ${time.max}`,
    `CREATE QUOTA OR REPLACE ${user}${cluster} FOR INTERVAL ${q.intervalSeconds} second MAX ` +
      `queries = ${q.queries}, errors = ${q.errors}, result_rows = ${q.resultRows}, read_rows = ${q.readRows}, ` +
      `execution_time = ${q.executionTimeSeconds} TO ${user}`,
    `CREATE ROW POLICY OR REPLACE ${user}${cluster} ON ${tables.join(', ')} FOR SELECT USING ${rowFilter(reader)} TO ${user}`,
    ...tables.map((table) => `GRANT${cluster} SELECT ON ${table} TO ${user}`),
  ];
}

/** DDL that removes a reader: its row policies, quota and user (with its grants). */
export function dropReaderDdl(user: string, target: RenderTarget): string[] {
  const name = quoteIdentifier(checkedUser(user));
  const cluster = onCluster(target);
  const tables = readerTables(target).map((table) => `${target.database}.${table}`);
  return [
    `DROP ROW POLICY IF EXISTS ${name}${cluster} ON ${tables.join(', ')}`,
    `DROP QUOTA IF EXISTS ${name}${cluster}`,
    `DROP USER IF EXISTS ${name}${cluster}`,
  ];
}

const xmlText = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function xmlPassword(password: ReaderPassword): string {
  if ('inProcess' in password) return '<no_password/>';
  if ('env' in password) return `<password from_env="${xmlText(password.env)}"/>`;
  return `<password_sha256_hex>${sha256Hex(password.value)}</password_sha256_hex>`;
}

/**
 * The same reader as a users.xml document: a server's users.d file, or, with the in-process
 * password, a whole chdb users file in which the reader is the `default` user (chdb runs every
 * query as `default`; the dashboard boundary test opens such a session) and which defines the
 * `default` profile chdb needs. users.xml cannot salt a SHA-256, so a password given by value is
 * stored unsalted here; one from the environment is read by ClickHouse itself.
 */
export function readerUsersXml(
  reader: TenantReader,
  password: ReaderPassword,
  target: RenderTarget,
  header?: string,
): string {
  const name = reader.user;
  const inProcess = 'inProcess' in password;
  const userElement = inProcess ? 'default' : name;
  const { maxExecutionTime: time } = READER_SETTINGS;
  const q = READER_QUOTA;
  const tables = readerTables(target);
  const filter = xmlText(rowFilter(reader));
  const lines = [
    ...(header ? [`<!-- ${header.replaceAll('--', '- -')} -->`] : []),
    '<clickhouse>',
    '    <profiles>',
    ...(inProcess ? ['        <default/>'] : []),
    `        <${name}>`,
    `            <readonly>${READER_SETTINGS.readonly}</readonly>`,
    `            <max_execution_time>${time.value}</max_execution_time>`,
    '            <constraints>',
    `                <max_execution_time><min>${time.min}</min><max>${time.max}</max></max_execution_time>`,
    '            </constraints>',
    `        </${name}>`,
    '    </profiles>',
    '    <quotas>',
    `        <${name}>`,
    '            <interval>',
    `                <duration>${q.intervalSeconds}</duration>`,
    `                <queries>${q.queries}</queries>`,
    `                <errors>${q.errors}</errors>`,
    `                <result_rows>${q.resultRows}</result_rows>`,
    `                <read_rows>${q.readRows}</read_rows>`,
    `                <execution_time>${q.executionTimeSeconds}</execution_time>`,
    '            </interval>',
    `        </${name}>`,
    '    </quotas>',
    '    <users>',
    `        <${userElement}>`,
    `            ${xmlPassword(password)}`,
    '            <networks><ip>::/0</ip></networks>',
    `            <profile>${name}</profile>`,
    `            <quota>${name}</quota>`,
    `            <default_database>${target.database}</default_database>`,
    '            <grants>',
    ...tables.map((table) => `                <query>GRANT SELECT ON ${target.database}.${table}</query>`),
    '            </grants>',
    '            <databases>',
    `                <${target.database}>`,
    ...tables.map((table) => `                    <${table}><filter>${filter}</filter></${table}>`),
    `                </${target.database}>`,
    '            </databases>',
    `        </${userElement}>`,
    '    </users>',
    '</clickhouse>',
  ];
  return `${lines.join('\n')}\n`;
}
