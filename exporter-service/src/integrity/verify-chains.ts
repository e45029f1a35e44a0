import { formatTime } from '../mapping/fields.js';
import { GENESIS_DIGEST } from './checkpoint.js';
import type { ChainSummary } from './verify-result.js';
import { TIME, type Run } from './verify-run.js';

// Checking the hash chains: sequence gaps, broken links, forks and a truncated head, per
// (table, writer) chain.

/** Checkpoints per page of the chain pass (their row lists left out). */
const CHAIN_PAGE = 10_000;
/** Checkpoints whose predecessor lies outside the period, looked up together. */
const OUTSIDE_BATCH = 1000;

interface ChainRow {
  table_name: string;
  writer_id: string;
  sequence: string;
  first_event_time: string;
  row_count: string;
  previous_digest: string;
  chain_digest: string;
}

/** A chain being walked: its summary so far, the digests at its last sequence, links to look up. */
interface OpenChain {
  summary: ChainSummary;
  /** Chain digests of the checkpoints at summary.lastSequence (more than one: a fork). */
  lastDigests: string[];
  /** Checkpoints whose predecessor is not in the period: checked against the stored one. */
  outside: { sequence: number; previous: string; eventTime: string }[];
}

/**
 * Sequence gaps, broken links and forks, per (table, writer) chain, in one pass over the period's
 * checkpoints in chain order (their row lists left out); predecessors outside the period are fetched.
 */
export async function checkChains(
  run: Run,
  tables: readonly string[],
  toMs: number,
): Promise<ChainSummary[]> {
  const { store, tenant, options } = run;
  const report = run.log.report;
  const summaries: ChainSummary[] = [];
  let chain: OpenChain | undefined;
  const close = async (): Promise<void> => {
    if (!chain) return;
    await resolveOutside(run, chain);
    summaries.push(chain.summary);
    chain = undefined;
  };
  const params = {
    tenant,
    tables: [...tables],
    from: formatTime(run.fromMs),
    to: formatTime(toMs),
    limit: CHAIN_PAGE,
  };
  let after: ChainRow | undefined;
  for (;;) {
    const rows: ChainRow[] = await store.query<ChainRow>(
      `SELECT table_name, writer_id, sequence, first_event_time, row_count, previous_digest, chain_digest
       FROM ${store.database}.audit_integrity_checkpoint
       WHERE tenant_id = {tenant:String} AND table_name IN {tables:Array(String)}
         AND last_event_time >= {from:${TIME}} AND first_event_time < {to:${TIME}}
         ${
           after
             ? `AND (table_name, writer_id, sequence, chain_digest) >
                  ({afterTable:String}, {afterWriter:String}, {afterSequence:UInt64}, {afterDigest:String})`
             : ''
         }
       ORDER BY table_name, writer_id, sequence, chain_digest LIMIT {limit:UInt32}`,
      after
        ? {
            ...params,
            afterTable: after.table_name,
            afterWriter: after.writer_id,
            afterSequence: after.sequence,
            afterDigest: after.chain_digest,
          }
        : params,
    );
    for (const row of rows) {
      const sequence = Number(row.sequence);
      const where = {
        table: row.table_name,
        writer: row.writer_id,
        sequence,
        eventTime: row.first_event_time,
      };
      if (chain && (chain.summary.table !== row.table_name || chain.summary.writer !== row.writer_id)) {
        await close();
      }
      if (chain && sequence === chain.summary.lastSequence) {
        if (chain.lastDigests.includes(row.chain_digest)) continue; // the same checkpoint stored twice
        report({
          ...where,
          kind: 'chain_forked',
          detail: `two different checkpoints carry sequence ${sequence} (two exporters share a writer id, or a forgery)`,
        });
        chain.lastDigests.push(row.chain_digest);
        continue;
      }
      const linked = chain !== undefined && chain.summary.lastSequence === sequence - 1;
      chain ??= {
        summary: {
          table: row.table_name,
          writer: row.writer_id,
          checkpoints: 0,
          rows: 0,
          firstSequence: sequence,
          lastSequence: sequence,
          lastChainDigest: row.chain_digest,
        },
        lastDigests: [],
        outside: [],
      };
      const previous = sequence === 1 ? [GENESIS_DIGEST] : linked ? chain.lastDigests : undefined;
      if (previous === undefined) {
        chain.outside.push({ sequence, previous: row.previous_digest, eventTime: row.first_event_time });
      } else if (!previous.includes(row.previous_digest)) {
        report({
          ...where,
          kind: 'chain_broken',
          detail: `checkpoint ${sequence} does not link to checkpoint ${sequence - 1} (previous digest differs)`,
        });
      }
      if (chain.outside.length >= OUTSIDE_BATCH) await resolveOutside(run, chain);
      chain.summary.checkpoints++;
      chain.summary.rows += Number(row.row_count);
      chain.summary.lastSequence = sequence;
      chain.summary.lastChainDigest = row.chain_digest;
      chain.lastDigests = [row.chain_digest];
    }
    const last = rows.at(-1);
    if (rows.length < CHAIN_PAGE || !last) break;
    after = last;
  }
  await close();

  for (const head of options.expectedHeads ?? []) {
    const [row] = await store.query<{ seq: string; at: string; n: string }>(
      `SELECT max(sequence) AS seq, argMax(last_event_time, sequence) AS at, count() AS n
       FROM ${store.database}.audit_integrity_checkpoint
       WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}`,
      { tenant, table: head.table, writer: head.writer },
    );
    const storedMax = Number(row?.n ?? 0) === 0 ? 0 : Number(row?.seq ?? 0);
    if (storedMax < head.sequence) {
      report({
        kind: 'checkpoint_missing',
        table: head.table,
        writer: head.writer,
        sequence: storedMax + 1,
        eventTime: row?.at ?? '',
        detail: `the chain ends at checkpoint ${storedMax}, but this exporter stored up to ${head.sequence}: its latest checkpoints were removed`,
      });
    }
  }
  return summaries.sort((x, y) => (x.table + x.writer < y.table + y.writer ? -1 : 1));
}

/** Checks the links of checkpoints whose predecessor lies outside the period against the stored ones. */
async function resolveOutside(run: Run, chain: OpenChain): Promise<void> {
  if (chain.outside.length === 0) return;
  const { store, tenant } = run;
  const { table, writer } = chain.summary;
  const pending = chain.outside;
  chain.outside = [];
  const rows = await store.query<{ sequence: string; chain_digest: string }>(
    `SELECT sequence, chain_digest FROM ${store.database}.audit_integrity_checkpoint
     WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}
       AND sequence IN {seqs:Array(UInt64)}`,
    { tenant, table, writer, seqs: pending.map((p) => p.sequence - 1) },
  );
  const digests = new Map<number, string[]>();
  for (const row of rows) {
    const list = digests.get(Number(row.sequence)) ?? [];
    list.push(row.chain_digest);
    digests.set(Number(row.sequence), list);
  }
  for (const p of pending) {
    const where = { table, writer, sequence: p.sequence, eventTime: p.eventTime };
    const previous = digests.get(p.sequence - 1);
    if (previous === undefined) {
      run.log.report({
        ...where,
        kind: 'checkpoint_missing',
        detail: `checkpoint ${p.sequence - 1} of this chain is missing: the rows it sealed are no longer protected`,
      });
    } else if (!previous.includes(p.previous)) {
      run.log.report({
        ...where,
        kind: 'chain_broken',
        detail: `checkpoint ${p.sequence} does not link to checkpoint ${p.sequence - 1} (previous digest differs)`,
      });
    }
  }
}
