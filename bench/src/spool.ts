// 7. The cost of the SDK's strict delivery settings (sdk/README.md "What survives a crash"): the
// spool written before every first send (`spool.mode: 'always'`), with and without `fsync`, next to
// the default (`overflow`: the spool only while the backend fails), in the same run. The transport
// is a sink that acknowledges at once, so the figures are the spool's own cost, not the network's.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { AuditClient } from '@auditlens/sdk';
import { fmt, log, median, type BenchConfig, type Results } from './context.js';
import { sinkTransport } from './sink-transport.js';

interface Setting {
  key: string;
  label: string;
  spool: { mode: 'overflow' | 'always'; fsync: boolean };
}

const SETTINGS: Setting[] = [
  { key: 'overflow', label: "mode 'overflow' (default)", spool: { mode: 'overflow', fsync: true } },
  { key: 'always', label: "mode 'always', fsync false", spool: { mode: 'always', fsync: false } },
  {
    key: 'always_fsync',
    label: "mode 'always', fsync true (strict)",
    spool: { mode: 'always', fsync: true },
  },
];

const CHUNK = 512;

function client(setting: Setting, dir: string): AuditClient {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return new AuditClient({
    serviceName: 'bench-spool',
    transport: sinkTransport,
    spoolDir: dir,
    spool: setting.spool,
    handleSignals: false,
    delivery: { maxQueueSize: 1_000_000 },
  });
}

/** µs per record from the first call to every record acknowledged (or spooled). */
async function throughput(audit: AuditClient, records: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    audit.loginFailed({ userName: `user-${i % 97}`, reason: 'bad_password' });
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  await audit.forceFlush();
  return Number(process.hrtime.bigint() - started) / 1000 / records;
}

/** Median ms from a call to `await audit.forceFlush()` resolving: the per-record strict path. */
async function flushLatency(audit: AuditClient, samples: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = process.hrtime.bigint();
    audit.admin({ operation: 'CHANGE_ROLE', target: { type: 'USER', id: i } });
    await audit.forceFlush();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

export async function benchSpool(config: BenchConfig, results: Results): Promise<void> {
  results.section("## 7. SDK delivery settings: the spool before every send (`spool.mode: 'always'`, fsync)");
  const records = config.quick ? 20_000 : 100_000;
  const samples = config.quick ? 100 : 300;
  const rounds = config.quick ? 3 : 5;
  const perRecord = new Map<string, number[]>();
  const flushMs = new Map<string, number[]>();
  // A warm-up of each setting (JIT, file system caches), not counted.
  for (const setting of SETTINGS) {
    const audit = client(setting, join(config.workDir, 'spool', setting.key));
    await throughput(audit, CHUNK * 10).finally(() => audit.shutdown());
  }
  // Interleaved, round by round: a noisy machine shifts every setting alike.
  for (let round = 0; round < rounds; round++) {
    for (const setting of SETTINGS) {
      const audit = client(setting, join(config.workDir, 'spool', setting.key));
      try {
        perRecord.set(setting.key, [...(perRecord.get(setting.key) ?? []), await throughput(audit, records)]);
        flushMs.set(setting.key, [...(flushMs.get(setting.key) ?? []), await flushLatency(audit, samples)]);
      } finally {
        await audit.shutdown();
      }
    }
    log(`  spool round ${round + 1}/${rounds} done`);
  }
  const base = median(perRecord.get('overflow') ?? []);
  const baseFlush = median(flushMs.get('overflow') ?? []);
  for (const setting of SETTINGS) {
    const us = median(perRecord.get(setting.key) ?? []);
    const ms = median(flushMs.get(setting.key) ?? []);
    results.set(`spool.us_per_record.${setting.key}`, us);
    results.set(`spool.ratio_to_overflow.${setting.key}`, us / base);
    results.set(`spool.flush_ms.${setting.key}`, ms);
    results.line(
      `${setting.label}: ${fmt.n(us, 2)} µs per record delivered (${records.toLocaleString('en-US')} records, ` +
        `batches of 512) → ${fmt.ratio(us / base)}; one record then \`await forceFlush()\`: ${fmt.ms(ms)} ms ` +
        `→ ${fmt.ratio(ms / baseFlush)}`,
    );
  }
}
