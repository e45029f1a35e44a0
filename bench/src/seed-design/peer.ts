// 3. The source design as a peer: its five MariaDB tables (DDL and indexes verbatim) fed the same
// records, against AuditLens on ClickHouse: ingest rate, bytes on disk per row, its own queries.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Dataset, KINDS, type Kind } from '../dataset.js';
import type { ExporterHost } from '../host-client.js';
import type { QueryTiming, TableSize } from '../host-protocol.js';
import { fmt, log, median, type BenchConfig, type Results } from '../context.js';
import { SOURCE_DDL } from './ddl.js';
import { peerQueries, type QueryParams } from './queries.js';
import { datetime, insertSql, TABLE_OF, toRow } from './rows.js';
import { ensureMariadbInstalled, startMariadb, type MariadbServer } from './server.js';

const BATCH_ROWS = 5000;
const CHUNK_RECORDS = 50_000;
const AUDIT_TABLES = Object.values(TABLE_OF);

async function load(server: MariadbServer, config: BenchConfig): Promise<{ rows: number; ms: number }> {
  const dataset = new Dataset(config.dataset);
  let insertMs = 0;
  let rows = 0;
  let lastPrint = performance.now();
  for (let done = 0; done < config.rows; done += CHUNK_RECORDS) {
    // Generated and converted first; only the inserts are timed (as the ingest window is pre-encoded).
    const byKind = new Map<Kind, unknown[][]>(KINDS.map((k) => [k, []]));
    for (const record of dataset.next(Math.min(CHUNK_RECORDS, config.rows - done))) {
      byKind.get(record.kind)?.push(toRow(record));
    }
    const started = performance.now();
    // One batch at a time per table, tables in parallel (as the exporter's writers do).
    await Promise.all(
      [...byKind].map(async ([kind, list]) => {
        for (let i = 0; i < list.length; i += BATCH_ROWS) {
          await server.pool.batch(insertSql(kind), list.slice(i, i + BATCH_ROWS));
        }
      }),
    );
    insertMs += performance.now() - started;
    rows += [...byKind.values()].reduce((n, l) => n + l.length, 0);
    if (performance.now() - lastPrint > 15_000) {
      lastPrint = performance.now();
      log(`  … MariaDB ${fmt.n(rows)} / ${fmt.n(config.rows)} rows`);
    }
  }
  return { rows, ms: insertMs };
}

function ibdBytes(dataDir: string, database: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  const dir = join(dataDir, database);
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.ibd')) sizes[file.slice(0, -4)] = statSync(join(dir, file)).size;
  }
  return sizes;
}

/**
 * Runs one of the source's queries: a warm-up, then `reps` timed runs (one when the warm-up took
 * over 2 s). A run over `timeoutS` is stopped by the server (max_statement_time): `timedOut` is set
 * and the time counts as the limit, so the speedup printed is a lower bound.
 */
async function timeTheirs(
  server: MariadbServer,
  sql: string,
  params: unknown[],
  reps: number,
  timeoutS: number,
): Promise<QueryTiming & { timedOut: boolean }> {
  const times: number[] = [];
  let rows: Record<string, unknown>[] = [];
  for (let i = 0; i <= reps; i++) {
    const started = performance.now();
    try {
      rows = (await server.pool.query(
        { sql: `SET STATEMENT max_statement_time=${timeoutS} FOR ${sql}` },
        params,
      )) as Record<string, unknown>[];
    } catch (error) {
      if (!/max_statement_time/i.test((error as Error).message)) throw error;
      return { times: [timeoutS * 1000], rows: [], timedOut: true };
    }
    const ms = performance.now() - started;
    if (i > 0) times.push(ms);
    if (i === 0 && ms > 2000) {
      times.push(ms);
      break;
    }
  }
  return { times, rows: [...rows], timedOut: false };
}

export async function benchSeedDesign(
  host: ExporterHost,
  config: BenchConfig,
  results: Results,
  ourIngestPerS: number | undefined,
): Promise<void> {
  results.section(
    `## 3. The source design as a peer: MariaDB, its five tables and indexes, the same ${fmt.n(config.rows)} records`,
  );
  const binaries = ensureMariadbInstalled();
  if ('skip' in binaries) {
    results.note(`source-design comparison skipped: ${binaries.skip}`);
    results.set('seed_design.skipped', binaries.skip);
    return;
  }
  let server: MariadbServer;
  try {
    server = await startMariadb(binaries, join(config.workDir, 'mariadb'), 'audit_seed');
  } catch (error) {
    results.note(
      `source-design comparison skipped: MariaDB could not be started: ${(error as Error).message}`,
    );
    results.set('seed_design.skipped', (error as Error).message.slice(0, 200));
    return;
  }
  try {
    log(`MariaDB ${server.version} on 127.0.0.1 (${server.settings})`);
    for (const table of AUDIT_TABLES) await server.pool.query(SOURCE_DDL[table] ?? '');

    // Ingest.
    const loaded = await load(server, config);
    const theirIngest = (loaded.rows / loaded.ms) * 1000;
    results.set('seed_design.mariadb_insert_rows_per_s', theirIngest);
    if (ourIngestPerS !== undefined) {
      results.set('seed_design.ingest_ratio', ourIngestPerS / theirIngest);
      results.line(
        `ingest: MariaDB ${fmt.n(theirIngest)} rows/s (bulk INSERT batches of ${BATCH_ROWS}, pre-converted rows) vs ` +
          `AuditLens ${fmt.n(ourIngestPerS)} records/s through OTLP, validation and the idempotency check → ${fmt.ratio(ourIngestPerS / theirIngest)}`,
      );
    } else {
      results.line(`ingest: MariaDB ${fmt.n(theirIngest)} rows/s (bulk INSERT batches of ${BATCH_ROWS})`);
    }

    // Bytes on disk per row.
    // Bytes per row of what each query uses beyond the table (filled from the breakdown below).
    let bytesPerRowOf: (name: string) => number = () => NaN;
    const theirFiles = ibdBytes(server.dataDir, 'audit_seed');
    const theirBytes = AUDIT_TABLES.reduce((n, t) => n + (theirFiles[t] ?? 0), 0);
    const ours = (await host.call('sizes', {})) as TableSize[];
    const ourAudit = ours.filter((t) => AUDIT_TABLES.includes(t.table));
    const ourRows = ourAudit.reduce((n, t) => n + t.rows, 0);
    const ourAuditBytes = ourAudit.reduce((n, t) => n + t.bytes, 0);
    const ourAllBytes = ours.filter((t) => t.table !== 'audit_access_log').reduce((n, t) => n + t.bytes, 0);
    const theirPerRow = theirBytes / loaded.rows;
    const ourPerRow = ourAuditBytes / ourRows;
    const ourAllPerRow = ourAllBytes / ourRows;
    results.set('seed_design.mariadb_bytes_per_row', theirPerRow);
    results.set('seed_design.clickhouse_bytes_per_row', ourPerRow);
    results.set('seed_design.clickhouse_all_tables_bytes_per_row', ourAllPerRow);
    results.set('seed_design.bytes_per_row_ratio', theirPerRow / ourPerRow);
    results.set('seed_design.bytes_per_row_ratio_all_tables', theirPerRow / ourAllPerRow);
    results.detail('seed_design.sizes', { mariadb_ibd: theirFiles, clickhouse: ours });
    results.line(
      `bytes on disk per row: MariaDB ${fmt.n(theirPerRow)} B (.ibd files of the five tables, data + their 5–8 indexes each) vs ` +
        `ClickHouse ${fmt.n(ourPerRow)} B (the five audit tables, data + bloom-filter indexes) → ${fmt.ratio(theirPerRow / ourPerRow)} smaller ` +
        `(goal ≥ 10×: ${theirPerRow / ourPerRow >= 10 ? 'met' : 'NOT met'})`,
    );
    results.line(
      `  with everything AuditLens adds (summary views, integrity checkpoints, alert state): ${fmt.n(ourAllPerRow)} B → ` +
        `${fmt.ratio(theirPerRow / ourAllPerRow)} smaller`,
    );
    const columns = (await host.call('columnBytes', {})) as { name: string; bytes: number }[];
    bytesPerRowOf = (name) => (columns.find((c) => c.name === name)?.bytes ?? NaN) / ourRows;
    results.detail('seed_design.clickhouse_column_bytes', columns);
    results.line(
      `  where ClickHouse's bytes per row go (columns, skip indexes, projections, summary tables): ${columns
        .slice(0, 8)
        .map((c) => `${c.name} ${(c.bytes / ourRows).toFixed(1)}`)
        .join(', ')}`,
    );
    if (ourRows !== loaded.rows)
      results.line(
        `  (ClickHouse holds ${fmt.n(ourRows - loaded.rows)} more rows: the exporter's own records, e.g. alert detections)`,
      );

    await host.call('settle', {});
    const caughtUp = await server.settle(config.quick ? 120_000 : 600_000);
    results.set('seed_design.mariadb_settle_s', caughtUp.ms / 1000);
    results.line(
      `  before the queries both sides caught up with the load: ClickHouse's merges, and MariaDB's ${fmt.n(caughtUp.pagesBefore)} ` +
        `dirty pages and undo records (${fmt.n(caughtUp.pagesAfter)} left after ${fmt.n(caughtUp.ms / 1000, 1)} s)`,
    );
    // The source's queries.
    const endMs = config.dataset.endMs;
    const [top] = (
      (await host.call('query', {
        sql: `SELECT user_id, count() AS n FROM ${host.info.database}.audit_request_log
              WHERE tenant_id = 'tenant_001' GROUP BY user_id ORDER BY n DESC, user_id LIMIT 1`,
        params: {},
        reps: 0,
      })) as QueryTiming
    ).rows;
    const params: QueryParams = {
      tenant: 'tenant_001',
      since7: datetime(endMs - 7 * 86_400_000),
      since30: datetime(endMs - 30 * 86_400_000),
      userId: String(top?.user_id ?? '1000'),
    };
    const speedups: number[] = [];
    const table: Record<string, unknown>[] = [];
    for (const query of peerQueries(host.info.database)) {
      const ours = (await host.call('query', {
        sql: query.ours.sql,
        params: query.ours.params(params),
        reps: config.queryReps,
      })) as QueryTiming;
      const timeoutS = config.quick ? 10 : 300;
      const theirs = await timeTheirs(
        server,
        query.theirs.sql,
        query.theirs.params(params),
        config.queryReps,
        timeoutS,
      );
      const ourMs = median(ours.times);
      const theirMs = median(theirs.times);
      const a = query.normalize(ours.rows);
      const b = query.normalize(theirs.rows);
      const same = !theirs.timedOut && a.length === b.length && a.every((line, i) => line === b[i]);
      const speedup = theirMs / ourMs;
      speedups.push(speedup);
      table.push({
        query: query.name,
        source: query.source,
        ours_ms: ourMs,
        theirs_ms: theirMs,
        theirs_timed_out: theirs.timedOut,
        speedup,
        rows: a.length,
        same,
      });
      const theirText = theirs.timedOut
        ? `>${timeoutS} s`.padStart(8) + '   '
        : `${fmt.ms(theirMs).padStart(8)} ms`;
      const answer = theirs.timedOut
        ? 'MariaDB stopped at the time limit'
        : same
          ? 'same answer'
          : 'DIFFERENT answer';
      const uses = query.uses.length
        ? query.uses.map((name) => `${name} ${fmt.n(bytesPerRowOf(name), 1)} B/row`).join(', ')
        : 'the table and its primary key only';
      results.line(
        `  ${query.name.padEnd(36)} MariaDB ${theirText}   ClickHouse ${fmt.ms(ourMs).padStart(7)} ms   ` +
          `${(theirs.timedOut ? '≥' : '') + fmt.ratio(speedup).padStart(7)} faster   ${fmt.n(a.length)} rows, ${answer}; uses ${uses}`,
      );
      if (!same && !theirs.timedOut) {
        results.note(
          `${query.name}: answers differ (ClickHouse ${a.length} rows, MariaDB ${b.length}); first: ${a.find((l, i) => l !== b[i]) ?? ''} / ${b.find((l, i) => l !== a[i]) ?? ''}`,
        );
      }
    }
    const medianSpeedup = median(speedups);
    results.set('seed_design.query_speedup_median', medianSpeedup);
    results.set('seed_design.query_speedup_min', Math.min(...speedups));
    results.detail('seed_design.queries', table);
    // Issue 21's goal: every query faster than the source design, the median ≥ 10× at 1 M rows and
    // ≥ 100× at 10 M (in between, the bar of the nearer size below).
    const medianGoal = config.rows >= 10_000_000 ? 100 : 10;
    const slowest = Math.min(...speedups);
    const met = medianSpeedup >= medianGoal && slowest > 1;
    results.line(
      `source queries at ${fmt.n(config.rows)} rows: median ${fmt.ratio(medianSpeedup)} faster (min ${fmt.ratio(slowest)}; goal: every query faster, median ≥ ${medianGoal}×: ${met ? 'met' : 'NOT met'})`,
    );
  } finally {
    await server.stop();
  }
}
