/**
 * Table definitions rendered to ClickHouse DDL, for one node (MergeTree family) or for a
 * cluster (Replicated* engines on `<name>_local` tables, ON CLUSTER, and a Distributed table
 * under the plain name that readers and writers use).
 */

export type Engine =
  | { family: 'MergeTree' }
  | { family: 'ReplacingMergeTree'; version: string }
  | { family: 'AggregatingMergeTree' };

export interface TableDef {
  name: string;
  /** Column and INDEX lines, comma-separated, as in a CREATE TABLE body. */
  body: string;
  engine: Engine;
  orderBy: string;
  partitionBy?: string;
  ttl?: string;
  settings?: string;
  /** Distributed sharding key in cluster mode. */
  shardingKey?: string;
}

export interface ViewDef {
  name: string;
  /** Target table (a TableDef name). */
  to: string;
  /** Source table (a TableDef name). */
  from: string;
  /** SELECT … with `{from}` where the source table goes. */
  select: string;
}

export interface RenderTarget {
  database: string;
  /** Cluster name for replicated/distributed DDL; undefined = single node. */
  cluster?: string;
}

function engineSql(engine: Engine, replicated: boolean): string {
  const args: string[] = replicated ? [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`] : [];
  if (engine.family === 'ReplacingMergeTree') args.push(engine.version);
  return `${replicated ? 'Replicated' : ''}${engine.family}(${args.join(', ')})`;
}

/** ` ON CLUSTER <name>` for a cluster target, '' for one node: the one place DDL spells it. */
export const onCluster = (target: RenderTarget): string =>
  target.cluster ? ` ON CLUSTER ${target.cluster}` : '';
/** The table that stores a definition's rows: `<name>_local` on a cluster, the name itself on one node. */
export const localName = (name: string, target: RenderTarget): string =>
  target.cluster ? `${name}_local` : name;
/** `<database>.<localName>`: the table whose parts hold the rows (ALTERs of TTL, codecs, projections). */
export const storageTable = (name: string, target: RenderTarget): string =>
  `${target.database}.${localName(name, target)}`;
/**
 * The tables a column change must reach: the storage table and, on a cluster, the Distributed
 * table over it (whose columns must follow), database-qualified.
 */
export const tablesToAlter = (name: string, target: RenderTarget): string[] =>
  target.cluster ? [storageTable(name, target), `${target.database}.${name}`] : [storageTable(name, target)];

/** True when a table definition has the column (a line of its body starts with the name). */
export function hasColumn(table: TableDef, column: string): boolean {
  return new RegExp(`^\\s*${column} `, 'm').test(table.body);
}

export function renderTable(def: TableDef, target: RenderTarget): string[] {
  const storage = localName(def.name, target);
  const clauses = [
    `ENGINE = ${engineSql(def.engine, target.cluster !== undefined)}`,
    def.partitionBy ? `PARTITION BY ${def.partitionBy}` : '',
    `ORDER BY ${def.orderBy}`,
    def.ttl ? `TTL ${def.ttl}` : '',
    def.settings ? `SETTINGS ${def.settings}` : '',
  ].filter(Boolean);
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${target.database}.${storage}${onCluster(target)}\n(\n${def.body}\n)\n${clauses.join('\n')}`,
  ];
  if (target.cluster) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${target.database}.${def.name}${onCluster(target)} AS ${target.database}.${storage}\n` +
        `ENGINE = Distributed(${target.cluster}, ${target.database}, ${storage}, ${def.shardingKey ?? 'rand()'})`,
    );
  }
  return statements;
}

export function renderView(def: ViewDef, target: RenderTarget): string {
  const from = `${target.database}.${localName(def.from, target)}`;
  return (
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${target.database}.${localName(def.name, target)}${onCluster(target)} ` +
    `TO ${target.database}.${localName(def.to, target)} AS\n${def.select.replaceAll('{from}', from)}`
  );
}
