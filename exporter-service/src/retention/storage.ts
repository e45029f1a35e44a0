import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore, QueryParams } from '../store/store.js';
import { archiveTable } from '../store/audit-source.js';
import { onCluster, storageTable, type RenderTarget } from '../schema/ddl.js';
import { EVENT_ID_PROJECTION } from '../schema/migrations.js';
import { rowRetention, totalDays, type RetentionPolicies, type RetentionPolicy } from './policies.js';

/** SQL condition selecting the rows a policy matches (values as parameters named with `n`). */
function matchSql(p: RetentionPolicy, n: number, params: QueryParams): string {
  const parts: string[] = [];
  const selector = p.module.toUpperCase();
  if (selector === 'SENSITIVE') parts.push('is_sensitive');
  else if (selector === 'NORMAL') parts.push('NOT is_sensitive');
  else if (selector !== 'ALL' && selector !== '') {
    parts.push(`module = {module${n}:String}`);
    params[`module${n}`] = p.module;
  }
  if (p.riskLevel !== null) {
    parts.push(`risk_level >= {risk${n}:UInt8}`);
    params[`risk${n}`] = p.riskLevel;
  }
  return parts.length === 0 ? '1' : parts.join(' AND ');
}

/** multiIf() expressions giving each row the retention_days / online_days of its policy (as at ingest). */
export function retentionExpressions(
  policies: readonly RetentionPolicy[],
): { retention: string; online: string; params: QueryParams } | undefined {
  if (policies.length === 0) return undefined;
  const params: QueryParams = {};
  const conditions = policies.map((p, i) => matchSql(p, i, params));
  const fallback = [...policies].sort((a, b) => totalDays(b) - totalDays(a))[0] ?? policies[0];
  if (!fallback) return undefined;
  const expression = (pick: (p: RetentionPolicy) => number): string =>
    `multiIf(${policies.map((p, i) => `${conditions[i]}, ${pick(p)}`).join(', ')}, ${pick(fallback)})`;
  return {
    retention: expression((p) => rowRetention(p).retentionDays),
    online: expression((p) => rowRetention(p).onlineDays),
    params,
  };
}

export interface ReapplyResult {
  table: string;
  /** Rows whose retention changed (counted before the mutation). */
  rows: number;
  policies: number;
}

/**
 * Re-applies the current policies to stored rows (the re-TTL of docs/compliance.md): one
 * `ALTER TABLE … UPDATE retention_days, online_days` mutation per table (and archive table) whose
 * rows differ. ClickHouse rewrites the affected parts; `wait` waits for the mutation to finish.
 */
export async function reapplyRetention(
  store: AuditStore,
  policies: RetentionPolicies,
  options: { wait?: boolean; tables?: readonly string[] } = {},
): Promise<ReapplyResult[]> {
  const results: ReapplyResult[] = [];
  const archives = await existingTables(
    store,
    (options.tables ?? AUDIT_TABLES).map((t) => archiveTable(t)),
  );
  for (const table of options.tables ?? AUDIT_TABLES) {
    const list = policies.forTable(table);
    const expressions = retentionExpressions(list);
    if (!expressions) continue;
    const { retention, online, params } = expressions;
    const differs = `retention_days != ${retention} OR online_days != ${online}`;
    let rows = 0;
    for (const target of [table, ...(archives.has(archiveTable(table)) ? [archiveTable(table)] : [])]) {
      const [count] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM ${store.database}.${target} WHERE ${differs}`,
        params,
      );
      const n = Number(count?.n ?? 0);
      if (n === 0) continue;
      rows += n;
      await store.command(
        `ALTER TABLE ${store.database}.${target} UPDATE retention_days = ${retention}, online_days = ${online}
         WHERE ${differs}${options.wait ? ' SETTINGS mutations_sync = 2' : ''}`,
        params,
      );
    }
    results.push({ table, rows, policies: list.length });
  }
  return results;
}

async function existingTables(store: AuditStore, names: readonly string[]): Promise<Set<string>> {
  const rows = await store.query<{ name: string }>(
    'SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    { db: store.database, names: [...names] },
  );
  return new Set(rows.map((r) => r.name));
}

export interface ArchiveResult {
  table: string;
  moved: number;
}

/** Rows past their online days and not yet due for deletion, at a fixed cutoff. */
const DUE_FOR_ARCHIVE =
  "event_time + toIntervalDay(online_days) <= {cutoff:DateTime64(3, 'UTC')} AND online_days < retention_days " +
  "AND received_at <= {cutoff:DateTime64(3, 'UTC')}";

/** Embedded mode: the rows of each audit table due for the archive at `nowMs` (tables with none left out). */
export async function archiveDue(
  store: AuditStore,
  nowMs: number,
  tables: readonly string[] = AUDIT_TABLES,
): Promise<ArchiveResult[]> {
  const results: ArchiveResult[] = [];
  for (const table of tables) {
    const [count] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${store.database}.${table} WHERE ${DUE_FOR_ARCHIVE}`,
      { cutoff: formatTime(nowMs) },
    );
    const moved = Number(count?.n ?? 0);
    if (moved > 0) results.push({ table, moved });
  }
  return results;
}

/**
 * Embedded mode: moves the rows due at `nowMs` from each table of `due` to `<table>_archive`
 * (same columns, same TTL): INSERT … SELECT, then a DELETE mutation with the same condition and
 * cutoff, so no row is deleted that was not copied. Integrity verification, search, trace chains
 * and reports read both tables (store/audit-source.ts).
 */
export async function moveToArchive(
  store: AuditStore,
  due: readonly ArchiveResult[],
  nowMs: number,
): Promise<void> {
  const cutoff = formatTime(nowMs);
  for (const { table } of due) {
    const source = `${store.database}.${table}`;
    const target = `${store.database}.${archiveTable(table)}`;
    await store.command(`CREATE TABLE IF NOT EXISTS ${target} AS ${source}`);
    await alignColumns(store, table, archiveTable(table));
    const columns = await columnList(store, table);
    await store.command(
      `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${source} WHERE ${DUE_FOR_ARCHIVE}`,
      { cutoff },
    );
    await store.command(`ALTER TABLE ${source} DELETE WHERE ${DUE_FOR_ARCHIVE} SETTINGS mutations_sync = 2`, {
      cutoff,
    });
  }
}

async function columnList(store: AuditStore, table: string): Promise<string> {
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}
       AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position`,
    { db: store.database, table },
  );
  return rows.map((r) => `\`${r.name}\``).join(', ');
}

/**
 * Adds to the archive table the columns a later migration added to its table, and the event-id
 * projection the idempotency check reads (archive tables created before migration 5 lack it).
 */
async function alignColumns(store: AuditStore, table: string, archive: string): Promise<void> {
  await store.command(
    `ALTER TABLE ${store.database}.${archive} ADD PROJECTION IF NOT EXISTS ${EVENT_ID_PROJECTION}`,
  );
  const rows = await store.query<{ table: string; name: string; type: string }>(
    `SELECT table, name, type FROM system.columns WHERE database = {db:String} AND table IN ({a:String}, {b:String})`,
    { db: store.database, a: table, b: archive },
  );
  const present = new Set(rows.filter((r) => r.table === archive).map((r) => r.name));
  for (const column of rows.filter((r) => r.table === table && !present.has(r.name))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(column.name)) continue;
    await store.command(
      `ALTER TABLE ${store.database}.${archive} ADD COLUMN IF NOT EXISTS ${column.name} ${column.type}`,
    );
  }
}

/**
 * Server mode with an archive volume: the audit tables' TTL moves rows to the volume after their
 * online days (rows stay in the same table, so queries and verification see them) and deletes
 * them after their retention days (above 20000 = never, see migration 3). Statements to run once
 * at start; idempotent.
 */
export function archiveVolumeStatements(
  database: string,
  options: { volume: string; storagePolicy?: string | undefined; cluster?: string | undefined },
): string[] {
  const target: RenderTarget = { database, cluster: options.cluster };
  return AUDIT_TABLES.flatMap((table) => {
    const name = `${storageTable(table, target)}${onCluster(target)}`;
    const moveAt =
      "toDateTime(least(event_time + toIntervalDay(online_days), toDateTime64('2106-01-01 00:00:00', 3, 'UTC')))";
    return [
      ...(options.storagePolicy
        ? [`ALTER TABLE ${name} MODIFY SETTING storage_policy = '${options.storagePolicy}'`]
        : []),
      `ALTER TABLE ${name} MODIFY TTL ${moveAt} TO VOLUME '${options.volume}', ` +
        'toDateTime(event_time) + toIntervalDay(retention_days) WHERE retention_days <= 20000 ' +
        'SETTINGS materialize_ttl_after_modify = 0',
    ];
  });
}

/** True for ClickHouse's "not enough privileges" (the least-privilege exporter user may not ALTER). */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Error && /ACCESS_DENIED|Code: 497\b|Not enough privileges/i.test(error.message);
}

/** Applies the archive-volume TTL (archiveVolumeStatements) to the audit tables. */
export async function applyArchiveVolume(
  store: AuditStore,
  options: { volume: string; storagePolicy?: string | undefined; cluster?: string | undefined },
): Promise<void> {
  for (const statement of archiveVolumeStatements(store.database, options)) await store.command(statement);
}
