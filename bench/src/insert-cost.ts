// Why the exporter's store threads cost more per record than the raw-insert ceiling's: every insert
// has a fixed cost whatever its size (a part, its skipping indexes, its projections, the summary
// views), and acknowledging only after commit caps an insert at the rows in flight. The cost is
// measured in a process of its own (insert-cost-child.ts: the exporter's background work would count
// otherwise) and multiplied by the inserts the ingest and the ceiling made.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, type BenchConfig, type Results } from './context.js';

/** Process CPU per 1-row insert into one audit table, and what each part of its schema adds. */
export interface InsertCost {
  table: string;
  totalMs: number;
  /** The table alone: writing a part (and merging it later). */
  partMs: number;
  skipIndexesMs: number;
  projectionsMs: number;
  /** The materialized views that fill the summary tables. */
  summaryViewsMs: number;
  projections: number;
  skipIndexes: number;
}

async function measure(config: BenchConfig, table: string, inserts: number): Promise<InsertCost> {
  const script = fileURLToPath(new URL('./insert-cost-child.js', import.meta.url));
  let out = '';
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [script, JSON.stringify({ dataset: config.dataset, table, inserts })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`insert cost probe exited with ${code}`);
  return JSON.parse(out) as InsertCost;
}

export async function printInsertCost(
  config: BenchConfig,
  storeWait: Record<string, { calls: number; ms: number }>,
  ingestRecords: number,
  ceilingRuns: { rows: number; inserts: number }[],
  results: Results,
): Promise<void> {
  const cost = await measure(config, 'audit_request_log', 20);
  const inserts = Object.entries(storeWait)
    .filter(([op]) => op.startsWith('insert '))
    .reduce((n, [, t]) => n + t.calls, 0);
  const ceilingRows = ceilingRuns.reduce((n, r) => n + r.rows, 0);
  const ceilingInserts = ceilingRuns.reduce((n, r) => n + r.inserts, 0);
  results.set('ingest.insert_fixed_cpu_ms', cost.totalMs);
  results.set('ingest.inserts_per_1000_records', (inserts / ingestRecords) * 1000);
  results.detail('ingest.insert_cost', cost);
  results.line(
    `  each insert costs ${fmt.ms(cost.totalMs)} ms of CPU whatever its size (1-row inserts into ${cost.table}, in a process of its own): ` +
      `the part ${fmt.ms(cost.partMs)}, its ${cost.skipIndexes} skipping indexes ${fmt.ms(cost.skipIndexesMs)}, ` +
      `its ${cost.projections} projections ${fmt.ms(cost.projectionsMs)}, the summary views ${fmt.ms(cost.summaryViewsMs)}; ` +
      `the exporter made ${fmt.n((inserts / ingestRecords) * 1000, 1)} inserts per 1,000 records (data, checkpoints, alerts) ` +
      `≈ ${fmt.n((inserts * cost.totalMs * 1000) / ingestRecords)} µs of fixed cost per record; the ceiling ` +
      `${fmt.n((ceilingInserts / ceilingRows) * 1000, 1)} per 1,000 rows ≈ ${fmt.n((ceilingInserts * cost.totalMs * 1000) / ceilingRows)} µs per row`,
  );
}
