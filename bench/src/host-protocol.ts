import type { DatasetOptions } from './dataset.js';

export interface RawInsertArgs {
  dataset: DatasetOptions;
  offset: number;
  count: number;
  requestSize: number;
  batchRows: number;
}

export type HostRequest = { id: number } & (
  | { cmd: 'ceiling'; args: RawInsertArgs }
  | { cmd: 'bulkLoad'; args: RawInsertArgs }
  | { cmd: 'query'; args: { sql: string; params: Record<string, unknown>; reps: number } }
  | { cmd: 'sizes'; args: { database?: string } }
  | { cmd: 'settle'; args: Record<string, never> }
  | { cmd: 'storeTime'; args: Record<string, never> }
  | { cmd: 'columnBytes'; args: Record<string, never> }
  | { cmd: 'memoryUsage'; args: Record<string, never> }
  | { cmd: 'memoryHeld'; args: Record<string, never> }
  | { cmd: 'cpuUsage'; args: Record<string, never> }
  | { cmd: 'profileStart'; args: Record<string, never> }
  | { cmd: 'profileStop'; args: { saveTo?: string } }
  | { cmd: 'close'; args: Record<string, never> }
);

export type HostResponse =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface QueryTiming {
  times: number[];
  rows: Record<string, unknown>[];
}

export interface TableSize {
  table: string;
  rows: number;
  bytes: number;
  raw: number;
}

export interface HostInfo {
  otlpUrl: string;
  apiUrl: string;
  mode: 'embedded' | 'server';
  database: string;
}

/** What the exporter's process holds after a full GC, and ClickHouse's tracked memory and caches. */
export interface MemoryHeld {
  heapUsedAfterGc: number;
  /** The heap V8 keeps reserved after the collection (it returns pages to the system lazily). */
  heapTotalAfterGc: number;
  /** Buffers and other memory outside the JS heap that JS objects hold. */
  external: number;
  rss: number;
  clickhouseTracked: number;
  /** ClickHouse's caches, bytes by metric name (system.metrics). */
  clickhouse: Record<string, number>;
}
