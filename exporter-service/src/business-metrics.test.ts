// The source's business metrics (000: operations by action, result and risk level, durations,
// slow requests) on /metrics, from records sent over OTLP and committed; the action label bounded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningExporter } from './exporter.js';
import { postLogs, requestRecord, securityRecord, tempDir, startTestExporter } from '@auditlens/test-support';

const dir = tempDir('business-metrics');
let exporter: RunningExporter;

before(async () => {
  exporter = await startTestExporter(dir.path, {
    modules: [],
    metrics: { slowRequestMs: 500, maxActions: 4 },
  });
});

after(async () => {
  await exporter.close();
  dir.remove();
});

async function scrape(): Promise<string> {
  return (await fetch(`${exporter.apiUrl}/metrics`)).text();
}

/** The value of one series (labels as Prometheus prints them, in order), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const request = (action: string, durationMs: number, result = 'success', risk = 1) =>
  requestRecord({
    attributes: {
      'audit.operation': action,
      'audit.duration_ms': durationMs,
      'audit.result': result,
      'audit.risk_level': risk,
    },
  });

test('operations are counted by kind, action, result and risk level; durations and slow requests too', async () => {
  const records = [
    ...Array.from({ length: 8 }, (_, i) => request('list_users', 20 + i)),
    ...Array.from({ length: 6 }, () => request('delete_user', 900, 'failure', 3)),
    ...Array.from({ length: 5 }, () =>
      securityRecord({
        attributes: { 'audit.operation': 'login', 'audit.result': 'failure', 'audit.risk_level': 2 },
      }),
    ),
  ];
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  const text = await scrape();
  // An action's first four records count as other; from the fifth on, it has its own label.
  assert.equal(
    sample(
      text,
      'auditlens_audit_operations_total{kind="request",action="list_users",result="success",risk_level="1"}',
    ),
    4,
  );
  assert.equal(
    sample(
      text,
      'auditlens_audit_operations_total{kind="request",action="delete_user",result="failure",risk_level="3"}',
    ),
    2,
  );
  assert.equal(
    sample(
      text,
      'auditlens_audit_operations_total{kind="security",action="login",result="failure",risk_level="2"}',
    ),
    1,
  );
  const total = [...text.matchAll(/^auditlens_audit_operations_total\{[^}]*\} (\d+)$/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  assert.equal(total, records.length, 'every committed record counted once');
  // Durations: all 14 requests observed; the 6 over the 500 ms threshold are slow.
  const durations = [
    ...text.matchAll(/^auditlens_audit_operation_duration_seconds_count\{kind="request",[^}]*\} (\d+)$/gm),
  ];
  assert.equal(
    durations.reduce((n, m) => n + Number(m[1]), 0),
    14,
  );
  const slow = [...text.matchAll(/^auditlens_audit_slow_operations_total\{kind="request",[^}]*\} (\d+)$/gm)];
  assert.equal(
    slow.reduce((n, m) => n + Number(m[1]), 0),
    6,
  );
  // A retried request (same event ids) is stored once and counted once.
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  const again = [...(await scrape()).matchAll(/^auditlens_audit_operations_total\{[^}]*\} (\d+)$/gm)];
  assert.equal(
    again.reduce((n, m) => n + Number(m[1]), 0),
    records.length,
  );
});

test('the action label is bounded: past the cap every new action is other, one-offs never take a slot', async () => {
  // 500 one-off actions (an id in the name), then a fourth recurring action (three were admitted above).
  const oneOffs = Array.from({ length: 500 }, (_, i) => request(`get_order_${i}`, 10));
  const recurring = Array.from({ length: 6 }, () => request('export_report', 10));
  assert.equal((await postLogs(exporter.otlpUrl, [...oneOffs, ...recurring])).status, 200);
  const text = await scrape();
  const actions = new Set(
    [...text.matchAll(/^auditlens_audit_\w+\{kind="\w+",action="([^"]*)"/gm)].map((m) => m[1]),
  );
  assert.deepEqual([...actions].sort(), ['delete_user', 'export_report', 'list_users', 'login', 'other']);
  assert.doesNotMatch(text, /get_order_/);
  // The cap is reached (4): any further action, however frequent, is other.
  assert.equal(
    (
      await postLogs(
        exporter.otlpUrl,
        Array.from({ length: 10 }, () => request('audit_search', 10)),
      )
    ).status,
    200,
  );
  assert.doesNotMatch(await scrape(), /action="audit_search"/);
});

test('process metrics carry one prefix: auditlens_process_*, not auditlens_process_process_*', async () => {
  const text = await scrape();
  assert.match(text, /^# TYPE auditlens_process_cpu_seconds_total counter$/m);
  assert.match(text, /^# TYPE auditlens_nodejs_heap_size_used_bytes gauge$/m);
  assert.doesNotMatch(text, /auditlens_process_process_|auditlens_process_nodejs_/);
});
