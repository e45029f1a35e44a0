import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore } from '../store/store.js';
import { checkChains } from './verify-chains.js';
import { existingArchives } from '../store/audit-source.js';
import { countRows, earliestTime, packWindows, sourcesOf } from './verify-plan.js';
import { earliestBroken, ProblemLog, type VerifyResult } from './verify-result.js';
import { verifyChunk } from './verify-rows.js';
import { DAY_MS, type Run, type VerifyOptions } from './verify-run.js';

/**
 * Rows per chunk by default. A chunk is a time window of one table holding about this many rows;
 * what the verifier holds at once is the row lists (event ids, digests) of the checkpoints that
 * start in one chunk, a page of whole rows, and the digests of a page's worth of sealed rows,
 * whatever the size of the table or the period.
 */
export const DEFAULT_CHUNK_ROWS = 100_000;
/** Rows received this recently may still be waiting for their checkpoint. */
const DEFAULT_RECENT_MS = 60_000;

/**
 * Verifies a tenant's audit rows against the signed checkpoints (docs/compliance.md):
 * every checkpoint is well-formed and signed by a trusted key, chains link without gaps or forks,
 * every sealed row is present and unchanged (or expired by retention), and every stored row in
 * the period is covered by a checkpoint. Reads the main and the archive tables.
 *
 * The period is verified in chunks, time windows of one table holding about `chunkRows` rows, and
 * the chains in a pass over the checkpoints without their row lists: memory depends on the chunk
 * size, not on the size of the tables or of the period.
 */
export async function verifyIntegrity(store: AuditStore, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const tables = options.tables ?? AUDIT_TABLES;
  const tenant = options.tenantId;
  const chunkRows = Math.max(1, Math.floor(options.chunkRows ?? DEFAULT_CHUNK_ROWS));
  const archives = await existingArchives(store, tables);
  const toMs = options.toMs ?? now + 1000;
  const fromMs = options.fromMs ?? (await earliestTime(store, tenant, tables, archives)) ?? toMs - DAY_MS;
  const run: Run = {
    store,
    options,
    tenant,
    fromMs,
    now,
    chunkRows,
    recentFrom: now - (options.recentMs ?? DEFAULT_RECENT_MS),
    log: new ProblemLog(),
    state: { checkpoints: 0, rows: 0, expiredRows: 0, unsealedRows: 0 },
  };

  // Plan chunks of about chunkRows rows per table, covering the whole period.
  const plans: { table: string; sources: string[]; windows: [number, number][] }[] = [];
  let total = 0;
  for (const table of tables) {
    const sources = sourcesOf(store, table, archives.has(table));
    const buckets = await countRows(store, sources, tenant, fromMs, toMs, chunkRows);
    plans.push({ table, sources, windows: packWindows(buckets, fromMs, toMs, chunkRows) });
    total += buckets.reduce((n, b) => n + b.rows, 0);
  }
  let done = 0;
  options.onProgress?.(0, total);
  let chunks = 0;
  for (const { table, sources, windows } of plans) {
    for (const [a, b] of windows) {
      chunks++;
      done += await verifyChunk(run, table, sources, a, b);
      options.onProgress?.(done, Math.max(total, done));
    }
  }

  const chains = await checkChains(run, tables, toMs);
  const { log, state } = run;
  const durationMs = performance.now() - started;
  return {
    ok: log.count === 0,
    verdict: log.count > 0 ? 'broken' : state.rows === 0 && state.checkpoints === 0 ? 'no_data' : 'intact',
    tenant,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ...state,
    chunks,
    chains,
    firstBroken: earliestBroken(log.listed),
    problemCount: log.count,
    problems: log.listed,
    durationMs: Math.round(durationMs),
    rowsPerSecond: durationMs > 0 ? Math.round((state.rows / durationMs) * 1000) : 0,
  };
}
