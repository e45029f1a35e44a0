// 6. Memory: the exporter's resident set size over N minutes of sustained ingest. It must be flat:
// start, end, max and the least-squares slope over the second half (after warm-up) are printed,
// with the growth that slope would give over the second half as the ratio to the mean.
import { Dataset } from './dataset.js';
import { encodeLogsRequest } from './otlp.js';
import { sendAll, type Body } from './sender.js';
import type { ExporterHost } from './host-client.js';
import { fmt, slope, type BenchConfig, type Results } from './context.js';
import type { MemoryHeld } from './host-protocol.js';

export async function benchMemory(host: ExporterHost, config: BenchConfig, results: Results): Promise<void> {
  const minutes = config.memoryMinutes;
  results.section(`## 6. Memory: exporter RSS over ${minutes} min of sustained ingest`);
  const now = Date.now();
  // Fresh records near "now", spaced as if 50 M were spread over the last hour (never in the future).
  const dataset = new Dataset({
    seed: config.dataset.seed + 1,
    startMs: now - 3600_000,
    endMs: now - 60_000,
    expectedRecords: 50_000_000,
  });
  const deadline = performance.now() + minutes * 60_000;
  const next = (): Body | undefined => {
    if (performance.now() > deadline) return undefined;
    const records = dataset.next(config.requestSize);
    return { bytes: encodeLogsRequest(records), records: records.length };
  };
  const samples: { t: number; rss: number }[] = [];
  const heap: { t: number; heapUsed: number; external: number }[] = [];
  const started = performance.now();
  const minutesSince = () => (performance.now() - started) / 60_000;
  const sample = () => samples.push({ t: minutesSince(), rss: host.rss() });
  const sampleHeap = async () => {
    const usage = (await host.call('memoryUsage', {})) as NodeJS.MemoryUsage;
    heap.push({ t: minutesSince(), heapUsed: usage.heapUsed, external: usage.external });
  };
  sample();
  await sampleHeap();
  const timer = setInterval(sample, 1000);
  const heapTimer = setInterval(() => void sampleHeap().catch(() => undefined), 5000);
  const stats = await sendAll(host.info.otlpUrl, next, config.concurrency);
  clearInterval(timer);
  clearInterval(heapTimer);
  sample();
  await sampleHeap();
  const mb = (b: number) => b / 1024 / 1024;
  const rss = samples.map((s) => s.rss);
  const second = samples.slice(Math.floor(samples.length / 2));
  const perMin = mb(
    slope(
      second.map((s) => s.t),
      second.map((s) => s.rss),
    ),
  );
  const mean = mb(second.reduce((n, s) => n + s.rss, 0) / second.length);
  const halfMinutes = (second.at(-1)?.t ?? 0) - (second[0]?.t ?? 0);
  const growth = (perMin * halfMinutes) / mean;
  const flat = Math.abs(growth) < 0.05;
  results.set('memory.minutes', minutes);
  results.set('memory.records', stats.records);
  results.set('memory.records_per_s', (stats.records / stats.ms) * 1000);
  results.set('memory.rss_start_mb', mb(rss[0] ?? NaN));
  results.set('memory.rss_end_mb', mb(rss.at(-1) ?? NaN));
  results.set('memory.rss_max_mb', mb(Math.max(...rss)));
  results.set('memory.slope_mb_per_min', perMin);
  results.set('memory.second_half_growth_ratio', growth);
  results.set('memory.flat', flat);
  const heapSecond = heap.slice(Math.floor(heap.length / 2));
  const heapPerMin = mb(
    slope(
      heapSecond.map((h) => h.t),
      heapSecond.map((h) => h.heapUsed),
    ),
  );
  results.set('memory.js_heap_start_mb', mb(heap[0]?.heapUsed ?? NaN));
  results.set('memory.js_heap_end_mb', mb(heap.at(-1)?.heapUsed ?? NaN));
  results.set('memory.js_heap_slope_mb_per_min', heapPerMin);
  results.detail(
    'memory.heap',
    heap.map((h) => [Number(h.t.toFixed(3)), Math.round(mb(h.heapUsed)), Math.round(mb(h.external))]),
  );
  results.detail(
    'memory.samples',
    samples.map((s) => [Number(s.t.toFixed(3)), Math.round(mb(s.rss))]),
  );
  results.line(
    `RSS over ${minutes} min (${fmt.n(stats.records)} records, ${fmt.n((stats.records / stats.ms) * 1000)}/s): start ${fmt.n(mb(rss[0] ?? NaN))} MB, ` +
      `end ${fmt.n(mb(rss.at(-1) ?? NaN))} MB, max ${fmt.n(mb(Math.max(...rss)))} MB; slope over the second half ${perMin.toFixed(1)} MB/min ` +
      `= ${(growth * 100).toFixed(1)}% of its mean ${fmt.n(mean)} MB (flat: ${flat ? 'yes' : 'NO'}, |growth| < 5%)`,
  );
  results.line(
    `  of which the JS heap: ${fmt.n(mb(heap[0]?.heapUsed ?? NaN))} → ${fmt.n(mb(heap.at(-1)?.heapUsed ?? NaN))} MB, ` +
      `slope over the second half ${heapPerMin.toFixed(1)} MB/min (the rest is native: ClickHouse's caches and buffers)`,
  );
  // Where it goes: the heap after a full collection (what is held, not garbage yet to collect),
  // and what ClickHouse's own memory tracker and caches hold, once the ingest is over.
  const held = (await host.call('memoryHeld', {})) as MemoryHeld;
  results.set('memory.js_heap_after_gc_mb', mb(held.heapUsedAfterGc));
  results.set('memory.rss_after_gc_mb', mb(held.rss));
  results.set('memory.js_heap_reserved_after_gc_mb', mb(held.heapTotalAfterGc));
  results.set('memory.clickhouse_tracked_mb', mb(held.clickhouseTracked));
  results.detail('memory.clickhouse', held.clickhouse);
  const caches = Object.entries(held.clickhouse).map(([name, bytes]) => `${name} ${fmt.n(bytes / 1024)} KB`);
  const startRss = samples[0]?.rss ?? NaN;
  const rest = held.rss - held.heapTotalAfterGc - held.external - held.clickhouseTracked;
  results.set('memory.rss_not_heap_or_tracked_mb', mb(rest));
  results.line(
    `  held once the ingest is over: JS heap after a full GC ${fmt.n(mb(held.heapUsedAfterGc))} MB (the rest of the heap was ` +
      `garbage not yet collected; V8 keeps ${fmt.n(mb(held.heapTotalAfterGc))} MB reserved), buffers outside the heap ` +
      `${fmt.n(mb(held.external))} MB, ClickHouse's memory tracker ${fmt.n(mb(held.clickhouseTracked))} MB ` +
      `(its caches: ${caches.length > 0 ? caches.join(', ') : 'empty'}); of the RSS of ${fmt.n(mb(held.rss))} MB the other ` +
      `${fmt.n(mb(rest))} MB are the engine's code and start-up (the RSS was ${fmt.n(mb(startRss))} MB before the ingest) and ` +
      `memory the allocators keep for reuse after freeing it, which grows only while the peak working set does`,
  );
}
