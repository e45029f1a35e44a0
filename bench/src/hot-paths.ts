// 4. Hot paths through the exporter's REST API (what the Grafana app calls), on the loaded rows:
// overview KPIs, explore search by user and by IP with keyset paging deep into the result, trace
// chain, report generation per framework, integrity verification. Baselines from the same run:
// the API's store round trip (/readyz) for latencies, a plain read of the same rows for verification.
import type { ExporterHost } from './host-client.js';
import type { QueryTiming } from './host-protocol.js';
import { fmt, median, type BenchConfig, type Results } from './context.js';

const FRAMEWORKS = ['mlps3', 'pci-dss-4', 'soc2', 'iso27001'] as const;
const TENANT = 'tenant_001';

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(
      `${init?.method ?? 'GET'} ${url} → ${response.status}: ${JSON.stringify(body).slice(0, 300)}`,
    );
  return body;
}

export async function benchHotPaths(
  host: ExporterHost,
  config: BenchConfig,
  results: Results,
  sealedUntil: number,
): Promise<void> {
  const rowsLabel = fmt.n(config.rows);
  results.section(`## 4. Hot paths at ${rowsLabel} rows, through the REST API`);
  const api = `${host.info.apiUrl}/api/v1`;
  const db = host.info.database;
  const from = config.dataset.startMs;
  const to = config.dataset.endMs + 86_400_000;
  const range = `tenant=${TENANT}&from=${from}&to=${to}`;
  const reps = Math.max(3, config.queryReps);

  const pings: number[] = [];
  for (let i = 0; i < 7; i++)
    pings.push((await timed(() => fetch(`${host.info.apiUrl}/readyz`).then((r) => r.text()))).ms);
  const ping = median(pings);
  results.set('hot.baseline_readyz_ms', ping);
  results.line(`baseline: GET /readyz (API + one store round trip) ${fmt.ms(ping)} ms`);
  const report = (name: string, key: string, times: number[], extra = ''): void => {
    const ms = median(times);
    results.set(`hot.${key}_ms`, ms);
    results.line(
      `  ${name.padEnd(44)} ${fmt.ms(ms).padStart(8)} ms  (${fmt.ratio(ms / ping)} the baseline)${extra}`,
    );
  };

  // Overview KPIs (the Overview page): 30 days and the last day.
  for (const [label, key, fromMs] of [
    ['overview KPIs, 30 days', 'overview_30d', from],
    ['overview KPIs, last day', 'overview_1d', config.dataset.endMs - 86_400_000],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i <= reps; i++) {
      const t = await timed(() => getJson(`${api}/stats?tenant=${TENANT}&from=${fromMs}&to=${to}`));
      if (i > 0) times.push(t.ms);
    }
    report(label, key, times);
  }

  // The most active user and client address of the tenant: the deepest results.
  const pick = async (sql: string): Promise<string> =>
    String(((await host.call('query', { sql, params: {}, reps: 0 })) as QueryTiming).rows[0]?.v ?? '');
  const user = await pick(
    `SELECT user_id AS v FROM ${db}.audit_request_log WHERE tenant_id = '${TENANT}' GROUP BY v ORDER BY count() DESC LIMIT 1`,
  );
  const ip = await pick(
    `SELECT IPv6NumToString(ip_address) AS v FROM ${db}.audit_request_log WHERE tenant_id = '${TENANT}' GROUP BY ip_address ORDER BY count() DESC LIMIT 1`,
  );
  const pages = config.quick ? 10 : 50;
  for (const [label, key, filter] of [
    ['explore search by user', 'search_user', `user=${encodeURIComponent(user)}`],
    ['explore search by IP', 'search_ip', `ip=${encodeURIComponent(ip.replace(/^::ffff:/, ''))}`],
  ] as const) {
    const pageTimes: number[] = [];
    let cursor: string | null = null;
    let served = 0;
    for (let page = 0; page < pages; page++) {
      const url: string = `${api}/search?${range}&${filter}&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const t: { ms: number; value: Record<string, unknown> } = await timed(() => getJson(url));
      pageTimes.push(t.ms);
      served += (t.value.rows as unknown[]).length;
      cursor = (t.value.nextCursor as string | null) ?? null;
      if (!cursor) break;
    }
    const first = pageTimes[0] ?? NaN;
    const last = pageTimes.at(-1) ?? NaN;
    results.set(`hot.${key}_first_page_ms`, first);
    results.set(`hot.${key}_deepest_page_ms`, last);
    results.set(`hot.${key}_pages`, pageTimes.length);
    results.line(
      `  ${`${label}, first page of 100`.padEnd(44)} ${fmt.ms(first).padStart(8)} ms  (${fmt.ratio(first / ping)} the baseline)`,
    );
    results.line(
      `  ${`${label}, page ${pageTimes.length} (row ${fmt.n(served)})`.padEnd(44)} ${fmt.ms(last).padStart(8)} ms  ` +
        `(${fmt.ratio(last / ping)} the baseline; median page ${fmt.ms(median(pageTimes))} ms)`,
    );
  }

  // Trace chains of flows that wrote data (request → db operation → field changes).
  const traces = (
    (await host.call('query', {
      sql: `SELECT DISTINCT trace_id FROM ${db}.audit_change_log WHERE tenant_id = '${TENANT}' LIMIT 7`,
      params: {},
      reps: 0,
    })) as QueryTiming
  ).rows.map((r) => String(r.trace_id));
  const chainTimes: number[] = [];
  let chainRows = 0;
  for (const trace of traces) {
    const t = await timed(() => getJson(`${api}/traces/${trace}?tenant=${TENANT}`));
    chainTimes.push(t.ms);
    chainRows = Number(t.value.rows);
  }
  report('trace chain by trace id', 'trace_chain', chainTimes, `, ${chainRows} rows in the last chain`);

  // Reports per framework over the whole dataset.
  // A weekly report per framework (the quick run: one framework).
  const weekFrom = config.dataset.endMs - 7 * 86_400_000;
  for (const framework of config.quick ? FRAMEWORKS.slice(0, 1) : FRAMEWORKS) {
    try {
      const t = await timed(() =>
        getJson(`${api}/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tenant: TENANT, framework, period: 'custom', from: weekFrom, to }),
        }),
      );
      report(`report generation: ${framework}, last 7 days`, `report_${framework.replace(/-/g, '_')}`, [
        t.ms,
      ]);
    } catch (error) {
      results.note(`report ${framework}: ${(error as Error).message.slice(0, 200)}`);
    }
  }

  // Integrity verification against a plain read of the same rows.
  try {
    // The rows that went through the exporter (the bulk-loaded rest has no checkpoints).
    const t = await timed(() =>
      getJson(`${api}/integrity/verify?tenant=${TENANT}&from=${from}&to=${sealedUntil}`),
    );
    const verified = Number(t.value.rows);
    const rate = (verified / t.ms) * 1000;
    // Baseline: a plain read of the request rows of the same tenant and period.
    const read = (await host.call('query', {
      sql: `SELECT * FROM ${db}.audit_request_log WHERE tenant_id = '${TENANT}'
            AND event_time >= fromUnixTimestamp64Milli(${from}) AND event_time < fromUnixTimestamp64Milli(${sealedUntil})`,
      params: {},
      reps: 1,
    })) as QueryTiming;
    const readRate = (read.rows.length / median(read.times)) * 1000;
    results.set('hot.integrity_verify_rows_per_s', rate);
    results.set('hot.integrity_verify_ms', t.ms);
    results.set('hot.integrity_verify_chunks', Number(t.value.chunks ?? 1));
    results.set('hot.integrity_verify_ok', Boolean(t.value.ok));
    results.set('hot.integrity_ratio_to_plain_read', rate / readRate);
    results.line(
      `  ${'integrity verification'.padEnd(44)} ${fmt.n(rate)} rows/s (${fmt.n(verified)} rows in ${fmt.n(Number(t.value.chunks ?? 1))} chunks, ` +
        `${t.value.ok ? 'intact' : 'NOT intact'}; ${fmt.ms(t.ms)} ms = ${fmt.ratio(t.ms / ping)} the baseline) ` +
        `vs a plain SELECT * read of ${fmt.n(readRate)} rows/s → ${fmt.ratio(rate / readRate)}`,
    );
  } catch (error) {
    results.note(`integrity verification: ${(error as Error).message.slice(0, 200)}`);
  }
}
