// bench/results/latest.json (every figure, flat keys + details) and latest.md (the summary).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig, Results } from './context.js';

export function writeReports(config: BenchConfig, results: Results): void {
  const json = { keys: results.keys, notes: results.notes, details: results.details };
  // The quick run writes latest.*, the full run latest-full.* (both committed with their figures).
  const name = config.resultsName ?? (config.quick ? 'latest' : 'latest-full');
  writeFileSync(join(config.resultsDir, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  const md = [
    `# AuditLens benchmark — ${config.quick ? 'quick' : 'full'} run`,
    '',
    `${results.keys['run.started']}, ${results.keys['run.store']} ClickHouse, ${Number(results.keys['run.rows']).toLocaleString('en-US')} rows, ${Number(results.keys['run.seconds']).toFixed(0)} s. ` +
      'Every figure is measured against a baseline in the same run; the ratios are the point (the machine is shared).',
    '',
    '```',
    ...results.lines,
    '```',
    '',
    ...(results.notes.length > 0 ? ['Notes:', '', ...results.notes.map((n) => `- ${n}`), ''] : []),
    '| key | value |',
    '|---|---|',
    ...Object.entries(results.keys).map(([k, v]) => `| \`${k}\` | ${String(v)} |`),
    '',
  ].join('\n');
  writeFileSync(join(config.resultsDir, `${name}.md`), md);
}
