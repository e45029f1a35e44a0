// `npm run bench` (full) / `npm run bench -- --quick`: the AuditLens benchmark suite. Every figure
// is printed next to a baseline measured in the same run, as a ratio: the machine is shared and
// noisy, absolute numbers move, the ratios much less. Writes bench/results/latest.{json,md}.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExporterHost } from './host-client.js';
import { benchBarePipeline, benchIngest } from './ingest.js';
import { benchSdk } from './sdk.js';
import { benchSeedDesign } from './seed-design/peer.js';
import { benchHotPaths } from './hot-paths.js';
import { benchBehaviour } from './behaviour.js';
import { benchAlerts } from './alerts.js';
import { benchMemory } from './memory.js';
import { benchUsageStorage } from './usage-storage.js';
import { benchSpool } from './spool.js';
import { Results, log, type BenchConfig } from './context.js';
import { writeReports } from './report.js';

const SECTIONS = ['ingest', 'sdk', 'seed', 'hot', 'behaviour', 'alerts', 'memory', 'usage', 'spool'] as const;

function parseArgs(argv: string[]): BenchConfig {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split('=');
    if (key) flags.set(key, value ?? 'true');
  }
  const quick = flags.has('quick');
  const num = (name: string, fallback: number) => (flags.has(name) ? Number(flags.get(name)) : fallback);
  const rows = num('rows', quick ? 1_000_000 : 10_000_000);
  // The last midnight at least a day ago: the generator may overshoot its end by a little.
  const endMs = Math.floor((Date.now() - 86_400_000) / 86_400_000) * 86_400_000;
  const days = 30;
  const only = flags.get('only');
  const workDir = mkdtempSync(join(flags.get('work-dir') ?? tmpdir(), 'auditlens-bench-'));
  return {
    quick,
    rows,
    ingestRecords: Math.min(rows, num('ingest-records', quick ? 50_000 : 300_000)),
    requestSize: num('request-size', 512),
    concurrency: num('concurrency', 64),
    queryReps: num('query-reps', quick ? 3 : 5),
    memoryMinutes: num('memory-minutes', quick ? 0.5 : 10),
    alertIncidents: num('alert-incidents', quick ? 20 : 200),
    sdkIterations: num('sdk-iterations', quick ? 10_000 : 50_000),
    sdkRequests: num('sdk-requests', quick ? 1000 : 4000),
    sections: new Set(only ? only.split(',') : SECTIONS),
    dataset: {
      seed: num('seed', 20_240_601),
      startMs: endMs - days * 86_400_000,
      endMs,
      expectedRecords: rows,
    },
    workDir,
    resultsDir: fileURLToPath(new URL('../results/', import.meta.url)),
    cpuProfileDir: flags.has('cpu-prof') ? join(workDir, 'cpu-profiles') : undefined,
    resultsName: flags.get('out'),
  };
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  const results = new Results();
  const started = Date.now();
  log(
    `AuditLens benchmark (${config.quick ? 'quick' : 'full'}): ${config.rows.toLocaleString('en-US')} rows, ` +
      `node ${process.version}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; sections: ${[...config.sections].join(', ')}`,
  );
  results.set('run.mode', config.quick ? 'quick' : 'full');
  results.set('run.rows', config.rows);
  results.set('run.started', new Date(started).toISOString());
  mkdirSync(config.resultsDir, { recursive: true });
  results.onSection = () => {
    results.set('run.seconds', (Date.now() - started) / 1000);
    writeReports(config, results);
  };
  const has = (section: string) => config.sections.has(section);
  const flagBare = process.argv.includes('--bare');
  try {
    if (['ingest', 'seed', 'hot', 'behaviour'].some(has)) {
      const host = await ExporterHost.start(join(config.workDir, 'exporter'), {
        cpuProfileDir: config.cpuProfileDir,
      });
      results.set('run.store', host.info.mode);
      try {
        const sealedUntil = ['ingest', 'seed', 'hot', 'behaviour'].some(has)
          ? await benchIngest(host, config, results)
          : config.dataset.startMs;
        if (has('seed')) {
          const ours = results.keys['ingest.records_per_s'];
          await benchSeedDesign(host, config, results, typeof ours === 'number' ? ours : undefined);
        }
        if (has('hot')) await benchHotPaths(host, config, results, sealedUntil);
        if (has('behaviour')) await benchBehaviour(host, config, results);
      } finally {
        await host.close();
      }
    }
    if (has('ingest') && (!config.quick || flagBare)) {
      // Where the time goes: the same ingest on an exporter without its feature modules.
      const host = await ExporterHost.start(join(config.workDir, 'exporter-bare'), { bare: true });
      try {
        await benchBarePipeline(host, config, results);
      } finally {
        await host.close();
      }
    }
    if (has('memory')) {
      // A fresh exporter: its RSS is the exporter's alone, not the bench's loading work above.
      const host = await ExporterHost.start(join(config.workDir, 'exporter-memory'));
      try {
        await benchMemory(host, config, results);
      } finally {
        await host.close();
      }
    }
    // Separate processes of their own, run once the exporter under test is gone.
    if (has('sdk')) await benchSdk(config, results);
    if (has('alerts')) await benchAlerts(config, results);
    if (has('usage')) await benchUsageStorage(config, results);
    if (has('spool')) await benchSpool(config, results);
  } finally {
    results.set('run.seconds', (Date.now() - started) / 1000);
    writeReports(config, results);
    if (!config.cpuProfileDir) rmSync(config.workDir, { recursive: true, force: true });
    else log(`CPU profiles: ${config.cpuProfileDir}`);
  }
}

// Exit once the reports are written: a client library's idle timers must not keep the run open.
await main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
