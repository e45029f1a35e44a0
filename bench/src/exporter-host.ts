// The exporter under test, in its own process (as in production: senders are other processes).
// Started by the bench with fork(); answers commands over the IPC channel: the raw-insert ceiling
// (the same rows, pre-serialised, inserted straight into an identical schema), timed queries and
// storage sizes, all in the same ClickHouse session as the exporter.
import { createHash } from 'node:crypto';
import { createStore, loadConfig, startExporter, migrate, type AuditStore } from '@auditlens/exporter';
import { decodeLogsRequest } from '@auditlens/exporter/internal/otlp/decode.js';
import { mapLogsRequest } from '@auditlens/exporter/internal/mapping/log-records.js';
import { Dataset, type DatasetOptions } from './dataset.js';
import { encodeLogsRequest } from './otlp.js';
import type { HostRequest, HostResponse, QueryTiming, TableSize } from './host-protocol.js';

const dataDir = process.env.BENCH_DATA_DIR ?? '';
// BENCH_MODULES=none runs the bare ingest path (no compliance/self-audit/alerting modules).
const bare = process.env.BENCH_MODULES === 'none';
const env = { ...process.env, AUDITLENS_OTLP_GRPC_PORT: '0', AUDITLENS_DATA_DIR: dataDir };

/** Time the exporter spends waiting on the store, by operation (diagnostics for the ingest figures). */
const storeTime: Record<string, { calls: number; ms: number }> = {};
function timed(store: AuditStore): AuditStore {
  const wrap = <A extends unknown[], R>(name: string, fn: (this: AuditStore, ...args: A) => Promise<R>) =>
    async function (this: AuditStore, ...args: A): Promise<R> {
      const started = performance.now();
      try {
        return await fn.apply(this, args);
      } finally {
        const what = name === 'insert' ? `insert ${String(args[0])}` : name;
        const entry = (storeTime[what] ??= { calls: 0, ms: 0 });
        entry.calls++;
        entry.ms += performance.now() - started;
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

interface RawArgs {
  dataset: DatasetOptions;
  offset: number;
  count: number;
  requestSize: number;
  batchRows: number;
}

/** The raw-insert ceiling: into an identical twin schema (tables, indexes, materialized views). */
async function ceiling(args: RawArgs): Promise<{ rows: number; ms: number; jsonBytes: number }> {
  if (!ceilingStore) {
    ceilingStore = twin(rawStore, `${rawStore.database}_ceiling`);
    await migrate(ceilingStore);
  }
  const dataset = new Dataset(args.dataset);
  for (let skipped = 0; skipped < args.offset; skipped += Math.min(50_000, args.offset - skipped))
    dataset.next(Math.min(50_000, args.offset - skipped));
  return rawInsert(ceilingStore, dataset, args);
}

/** Bulk load of the exporter's own database along the raw path, in chunks (rows for the queries). */
async function bulkLoad(args: RawArgs): Promise<{ rows: number; ms: number; jsonBytes: number }> {
  const dataset = new Dataset(args.dataset);
  for (let skipped = 0; skipped < args.offset; skipped += Math.min(50_000, args.offset - skipped))
    dataset.next(Math.min(50_000, args.offset - skipped));
  const total = { rows: 0, ms: 0, jsonBytes: 0 };
  const chunk = 100_000;
  for (let done = 0; done < args.count; done += chunk) {
    const part = await rawInsert(rawStore, dataset, { ...args, count: Math.min(chunk, args.count - done) });
    total.rows += part.rows;
    total.ms += part.ms;
    total.jsonBytes += part.jsonBytes;
  }
  return total;
}

async function rawInsert(
  store: AuditStore,
  dataset: Dataset,
  args: RawArgs,
): Promise<{ rows: number; ms: number; jsonBytes: number }> {
  // Rows exactly as the exporter maps them, serialised as its table writers do.
  const byTable = new Map<string, { ids: string[]; line: string }[]>();
  const limits = { maxAttributeBytes: exporter.config.maxAttributeBytes, maxFutureSkewMs: 3_600_000 };
  for (let done = 0; done < args.count; done += args.requestSize) {
    const body = encodeLogsRequest(dataset.next(Math.min(args.requestSize, args.count - done)));
    const mapped = mapLogsRequest(decodeLogsRequest(body, 'protobuf'), limits, { defaultTenant: '' });
    if (mapped.rejections.length > 0)
      throw new Error(`ceiling rows rejected: ${mapped.rejections[0]?.message}`);
    for (const row of mapped.rows) {
      const list = byTable.get(row.table) ?? [];
      list.push({ ids: [row.eventId], line: JSON.stringify(row.values) });
      byTable.set(row.table, list);
    }
  }
  const batches = [...byTable].map(([table, rows]) => {
    const out: { lines: string; token: string; rows: number }[] = [];
    for (let i = 0; i < rows.length; i += args.batchRows) {
      const chunk = rows.slice(i, i + args.batchRows);
      const hash = createHash('sha256').update(table);
      for (const id of chunk.flatMap((c) => c.ids).sort()) hash.update(id);
      out.push({ lines: chunk.map((c) => c.line).join('\n'), token: hash.digest('hex'), rows: chunk.length });
    }
    return { table, out };
  });
  let rows = 0;
  let jsonBytes = 0;
  for (const { out } of batches) {
    for (const b of out) {
      rows += b.rows;
      jsonBytes += Buffer.byteLength(b.lines);
    }
  }
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  // One insert at a time per table, tables in parallel: what the pipeline's writers do.
  await Promise.all(
    batches.map(async ({ table, out }) => {
      for (const b of out) await store.insertJsonLines(table, b.lines, { deduplicationToken: b.token });
    }),
  );
  return { rows, ms: performance.now() - started, jsonBytes };
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

/** Where the bytes of the audit tables go: columns and skipping indexes, on disk. */
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
  return [...columns, ...indexes]
    .map((r) => ({ name: r.name, bytes: Number(r.bytes) }))
    .sort((a, b) => b.bytes - a.bytes);
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
    case 'storeTime':
      return storeTime;
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
