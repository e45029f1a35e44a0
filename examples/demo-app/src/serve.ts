/**
 * The demo app and its traffic generator alone, for containers (docker-compose): records go to
 * OTEL_EXPORTER_OTLP_ENDPOINT (the OpenTelemetry Collector there) with OTEL_EXPORTER_OTLP_HEADERS.
 *   DEMO_PORT                 the demo app's port                 3000
 *   DEMO_SPOOL_DIR            the SDK's spool                     ./.auditlens-data/spool/auditlens-demo
 *   DEMO_TRAFFIC_INTERVAL_MS  pause between traffic rounds        5000
 */
import { envNumber, startDemo } from './demo.js';

const demo = await startDemo({
  spoolDir: process.env.DEMO_SPOOL_DIR ?? './.auditlens-data/spool/auditlens-demo',
  host: '0.0.0.0',
  port: envNumber('DEMO_PORT', 3000),
  trafficIntervalMs: envNumber('DEMO_TRAFFIC_INTERVAL_MS', 5000),
});
console.log(
  `AuditLens demo app on ${demo.url}, sending to ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'the default OTLP endpoint'}`,
);

async function stop(): Promise<void> {
  await demo.stop();
  process.exit(0);
}
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
