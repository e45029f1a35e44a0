// 1. Ingest: OTLP/protobuf batches → exporter → ClickHouse, against the raw-insert ceiling (the
// same rows, already mapped and serialised, inserted straight into an identical schema in the
// same ClickHouse session). Then the rest of the dataset is loaded for the later sections.
import { join } from 'node:path';
import { Dataset } from './dataset.js';
import { encodeLogsRequest } from './otlp.js';
import { sendAll, type Body, type SendStats } from './sender.js';
import type { ExporterHost } from './host-client.js';
import { fmt, log, type BenchConfig, type Results } from './context.js';
import { batchDelta, batchFigures, type BatchFigures } from './metrics.js';
import { CPU_STEPS, type CpuBreakdown, type CpuStep } from './cpu-profile.js';
import { printInsertCost } from './insert-cost.js';

function preEncode(dataset: Dataset, count: number, requestSize: number): Body[] {
  const bodies: Body[] = [];
  for (let done = 0; done < count; done += requestSize) {
    const records = dataset.next(Math.min(requestSize, count - done));
    bodies.push({ bytes: encodeLogsRequest(records), records: records.length });
  }
  return bodies;
}

function fromList(bodies: Body[]): () => Body | undefined {
  let i = 0;
  return () => bodies[i++];
}

/**
 * The bare pipeline (no compliance, self-audit or alerting modules: decode, validation, mapping,
 * the idempotency check and the insert only) on a fresh exporter, against the ceiling likewise.
 */
export async function benchBarePipeline(
  host: ExporterHost,
  config: BenchConfig,
  results: Results,
): Promise<void> {
  const count = Math.min(config.ingestRecords, 100_000);
  const dataset = new Dataset(config.dataset);
  const bodies = preEncode(dataset, count, config.requestSize);
  const ceiling = (await host.call('ceiling', {
    dataset: config.dataset,
    offset: 0,
    count,
    requestSize: config.requestSize,
    batchRows: 5000,
  })) as { rows: number; ms: number };
  const stats = await sendAll(host.info.otlpUrl, fromList(bodies), config.concurrency);
  if (stats.rejected > 0)
    throw new Error(`exporter rejected ${stats.rejected} records: ${stats.firstRejection}`);
  const rate = (stats.records / stats.ms) * 1000;
  const ceilingRate = (ceiling.rows / ceiling.ms) * 1000;
  results.set('ingest.bare_pipeline_records_per_s', rate);
  results.set('ingest.bare_pipeline_ratio_to_raw_insert', rate / ceilingRate);
  results.line(
    `bare pipeline (no integrity, self-audit or alert modules), ${fmt.n(count)} records: ${fmt.n(rate)} records/s vs ` +
      `the ceiling's ${fmt.n(ceilingRate)} rows/s → ${((rate / ceilingRate) * 100).toFixed(0)}%`,
  );
}

/**
 * Per record, the CPU of each step of the ingest path (from the main thread's sampling profile)
 * and of the process's other threads (ClickHouse in the embedded store).
 */
function printCpuSteps(profiles: CpuBreakdown[], records: number, results: Results): void {
  const perRecordUs = (ms: number) => (ms / records) * 1000;
  const steps = Object.fromEntries(
    CPU_STEPS.map((step) => [step, profiles.reduce((sum, p) => sum + p.mainThreadMs[step], 0)]),
  ) as Record<CpuStep, number>;
  const mainMs = Object.values(steps).reduce((a, b) => a + b, 0);
  const processMs = profiles.reduce((sum, p) => sum + p.processMs, 0);
  const otherThreadsMs = Math.max(0, processMs - mainMs);
  for (const step of CPU_STEPS) results.set(`ingest.cpu_us.${step.split(' ')[0]}`, perRecordUs(steps[step]));
  results.set('ingest.cpu_us.store_threads', perRecordUs(otherThreadsMs));
  results.line(
    `  where the exporter's CPU goes, µs per record (its main thread's CPU shared out by a sampling profile; ` +
      `store threads: the rest of the process's CPU, ClickHouse's and libuv's threads): ` +
      CPU_STEPS.filter((step) => steps[step] > 0)
        .map((step) => `${step} ${fmt.n(perRecordUs(steps[step]), 1)}`)
        .join(', ') +
      `; main thread ${fmt.n(perRecordUs(mainMs), 1)}, store threads ${fmt.n(perRecordUs(otherThreadsMs), 1)}`,
  );
}

/** Returns the event time just after the last record that went through the exporter (sealed). */
export async function benchIngest(
  host: ExporterHost,
  config: BenchConfig,
  results: Results,
): Promise<number> {
  results.section(
    `## 1. Ingest (${host.info.mode} ClickHouse): OTLP/protobuf → exporter, vs the raw-insert ceiling`,
  );
  const dataset = new Dataset(config.dataset);
  const halves = [
    Math.floor(config.ingestRecords / 2),
    config.ingestRecords - Math.floor(config.ingestRecords / 2),
  ];
  let offset = 0;
  let sealedUntil = config.dataset.startMs;
  const ingestRuns: SendStats[] = [];
  const ceilingRuns: { rows: number; ms: number; jsonBytes: number; cpuMs: number; inserts: number }[] = [];
  let ingestCpuMs = 0;
  const batches: BatchFigures[] = [];
  const storeWait: Record<string, { calls: number; ms: number }> = {};
  const profiles: CpuBreakdown[] = [];
  // Alternating halves: drift in the machine's load hits both sides alike.
  for (const count of halves) {
    const ceiling = (await host.call('ceiling', {
      dataset: config.dataset,
      offset,
      count,
      requestSize: config.requestSize,
      batchRows: 5000,
    })) as { rows: number; ms: number; jsonBytes: number; cpuMs: number; inserts: number };
    ceilingRuns.push(ceiling);
    const bodies = preEncode(dataset, count, config.requestSize);
    sealedUntil = dataset.lastTimeMs + 1;
    const before = await batchFigures(host.info.apiUrl);
    const storeBefore = (await host.call('storeTime', {})) as Record<string, { calls: number; ms: number }>;
    const cpuBefore = (await host.call('cpuUsage', {})) as NodeJS.CpuUsage;
    await host.call('profileStart', {});
    const stats = await sendAll(host.info.otlpUrl, fromList(bodies), config.concurrency);
    const saveTo =
      config.cpuProfileDir && join(config.cpuProfileDir, `ingest-${ingestRuns.length + 1}.cpuprofile`);
    profiles.push((await host.call('profileStop', saveTo ? { saveTo } : {})) as CpuBreakdown);
    const cpuAfter = (await host.call('cpuUsage', {})) as NodeJS.CpuUsage;
    ingestCpuMs += (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) / 1000;
    batches.push(batchDelta(before, await batchFigures(host.info.apiUrl)));
    const storeAfter = (await host.call('storeTime', {})) as Record<string, { calls: number; ms: number }>;
    for (const [op, t] of Object.entries(storeAfter)) {
      const b = storeBefore[op] ?? { calls: 0, ms: 0 };
      const entry = (storeWait[op] ??= { calls: 0, ms: 0 });
      entry.calls += t.calls - b.calls;
      entry.ms += t.ms - b.ms;
    }
    if (stats.rejected > 0)
      throw new Error(`exporter rejected ${stats.rejected} records: ${stats.firstRejection}`);
    ingestRuns.push(stats);
    offset += count;
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const ingestRecords = sum(ingestRuns.map((r) => r.records));
  const ingestMs = sum(ingestRuns.map((r) => r.ms));
  const ingestBytes = sum(ingestRuns.map((r) => r.bytes));
  const ceilingRows = sum(ceilingRuns.map((r) => r.rows));
  const ceilingMs = sum(ceilingRuns.map((r) => r.ms));
  const recordsPerS = (ingestRecords / ingestMs) * 1000;
  const mbPerS = (ingestBytes / 1024 / 1024 / ingestMs) * 1000;
  const ceilingPerS = (ceilingRows / ceilingMs) * 1000;
  // CPU time of the exporter's process (its JS and the in-process ClickHouse) per row: unlike the
  // rates, barely moved by other load on the machine.
  const ceilingCpuUs = (sum(ceilingRuns.map((r) => r.cpuMs)) / ceilingRows) * 1000;
  const ingestCpuUs = (ingestCpuMs / ingestRecords) * 1000;
  const ratio = recordsPerS / ceilingPerS;
  results.set('ingest.records_per_s', recordsPerS);
  results.set('ingest.mb_per_s', mbPerS);
  results.set('ingest.raw_insert_records_per_s', ceilingPerS);
  results.set('ingest.ratio_to_raw_insert', ratio);
  results.set('ingest.avg_record_bytes_protobuf', ingestBytes / ingestRecords);
  results.set('ingest.cpu_us_per_record', ingestCpuUs);
  results.set('ingest.raw_insert_cpu_us_per_row', ceilingCpuUs);
  results.detail('ingest', {
    ingestRuns,
    ceilingRuns,
    requestSize: config.requestSize,
    concurrency: config.concurrency,
  });
  results.line(
    `ingest: ${fmt.n(recordsPerS)} records/s, ${fmt.n(mbPerS, 1)} MB/s OTLP protobuf (${fmt.n(ingestBytes / ingestRecords)} B/record; ` +
      `${config.concurrency} requests × ${config.requestSize} records in flight)`,
  );
  const batchRows = sum(batches.map((b) => b.rows));
  const batchCount = sum(batches.map((b) => b.batches));
  const batchSeconds = sum(batches.map((b) => b.seconds));
  results.set('ingest.avg_batch_rows', batchRows / batchCount);
  results.set('ingest.avg_batch_ms', (batchSeconds / batchCount) * 1000);
  results.line(
    `  exporter batches: ${fmt.n(batchCount)} of ${fmt.n(batchRows / batchCount)} rows on average, ${fmt.n((batchSeconds / batchCount) * 1000)} ms each ` +
      `(existence check + insert + hooks; ${fmt.n((batchSeconds / (ingestMs / 1000)) * 100)}% of the wall time summed over tables)`,
  );
  const { busy, ...calls } = storeWait;
  results.line(
    `  exporter's store calls: ${Object.entries(calls)
      .filter(([, t]) => t.calls > 0)
      .map(([op, t]) => `${op} ${fmt.n(t.calls)} × ${fmt.ms(t.ms / t.calls)} ms`)
      .join(', ')}`,
  );
  if (busy) {
    results.set('ingest.store_busy_share', busy.ms / ingestMs);
    results.line(
      `  the store had a call outstanding ${fmt.n((busy.ms / ingestMs) * 100)}% of the ingest's wall time (the rest: the exporter's own work)`,
    );
  }
  results.detail('ingest.store_calls', storeWait);
  results.line(
    `  CPU of the exporter's process (JS + in-process ClickHouse): ${fmt.n(ingestCpuUs)} µs per record vs the raw insert's ` +
      `${fmt.n(ceilingCpuUs)} µs per row → ${fmt.ratio(ingestCpuUs / ceilingCpuUs)}`,
  );
  printCpuSteps(profiles, ingestRecords, results);
  results.line(
    `raw insert ceiling (same rows pre-serialised, same schema, same run): ${fmt.n(ceilingPerS)} rows/s → ingest = ` +
      `${(ratio * 100).toFixed(0)}% of the ceiling (goal ≥ 50%, on the way to 80%: ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
  );

  if (host.info.mode === 'embedded')
    await printInsertCost(config, storeWait, ingestRecords, ceilingRuns, results);

  const rest = config.rows - config.ingestRecords;
  if (rest > 0) {
    // The rest of the rows for the query comparison and the hot paths: mapped by the exporter's own
    // mapping and inserted along the raw path (the full pipeline with integrity sealing would take
    // far longer than a bench run on this machine; its rate is the one measured above).
    log(`loading the rest of the dataset (${fmt.n(rest)} records, mapped by the exporter, raw inserts)…`);
    const load = (await host.call('bulkLoad', {
      dataset: config.dataset,
      offset: config.ingestRecords,
      count: rest,
      requestSize: config.requestSize,
      batchRows: 5000,
    })) as { rows: number; ms: number };
    results.set('ingest.bulk_load_rows_per_s', (load.rows / load.ms) * 1000);
    results.line(
      `bulk load of the other ${fmt.n(load.rows)} rows (raw path, ${fmt.n((load.rows / load.ms) * 1000)} rows/s); ` +
        `the first ${fmt.n(config.ingestRecords)} went through the exporter and are sealed by its integrity chain`,
    );
  }
  await host.call('settle', {});
  return sealedUntil;
}
