// The insert cost probe (insert-cost.ts runs it): process CPU per 1-row insert into an audit table of
// a fresh embedded store, then into a copy of the table without its summary views, without its
// projections too, and finally without its skipping indexes. Prints one JSON line (InsertCost).
//
//   node bench/dist/insert-cost-child.js '{"dataset":{…},"table":"audit_request_log","inserts":20}'
import { createStore, loadConfig, mapLogsRequest, migrate } from '@auditlens/exporter';
import type { LogsRequest } from '@auditlens/exporter/otlp';
import { tempDir } from '@auditlens/test-support';
import { Dataset, type DatasetOptions } from './dataset.js';
import { logsRequestMessage } from './otlp.js';
import type { InsertCost } from './insert-cost.js';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  dataset: DatasetOptions;
  table: string;
  inserts: number;
};
const dir = tempDir('insert-cost');
// Always the embedded store, in a temporary directory (never a configured server's database).
const { AUDITLENS_CLICKHOUSE_URL: _server, ...env } = process.env;
const config = loadConfig({ ...env, AUDITLENS_DATA_DIR: dir.path });
const store = await createStore(config);
const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

try {
  await migrate(store);
  const records = new Dataset(args.dataset).next(4 * args.inserts + 100);
  const limits = { maxAttributeBytes: config.maxAttributeBytes, maxFutureSkewMs: 3_600_000 };
  const mapped = mapLogsRequest(logsRequestMessage(records) as unknown as LogsRequest, limits, {
    defaultTenant: '',
  });
  const lines = mapped.rows.filter((r) => r.table === args.table).map((r) => JSON.stringify(r.values));
  if (lines.length <= args.inserts) throw new Error(`the dataset has too few ${args.table} rows`);
  const copy = `${store.database}.insert_cost_copy`;
  const cpuPerInsert = async (table: string): Promise<number> => {
    // The first insert into a table is left out: it creates the partition's directory.
    await store.insertJsonLines(table, lines[args.inserts] ?? '', { deduplicationToken: `${table}:first` });
    const started = process.cpuUsage();
    for (let i = 0; i < args.inserts; i++)
      await store.insertJsonLines(table, lines[i] ?? '', { deduplicationToken: `${table}:${i}` });
    return cpuMs(process.cpuUsage(started)) / args.inserts;
  };
  const names = async (system: string): Promise<string[]> =>
    (
      await store.query<{ name: string }>(
        `SELECT name FROM system.${system} WHERE database = {db:String} AND table = 'insert_cost_copy'`,
        { db: store.database },
      )
    ).map((r) => r.name);

  const full = await cpuPerInsert(args.table);
  await store.command(`CREATE TABLE ${copy} AS ${store.database}.${args.table}`);
  const withoutViews = await cpuPerInsert('insert_cost_copy');
  const projections = await names('projections');
  for (const name of projections) await store.command(`ALTER TABLE ${copy} DROP PROJECTION ${name}`);
  const withoutProjections = await cpuPerInsert('insert_cost_copy');
  const indexes = await names('data_skipping_indices');
  for (const name of indexes) await store.command(`ALTER TABLE ${copy} DROP INDEX ${name}`);
  const part = await cpuPerInsert('insert_cost_copy');
  const cost: InsertCost = {
    table: args.table,
    totalMs: full,
    partMs: part,
    skipIndexesMs: withoutProjections - part,
    projectionsMs: withoutViews - withoutProjections,
    summaryViewsMs: full - withoutViews,
    projections: projections.length,
    skipIndexes: indexes.length,
  };
  process.stdout.write(`${JSON.stringify(cost)}\n`);
} finally {
  await store.close();
  dir.remove();
}
