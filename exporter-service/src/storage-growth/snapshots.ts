import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { auditSource } from '../store/audit-source.js';
import type { AuditStore } from '../store/store.js';

/** The tenant of a snapshot row for a table that is not kept per tenant. */
export const ALL_TENANTS = '*';

export interface SnapshotRow {
  table_name: string;
  tenant_id: string;
  row_count: number;
  bytes_on_disk: number;
}

export interface Snapshot {
  takenAtMs: number;
  rows: SnapshotRow[];
  databaseBytes: number;
  diskFreeBytes: number;
  diskTotalBytes: number;
}

/** `<table>_archive` and, on a cluster, `<table>_local` count as their table. */
const baseTable = (name: string): string => name.replace(/_local$/, '').replace(/_archive$/, '');

/**
 * Measures the database now: active parts per table (system.parts), rows per tenant of each audit
 * table (its archive included), and the free and total space of the disks its parts are on. A
 * tenant's bytes are its table's bytes apportioned by its share of the table's rows (ClickHouse
 * stores tenants together; the apportioning is exact for rows, an estimate for bytes). On a
 * cluster, system.parts is the local node's: each node's exporter measures its own shard.
 */
export async function measureStorage(store: AuditStore, nowMs: number): Promise<Snapshot> {
  const parts = await store.query<{ table: string; rows: string; bytes: string; disks: string[] }>(
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, groupUniqArray(disk_name) AS disks
     FROM system.parts WHERE database = {db:String} AND active GROUP BY table`,
    { db: store.database },
  );
  const byTable = new Map<string, { rows: number; bytes: number }>();
  for (const part of parts) {
    const name = baseTable(part.table);
    const sum = byTable.get(name) ?? { rows: 0, bytes: 0 };
    byTable.set(name, { rows: sum.rows + Number(part.rows), bytes: sum.bytes + Number(part.bytes) });
  }
  const disks = [...new Set(parts.flatMap((part) => part.disks))];
  const [space] = await store.query<{ free: string; total: string }>(
    'SELECT sum(free_space) AS free, sum(total_space) AS total FROM system.disks WHERE name IN {disks:Array(String)}',
    { disks: disks.length > 0 ? disks : ['default'] },
  );
  const rows: SnapshotRow[] = [];
  for (const [table, { rows: tableRows, bytes }] of byTable) {
    if (!AUDIT_TABLES.includes(table)) {
      rows.push({ table_name: table, tenant_id: ALL_TENANTS, row_count: tableRows, bytes_on_disk: bytes });
      continue;
    }
    const tenants = await store.query<{ tenant_id: string; n: string }>(
      `SELECT tenant_id, count() AS n FROM ${auditSource(store, table)} GROUP BY tenant_id`,
    );
    const counted = tenants.reduce((n, t) => n + Number(t.n), 0);
    for (const tenant of tenants) {
      const n = Number(tenant.n);
      rows.push({
        table_name: table,
        tenant_id: tenant.tenant_id,
        row_count: n,
        bytes_on_disk: counted === 0 ? 0 : Math.round((bytes * n) / counted),
      });
    }
  }
  return {
    takenAtMs: Math.floor(nowMs / 1000) * 1000,
    rows,
    databaseBytes: [...byTable.values()].reduce((n, t) => n + t.bytes, 0),
    diskFreeBytes: Number(space?.free ?? 0),
    diskTotalBytes: Number(space?.total ?? 0),
  };
}

/** Stores a snapshot (one row per table and tenant, the database and disk figures on each). */
export async function storeSnapshot(store: AuditStore, snapshot: Snapshot): Promise<void> {
  if (snapshot.rows.length === 0) return;
  const shared = {
    taken_at: formatTime(snapshot.takenAtMs).slice(0, 19),
    database_bytes: snapshot.databaseBytes,
    disk_free_bytes: snapshot.diskFreeBytes,
    disk_total_bytes: snapshot.diskTotalBytes,
  };
  await store.insertJsonLines(
    'audit_storage_snapshot',
    snapshot.rows.map((row) => JSON.stringify({ ...shared, ...row })).join('\n'),
  );
}
