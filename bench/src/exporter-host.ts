// The exporter under test, in its own process (as in production: senders are other processes).
// Started by the bench with fork(); answers commands over the IPC channel: the raw-insert ceiling
// (the same rows, pre-serialised, inserted straight into an identical schema), timed queries and
// storage sizes, all in the same ClickHouse session as the exporter.
import { createHash } from 'node:crypto';
import {
  createStore,
  loadConfig,
  startExporter,
  migrate,
  type AuditStore,
  mapLogsRequest,
} from '@auditlens/exporter';
import { decodeLogsRequest, type LogsRequest } from '@auditlens/exporter/otlp';
import { Dataset, type DatasetOptions } from './dataset.js';
import { encodeLogsRequest, logsRequestMessage } from './otlp.js';
import type { HostRequest, HostResponse, MemoryHeld, QueryTiming, TableSize } from './host-protocol.js';
import { SectionProfiler } from './cpu-profile.js';

const dataDir = process.env.BENCH_DATA_DIR ?? '';
// BENCH_MODULES=none runs the bare ingest path (no compliance/self-audit/alerting modules).
const bare = process.env.BENCH_MODULES === 'none';
const env = { ...process.env, AUDITLENS_OTLP_GRPC_PORT: '0', AUDITLENS_DATA_DIR: dataDir };

/**
 * Time the exporter spends waiting on the store, by operation, and under `busy` the wall time
 * during which at least one call was outstanding (diagnostics for the ingest figures).
 */
const storeTime: Record<string, { calls: number; ms: number }> = {};
let outstanding = 0;
let busySince = 0;
function timed(store: AuditStore): AuditStore {
  const wrap = <A extends unknown[], R>(name: string, fn: (this: AuditStore, ...args: A) => Promise<R>) =>
    async function (this: AuditStore, ...args: A): Promise<R> {
      const started = performance.now();
      if (outstanding++ === 0) busySince = started;
      try {
        return await fn.apply(this, args);
      } finally {
        const ended = performance.now();
        const what = name === 'insert' ? `insert ${String(args[0])}` : name;
        const entry = (storeTime[what] ??= { calls: 0, ms: 0 });
        entry.calls++;
        entry.ms += ended - started;
        if (--outstanding === 0) {
          const busy = (storeTime.busy ??= { calls: 0, ms: 0 });
          busy.calls++;
          busy.ms += ended - busySince;
        }
      }
    };
  return Object.create(store, {
    query: { value: wrap('query', store.query) },
    insertJsonLines: { value: wrap('insert', store.insertJsonLines) },
    command: { value: wrap('command', store.command) },
  }) as AuditStore;
}
const rawStore = await createStore(loadConfig(env));
const store = timed(rawStore);
const exporter = await startExporter(
  {
    dataDir,
    otlpPort: 0,
    apiPort: 0,
    host: '127.0.0.1',
    logLevel: (process.env.BENCH_EXPORTER_LOG_LEVEL ?? 'error') as 'error',
    store,
    ...(bare ? { modules: [] } : {}),
  },
  env,
);

/** The same store (session, connection) with another database: an identical twin schema. */
function twin(store: AuditStore, database: string): AuditStore {
  return Object.create(store, { database: { value: database } }) as AuditStore;
}
let ceilingStore: AuditStore | undefined;
let profiler: SectionProfiler | undefined;

interface RawArgs {
  dataset: DatasetOptions;
  offset: number;
  count: number;
  requestSize: number;
  batchRows: number;
}

/** The raw-insert ceiling: into an identical twin schema (tables, indexes, materialized views). */
async function ceiling(
  args: RawArgs,
): Promise<{ rows: number; ms: number; jsonBytes: number; cpuMs: number; inserts: number }> {
  if (!ceilingStore) {
    ceilingStore = twin(rawStore, `${rawStore.database}_ceiling`);
    await migrate(ceilingStore);
  }
  const dataset = skipTo(new Dataset(args.dataset), args.offset);
  const prepared = prepare(dataset, args, true);
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const ms = await insertPrepared(ceilingStore, prepared);
  return {
    rows: prepared.rows,
    ms,
    jsonBytes: prepared.jsonBytes,
    cpuMs: cpuMs(process.cpuUsage(cpu)),
    inserts: prepared.batches.reduce((n, b) => n + b.out.length, 0),
  };
}

const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

function skipTo(dataset: Dataset, offset: number): Dataset {
  for (let skipped = 0; skipped < offset; skipped += Math.min(50_000, offset - skipped))
    dataset.next(Math.min(50_000, offset - skipped));
  return dataset;
}

/**
 * Bulk load of the exporter's own database along the raw path (rows for the queries), in chunks:
 * the next chunk is generated and mapped while the previous one is being inserted.
 */
async function bulkLoad(args: RawArgs): Promise<{ rows: number; ms: number; jsonBytes: number }> {
  const dataset = skipTo(new Dataset(args.dataset), args.offset);
  const total = { rows: 0, ms: 0, jsonBytes: 0 };
  const chunk = 100_000;
  const started = performance.now();
  let inserting: Promise<number> | undefined;
  for (let done = 0; done < args.count; done += chunk) {
    const prepared = prepare(dataset, { ...args, count: Math.min(chunk, args.count - done) }, false);
    await inserting;
    inserting = insertPrepared(rawStore, prepared);
    total.rows += prepared.rows;
    total.jsonBytes += prepared.jsonBytes;
  }
  await inserting;
  total.ms = performance.now() - started;
  return total;
}

interface PreparedBatches {
  batches: { table: string; out: { lines: string; token: string; rows: number }[] }[];
  rows: number;
  jsonBytes: number;
}

/**
 * Rows exactly as the exporter maps them, serialised as its table writers do, in batches with the
 * same deduplication tokens. `viaProtobuf` decodes encoded requests as the receiver does; without it
 * the request objects go straight to the mapping (the same rows, less work for bulk loading).
 */
function prepare(dataset: Dataset, args: RawArgs, viaProtobuf: boolean): PreparedBatches {
  const byTable = new Map<string, { id: string; line: string }[]>();
  const limits = { maxAttributeBytes: exporter.config.maxAttributeBytes, maxFutureSkewMs: 3_600_000 };
  for (let done = 0; done < args.count; done += args.requestSize) {
    const records = dataset.next(Math.min(args.requestSize, args.count - done));
    const request = viaProtobuf
      ? decodeLogsRequest(encodeLogsRequest(records), 'protobuf')
      : (logsRequestMessage(records) as unknown as LogsRequest);
    const mapped = mapLogsRequest(request, limits, { defaultTenant: '' });
    if (mapped.rejections.length > 0) throw new Error(`rows rejected: ${mapped.rejections[0]?.message}`);
    for (const row of mapped.rows) {
      const list = byTable.get(row.table) ?? [];
      list.push({ id: row.eventId, line: JSON.stringify(row.values) });
      byTable.set(row.table, list);
    }
  }
  const prepared: PreparedBatches = { batches: [], rows: 0, jsonBytes: 0 };
  for (const [table, rows] of byTable) {
    const out: { lines: string; token: string; rows: number }[] = [];
    for (let i = 0; i < rows.length; i += args.batchRows) {
      const chunk = rows.slice(i, i + args.batchRows);
      const hash = createHash('sha256').update(table);
      for (const id of chunk.map((c) => c.id).sort()) hash.update(id);
      const lines = chunk.map((c) => c.line).join('\n');
      out.push({ lines, token: hash.digest('hex'), rows: chunk.length });
      prepared.rows += chunk.length;
      prepared.jsonBytes += Buffer.byteLength(lines);
    }
    prepared.batches.push({ table, out });
  }
  return prepared;
}

/** One insert at a time per table, tables in parallel: what the pipeline's writers do. */
async function insertPrepared(store: AuditStore, prepared: PreparedBatches): Promise<number> {
  const started = performance.now();
  await Promise.all(
    prepared.batches.map(async ({ table, out }) => {
      for (const b of out) await store.insertJsonLines(table, b.lines, { deduplicationToken: b.token });
    }),
  );
  return performance.now() - started;
}

async function timedQuery(args: {
  sql: string;
  params: Record<string, unknown>;
  reps: number;
}): Promise<QueryTiming> {
  const times: number[] = [];
  let result: Record<string, unknown>[] = [];
  for (let i = 0; i <= args.reps; i++) {
    const started = performance.now();
    result = await exporter.store.query<Record<string, unknown>>(args.sql, args.params);
    if (i > 0) times.push(performance.now() - started); // the first run warms up
  }
  return { times, rows: result };
}

async function sizes(database: string): Promise<TableSize[]> {
  const rows = await exporter.store.query<{ table: string; rows: string; bytes: string; raw: string }>(
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_uncompressed_bytes) AS raw
     FROM system.parts WHERE active AND database = {db:String} GROUP BY table ORDER BY table`,
    { db: database },
  );
  return rows.map((r) => ({
    table: r.table,
    rows: Number(r.rows),
    bytes: Number(r.bytes),
    raw: Number(r.raw),
  }));
}

/**
 * Where the bytes of the audit tables go, on disk: columns, skipping indexes, projections, and the
 * summary tables their views fill.
 */
async function columnBytes(database: string): Promise<{ name: string; bytes: number }[]> {
  const columns = await exporter.store.query<{ name: string; bytes: string }>(
    `SELECT name, sum(data_compressed_bytes) AS bytes FROM system.columns
     WHERE database = {db:String} AND table IN ('audit_request_log', 'audit_database_log', 'audit_change_log',
       'audit_security_log', 'audit_admin_log') GROUP BY name ORDER BY bytes DESC`,
    { db: database },
  );
  const indexes = await exporter.store.query<{ name: string; bytes: string }>(
    `SELECT concat('index ', name) AS name, sum(data_compressed_bytes) AS bytes FROM system.data_skipping_indices
     WHERE database = {db:String} AND table IN ('audit_request_log', 'audit_database_log', 'audit_change_log',
       'audit_security_log', 'audit_admin_log') GROUP BY name ORDER BY bytes DESC`,
    { db: database },
  );
  const projections = await exporter.store.query<{ name: string; bytes: string }>(
    `SELECT concat('projection ', name) AS name, sum(bytes_on_disk) AS bytes FROM system.projection_parts
     WHERE active AND database = {db:String} AND table IN ('audit_request_log', 'audit_database_log',
       'audit_change_log', 'audit_security_log', 'audit_admin_log') GROUP BY name`,
    { db: database },
  );
  const summaries = await exporter.store.query<{ name: string; bytes: string }>(
    `SELECT concat('table ', table) AS name, sum(bytes_on_disk) AS bytes FROM system.parts
     WHERE active AND database = {db:String} AND startsWith(table, 'audit_summary_') GROUP BY table`,
    { db: database },
  );
  return [...columns, ...indexes, ...projections, ...summaries]
    .map((r) => ({ name: r.name, bytes: Number(r.bytes) }))
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * What the exporter's process holds once the queue is empty: the JS heap after a full collection
 * (what is referenced, not garbage waiting for the collector), and ClickHouse's tracked memory and
 * caches (system.metrics: the embedded engine has no asynchronous_metrics table).
 */
async function memoryHeld(): Promise<MemoryHeld> {
  while (exporter.pipeline.queuedRows > 0) await new Promise((r) => setTimeout(r, 50));
  // Twice, a second apart: memory outside the heap is released once its owners are collected.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  (globalThis as { gc?: () => void }).gc?.();
  const metrics = await rawStore.query<{ metric: string; value: string }>(
    `SELECT metric, value FROM system.metrics
     WHERE metric = 'MemoryTracking' OR (metric LIKE '%CacheBytes' AND value > 0) ORDER BY metric`,
  );
  const value = (name: string) => Number(metrics.find((m) => m.metric === name)?.value ?? 0);
  const usage = process.memoryUsage();
  return {
    heapUsedAfterGc: usage.heapUsed,
    heapTotalAfterGc: usage.heapTotal,
    external: usage.external,
    rss: usage.rss,
    clickhouseTracked: value('MemoryTracking'),
    clickhouse: Object.fromEntries(
      metrics.filter((m) => m.metric !== 'MemoryTracking').map((m) => [m.metric, Number(m.value)]),
    ),
  };
}

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'ceiling':
      return ceiling(request.args);
    case 'bulkLoad':
      return bulkLoad(request.args);
    case 'query':
      return timedQuery(request.args);
    case 'sizes':
      return sizes(request.args.database ?? exporter.store.database);
    case 'columnBytes':
      return columnBytes(exporter.store.database);
    case 'memoryUsage':
      return process.memoryUsage();
    case 'memoryHeld':
      return memoryHeld();
    case 'cpuUsage':
      return process.cpuUsage();
    case 'storeTime':
      return storeTime;
    case 'profileStart':
      profiler = new SectionProfiler();
      await profiler.start();
      return {};
    case 'profileStop': {
      if (!profiler) throw new Error('profileStop without profileStart');
      const figures = await profiler.stop(request.args.saveTo);
      profiler = undefined;
      return figures;
    }
    case 'settle':
      // Merges and the queue: every acknowledged row is committed already; wait for the queue.
      while (exporter.pipeline.queuedRows > 0) await new Promise((r) => setTimeout(r, 50));
      // Background merges, as a long-running server would have done them (bounded wait).
      for (let waited = 0; waited < 120_000; waited += 500) {
        const [row] = await rawStore.query<{ n: string }>('SELECT count() AS n FROM system.merges');
        if (Number(row?.n ?? 0) === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      return { queued: 0 };
    case 'close':
      await exporter.close();
      setTimeout(() => process.exit(0), 50);
      return { closed: true };
  }
}

process.on('message', (message: HostRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies HostResponse),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies HostResponse),
  );
});
process.send?.({
  id: 0,
  ok: true,
  result: {
    otlpUrl: exporter.otlpUrl,
    apiUrl: exporter.apiUrl,
    mode: exporter.store.mode,
    database: exporter.store.database,
  },
} satisfies HostResponse);
