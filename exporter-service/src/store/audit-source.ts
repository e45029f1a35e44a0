import type { AuditStore } from './store.js';

/** The name of a table's archive table (embedded mode: rows past their online days move there). */
export const archiveTable = (table: string): string => `${table}_archive`;

/**
 * What a query reads to reach every stored row of an audit table, archived rows included
 * (PCI DSS 10.5.1 and MLPS 8.1.4.3 c: the archived year is retrievable on request). Embedded mode
 * moves rows to `<table>_archive`: the `merge` table function reads both (or the table alone
 * while no archive exists), and ClickHouse prunes the archive's parts by the query's time range,
 * so a range that does not reach into it costs nothing. Server mode keeps archived rows in the
 * same table, on the archive volume.
 */
export function auditSource(store: AuditStore, table: string): string {
  return store.mode === 'embedded'
    ? `merge('${store.database}', '^${table}(${archiveTable('')})?$')`
    : `${store.database}.${table}`;
}

/** A column expression that is true for a row read from the archive table through auditSource. */
export function archivedColumn(store: AuditStore): string {
  return store.mode === 'embedded' ? "toBool(endsWith(_table, '_archive'))" : 'false';
}
