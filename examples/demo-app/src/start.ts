/**
 * `npm start`: the exporter on the embedded store, the demo app instrumented with the SDK, and the
 * traffic generator, in one process. Configuration by environment:
 *   AUDITLENS_DATA_DIR    data directory (embedded ClickHouse, spool)   ./.auditlens-data
 *   AUDITLENS_OTLP_PORT   OTLP/HTTP receiver                            4318
 *   AUDITLENS_OTLP_GRPC_PORT  OTLP/gRPC receiver                        4317
 *   AUDITLENS_API_PORT    exporter REST API, health, metrics            8080
 *   DEMO_PORT             the demo app                                  3000
 *   DEMO_TRAFFIC_INTERVAL_MS  pause between traffic rounds              5000
 *   DEMO_STATUS_INTERVAL_MS   how often row counts are printed          10000
 */
import { AUDIT_TABLES, KINDS, startExporter } from '@auditlens/exporter';
import path from 'node:path';
import { envNumber, startDemo } from './demo.js';

/** The tables of the records applications send (not the exporter's own access log). */
const TABLES = AUDIT_TABLES.filter((table) => table !== KINDS.access.table);

const exporter = await startExporter({ logLevel: process.env.AUDITLENS_LOG_LEVEL ?? 'warn' });
const demo = await startDemo({
  endpoint: exporter.otlpUrl,
  spoolDir: path.join(exporter.config.dataDir, 'spool', 'auditlens-demo'),
  host: '127.0.0.1',
  port: envNumber('DEMO_PORT', 3000),
  trafficIntervalMs: envNumber('DEMO_TRAFFIC_INTERVAL_MS', 5000),
});
const { audit } = demo;
const demoUrl = demo.url;

console.log(`
AuditLens demo is running.
  demo app        ${demoUrl}            (try: curl -X POST ${demoUrl}/api/auth/login -H 'content-type: application/json' -d '{"username":"zhangsan","password":"demo-zhangsan"}')
  OTLP receiver   ${exporter.otlpUrl}/v1/logs, /v1/traces
  exporter API    ${exporter.apiUrl}  (health: ${exporter.apiUrl}/healthz, metrics: ${exporter.apiUrl}/metrics)
  data directory  ${exporter.config.dataDir}  (embedded ClickHouse, database "audit")
  traffic         every ${envNumber('DEMO_TRAFFIC_INTERVAL_MS', 5000)} ms: profile update, admin creates user, brute-force login, system init, refusals, LLM call
Tables: ${TABLES.map((t) => `audit.${t}`).join(', ')}
Stop with Ctrl-C.
`);

/** Prints row counts and the latest request → db operation → field change chain. */
async function printStatus(): Promise<void> {
  const counts = await Promise.all(
    TABLES.map(async (table) => {
      const [row] = await exporter.store.query<{ n: string }>(`SELECT count() AS n FROM audit.${table}`);
      return `${table.replace(/^audit_|_log$/g, '')}=${row?.n ?? 0}`;
    }),
  );
  const [chain] = await exporter.store.query<{ trace_id: string; changes: string }>(
    `SELECT r.trace_id AS trace_id, count() AS changes
       FROM audit.audit_request_log AS r
       JOIN audit.audit_database_log AS d ON d.trace_id = r.trace_id
       JOIN audit.audit_change_log AS c ON c.db_event_id = d.event_id
      GROUP BY r.trace_id ORDER BY max(r.event_time) DESC LIMIT 1`,
  );
  console.log(
    `[status] rows: ${counts.join(' ')}; chain: ${chain ? `trace ${chain.trace_id} with ${chain.changes} field changes` : 'none yet'}; sdk: ${JSON.stringify(audit.stats())}`,
  );
}
const status = setInterval(
  () => {
    printStatus().catch((error: unknown) =>
      console.error('[status]', error instanceof Error ? error.message : error),
    );
  },
  envNumber('DEMO_STATUS_INTERVAL_MS', 10_000),
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping (flushing audit records)...`);
  clearInterval(status);
  await demo.stop();
  await exporter.close();
  process.exit(0);
}
process.on('SIGINT', (signal) => void stop(signal));
process.on('SIGTERM', (signal) => void stop(signal));
