// 5. Alerts: runs the alert latency bench in its own process (alert-latency-child.ts):
// from the commit of the records that complete an incident to its alert state being stored, and
// from the OTLP request to the instance being visible in the API (the batch delay is the baseline).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, log, type BenchConfig, type Results } from './context.js';

const FIGURES = /p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms \(n=(\d+)\)/;

export async function benchAlerts(config: BenchConfig, results: Results): Promise<void> {
  results.section(
    `## 5. Alerts: commit → alert state (the alert module's bench, ${config.alertIncidents} incidents)`,
  );
  const script = fileURLToPath(new URL('./alert-latency-child.js', import.meta.url));
  const lines: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [script, String(config.alertIncidents)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        lines.push(line);
        log(`  | ${line}`);
      }
    });
    child.on('exit', resolve);
  });
  const commit = lines.find((l) => l.startsWith('commit'))?.match(FIGURES);
  const endToEnd = lines.find((l) => l.startsWith('OTLP'))?.match(FIGURES);
  if (code !== 0 || !commit) {
    results.note(`alerts bench exited with ${code} without its figures`);
    return;
  }
  const p50 = Number(commit[1]);
  const p99 = Number(commit[2]);
  results.set('alert.latency_p50_ms', p50);
  results.set('alert.latency_p99_ms', p99);
  results.set('alert.latency_max_ms', Number(commit[3]));
  if (endToEnd) {
    results.set('alert.otlp_to_api_p50_ms', Number(endToEnd[1]));
    results.set('alert.otlp_to_api_p99_ms', Number(endToEnd[2]));
  }
  results.line(
    `alerts: commit → alert state stored p50 ${fmt.ms(p50)} ms, p99 ${fmt.ms(p99)} ms vs the 1 s budget → ${fmt.ratio(1000 / p99)} headroom (goal p99 ≤ 1 s: ${p99 <= 1000 ? 'met' : 'NOT met'})` +
      (endToEnd
        ? `; OTLP request → visible in the API p50 ${endToEnd[1]} ms, p99 ${endToEnd[2]} ms (includes the 200 ms batch delay)`
        : ''),
  );
}
