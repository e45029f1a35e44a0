// 5. User behaviour (issue 19) through the REST API, on the loaded rows: one user's 30-day profile
// (the per-user projections of migration 6 and the per-user day summary of migration 9, with the previous period and the peers of the
// same role or tenant), on whole days and on a period with a partial first and last day (whose
// hours the peers read from the audit rows), and the tenant's 30-day suspicious-activity list;
// then the bytes per row of the per-user projections and of audit_user_day. Baseline: the API's store round trip.
import type { ExporterHost } from './host-client.js';
import type { QueryTiming, TableSize } from './host-protocol.js';
import { fmt, median, type BenchConfig, type Results } from './context.js';

const TENANT = 'tenant_001';
const HOUR = 3_600_000;

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} → ${response.status}: ${body.slice(0, 300)}`);
  return performance.now() - started;
}

export async function benchBehaviour(
  host: ExporterHost,
  config: BenchConfig,
  results: Results,
): Promise<void> {
  results.section(`## 5. User behaviour at ${fmt.n(config.rows)} rows, through the REST API`);
  const api = `${host.info.apiUrl}/api/v1`;
  const db = host.info.database;
  const reps = Math.max(3, config.queryReps);
  const to = config.dataset.endMs;
  const from = to - 30 * 86_400_000;
  const pings: number[] = [];
  for (let i = 0; i < 7; i++) pings.push(await timedGet(`${host.info.apiUrl}/readyz`));
  const ping = median(pings);
  // The tenant's most active user: the largest profile.
  const [top] = (
    (await host.call('query', {
      sql: `SELECT user_id AS v, count() AS n FROM ${db}.audit_request_log WHERE tenant_id = '${TENANT}' AND user_id != '' GROUP BY v ORDER BY n DESC LIMIT 1`,
      params: {},
      reps: 0,
    })) as QueryTiming
  ).rows;
  const user = encodeURIComponent(String(top?.v ?? ''));
  for (const [label, key, url] of [
    [
      `profile of the most active user, 30 days`,
      'profile_30d',
      `${api}/behaviour/profile?tenant=${TENANT}&user=${user}&from=${from}&to=${to}`,
    ],
    [
      `profile against the whole tenant, 30 days`,
      'profile_tenant_peers_30d',
      `${api}/behaviour/profile?tenant=${TENANT}&user=${user}&peers=tenant&from=${from}&to=${to}`,
    ],
    [
      `profile, 30 days from 11:00 (partial days)`,
      'profile_partial_days_30d',
      `${api}/behaviour/profile?tenant=${TENANT}&user=${user}&from=${from - 13 * HOUR}&to=${to - 13 * HOUR}`,
    ],
    [
      'suspicious-activity list, 30 days',
      'suspicious_30d',
      `${api}/behaviour/suspicious?tenant=${TENANT}&from=${from}&to=${to}`,
    ],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const ms = await timedGet(url);
      if (i > 0) times.push(ms);
    }
    const ms = median(times);
    results.set(`behaviour.${key}_ms`, ms);
    results.line(`  ${label.padEnd(44)} ${fmt.ms(ms).padStart(8)} ms  (${fmt.ratio(ms / ping)} GET /readyz)`);
  }
  results.set('behaviour.profile_user_records', Number(top?.n ?? 0));
  // Per row of the five audit tables columnBytes covers (all but the access log).
  const sizes = (await host.call('sizes', {})) as TableSize[];
  const rows = sizes
    .filter((t) => t.table.endsWith('_log') && t.table !== 'audit_access_log')
    .reduce((n, t) => n + t.rows, 0);
  const columns = (await host.call('columnBytes', {})) as { name: string; bytes: number }[];
  const perUser = columns.filter((c) => c.name.startsWith('projection p_user_'));
  for (const { name, bytes } of perUser)
    results.set(`behaviour.${name.replace('projection ', '')}_bytes_per_row`, bytes / rows);
  // The per-user day summary table covers all six audit tables: per row of all six, as its parts
  // stand (merges may still be pending).
  const auditRows = sizes.filter((t) => t.table.endsWith('_log')).reduce((n, t) => n + t.rows, 0);
  const userDay = sizes.find((t) => t.table === 'audit_user_day');
  results.set('behaviour.audit_user_day_bytes_per_row', (userDay?.bytes ?? 0) / auditRows);
  results.set('behaviour.audit_user_day_rows', userDay?.rows ?? 0);
  results.line(
    `  bytes per row of the per-user projections: ${perUser
      .map((c) => `${c.name.replace('projection ', '')} ${(c.bytes / rows).toFixed(2)}`)
      .join(', ')}`,
  );
  results.line(
    `  audit_user_day: ${fmt.n(userDay?.rows ?? 0)} rows, ${((userDay?.bytes ?? 0) / auditRows).toFixed(2)} B per audit row (all six tables)`,
  );
}
