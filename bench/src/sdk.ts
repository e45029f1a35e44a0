// 2. SDK: runs the SDK overhead benchmark (sdk-child.ts, `npm run sdk-overhead -w bench`), which measures
// each kind next to a plain OTel logger.emit and the middleware against a bare Express app and
// against the OpenTelemetry HTTP + Express instrumentations in the same process; here its figures
// are weighted by the record mix of the dataset.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, log, type BenchConfig, type Results } from './context.js';

interface Measurement {
  callNs: number;
  totalNs: number;
  /** Ratio to the baseline of the same round (median over rounds); absent in older result files. */
  callRatio?: number;
  totalRatio?: number;
}
interface SdkFigures {
  /** Every figure is per record: a call emitting several records is divided by their number. */
  records: [string, Measurement][];
  mixed?: Required<Measurement>;
  middleware: {
    bareUs: number;
    auditedUs: number;
    /** The same app with @opentelemetry/instrumentation-http + -express, its spans serialised. */
    otelUs: number;
    requests: number;
    concurrency: number;
  };
}

/**
 * Share of the dataset's records of each kind (request, db operation + its field changes, security,
 * admin); the SDK benchmark reports ns per record, so these weights apply to its figures as they are.
 */
const MIX: [prefix: string, share: number][] = [
  ['request (headers, body', 0.47],
  ['db_operation + 2 field_change', 0.46],
  ['security', 0.047],
  ['admin', 0.019],
];

export async function benchSdk(config: BenchConfig, results: Results): Promise<void> {
  results.section(
    `## 2. SDK: ns per record per kind vs a plain OTel logger.emit; middleware vs a bare Express app`,
  );
  const script = fileURLToPath(new URL('./sdk-child.js', import.meta.url));
  const out = join(config.workDir, 'sdk-bench.json');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', script], {
      env: {
        ...process.env,
        BENCH_ITERATIONS: String(config.sdkIterations),
        BENCH_REQUESTS: String(config.sdkRequests),
        BENCH_JSON_OUT: out,
        BENCH_MIX: JSON.stringify(MIX),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`  | ${line}`);
    });
    child.on('exit', resolve);
  });
  if (code !== 0) {
    results.note(`SDK benchmark exited with ${code}`);
    return;
  }
  const figures = JSON.parse(readFileSync(out, 'utf8')) as SdkFigures;
  const baseline = figures.records[0]?.[1];
  if (!baseline) return;
  let call = 0;
  let total = 0;
  let weight = 0;
  for (const [prefix, share] of MIX) {
    const m = figures.records.find(([name]) => name.startsWith(prefix))?.[1];
    if (!m) continue;
    call += m.callNs * share;
    total += m.totalNs * share;
    weight += share;
  }
  const mixedCall = call / weight;
  const mixedTotal = total / weight;
  // The ratio is taken round by round against the baseline of the same round (the machine is shared).
  const ratio = figures.mixed?.callRatio ?? mixedCall / baseline.callNs;
  for (const [name, m] of figures.records) {
    const key =
      name
        .split(' (')[0]
        ?.replace(/[^a-z_]+/gi, '_')
        .toLowerCase() ?? name;
    results.set(`sdk.ns_per_record.${key}`, m.callNs);
  }
  results.set('sdk.ns_per_record', mixedCall);
  results.set('sdk.ns_per_record_with_export', mixedTotal);
  results.set('sdk.otel_emit_ns', baseline.callNs);
  results.set('sdk.ratio_to_otel_emit', ratio);
  const mw = figures.middleware;
  results.set('sdk.middleware_us_per_request', mw.auditedUs - mw.bareUs);
  results.set('sdk.middleware_ratio_to_bare_app', mw.auditedUs / mw.bareUs);
  results.set('sdk.otel_http_us_per_request', mw.otelUs - mw.bareUs);
  results.set('sdk.otel_http_ratio_to_bare_app', mw.otelUs / mw.bareUs);
  results.detail('sdk', figures);
  results.line(
    `SDK, mixed kinds: ${fmt.n(mixedCall)} ns per record in the call (${fmt.n(mixedTotal)} ns with batching and protobuf export) vs ` +
      `plain OTel logger.emit ${fmt.n(baseline.callNs)} ns → ${fmt.ratio(ratio)} (goal ≤ 3 µs: ${mixedCall <= 3000 ? 'met' : 'NOT met'})`,
  );
  const mwRatio = mw.auditedUs / mw.bareUs;
  const otelRatio = mw.otelUs / mw.bareUs;
  results.line(
    `middleware: ${fmt.n(mw.auditedUs - mw.bareUs, 1)} µs per request over a bare Express app of ${fmt.n(mw.bareUs, 1)} µs → ${fmt.ratio(mwRatio)} ` +
      `(goal ≤ 1.15×: ${mwRatio <= 1.15 ? 'met' : 'NOT met'}); the OpenTelemetry HTTP + Express instrumentations on the same app ` +
      `(request spans serialised to OTLP): ${fmt.n(mw.otelUs - mw.bareUs, 1)} µs → ${fmt.ratio(otelRatio)} ` +
      `(goal: the middleware costs no more: ${mwRatio <= otelRatio ? 'met' : 'NOT met'})`,
  );
}
