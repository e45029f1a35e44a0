// Benchmark: how long from the commit of the records that complete an incident to its alert state
// being stored (DESIGN §7: "detection within a second of ingest"), and from the OTLP request to the
// instance being visible in GET /api/v1/alerts. Embedded store (chdb), default batching.
//
//   npm run build && node bench/dist/alert-latency-child.js [incidents]   (npm run bench -- --only=alerts runs it)
import { postLogs, securityRecord, tempDir, startTestExporter } from '@auditlens/test-support';
import { alertingModule } from '@auditlens/exporter';

const incidents = Number(process.argv[2] ?? 200);
const commitToState: number[] = [];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const format = (values: number[]): string =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`;

const dir = tempDir('alert-bench');
const exporter = await startTestExporter(dir.path, {
  modules: [
    alertingModule({
      onPersisted: (transition, instance, latencyMs) => {
        if (transition === 'fired' && instance.ruleId === 'builtin.brute-force-ip')
          commitToState.push(latencyMs);
      },
    }),
  ],
});
const endToEnd: number[] = [];
try {
  for (let i = 0; i < incidents; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const records = Array.from({ length: 11 }, () =>
      securityRecord({ tenant: 'bench', attributes: { 'client.address': ip, 'user.id': '' } }),
    );
    const sent = performance.now();
    const posted = await postLogs(exporter.otlpUrl, records);
    if (posted.status !== 200) throw new Error(`OTLP answered ${posted.status}`);
    for (;;) {
      const response = await fetch(
        `${exporter.apiUrl}/api/v1/alerts?tenant=bench&rule=builtin.brute-force-ip&limit=1000`,
      );
      const body = (await response.json()) as { instances: { groupLabels: Record<string, string> }[] };
      if (body.instances.some((instance) => instance.groupLabels.ip_address === ip)) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    endToEnd.push(performance.now() - sent);
  }
  process.stdout.write(`commit → alert state stored:        ${format(commitToState)}\n`);
  process.stdout.write(`OTLP request → visible in /alerts:   ${format(endToEnd)}\n`);
  process.stdout.write(
    '(the OTLP figure includes the batch delay, AUDITLENS_BATCH_MAX_DELAY_MS, default 200 ms)\n',
  );
} finally {
  await exporter.close();
  dir.remove();
}
