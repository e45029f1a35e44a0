import type { AuditStore } from './store.js';

/** The name of a table's archive table (embedded mode: rows past their online days move there). */
export const archiveTable = (table: string): string => `${table}_archive`;

/**
 * What a query reads to reach every stored row of an audit table, archived rows included
 * (PCI DSS 10.5.1 and MLPS 8.1.4.3 c: the archived year is retrievable on request). Embedded mode
 * moves rows to `<table>_archive`: the `merge` table function reads both, and ClickHouse prunes the
 * archive's parts by the query's time range. Server mode keeps archived rows in the same table, on
 * the archive volume.
 *
 * `archives` (from existingArchives): the tables known to have an archive table; a table not in it
 * is read directly. A `merge` read costs ~10 ms more per table than a direct one whatever the rows
 * it finds (measured with chdb at 0.5 M rows: a search branch 27 → 18 ms; ClickHouse plans the
 * merge read per underlying table, and it keeps the search's ORDER BY … LIMIT from pruning by its
 * top-k filter), so a search or a trace chain over five tables saves ~50 ms while nothing is
 * archived. Without `archives` the read is always through `merge`.
 */
export function auditSource(store: AuditStore, table: string, archives?: ReadonlySet<string>): string {
  if (store.mode !== 'embedded' || (archives && !archives.has(table))) return `${store.database}.${table}`;
  return `merge('${store.database}', '^${table}(${archiveTable('')})?$')`;
}

/** The tables (of `tables`) whose archive table exists (embedded mode: none before the first archiving). */
export async function existingArchives(store: AuditStore, tables: readonly string[]): Promise<Set<string>> {
  if (store.mode !== 'embedded') return new Set();
  const rows = await store.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}`,
    { db: store.database, names: tables.map(archiveTable) },
  );
  return new Set(tables.filter((table) => rows.some((r) => r.name === archiveTable(table))));
}

/** A column expression that is true for a row read from the archive table through auditSource. */
export function archivedColumn(store: AuditStore): string {
  return store.mode === 'embedded' ? "toBool(endsWith(_table, '_archive'))" : 'false';
}
