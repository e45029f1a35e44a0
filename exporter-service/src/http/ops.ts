import type { Answer, readySchema } from '@auditlens/contract/rest';
import express from 'express';
import type { ExporterMetrics } from '../metrics.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import { schemaIsCurrent } from '../schema/migrate.js';
import type { AuditStore } from '../store/store.js';

/**
 * Health and metrics on the API port: /healthz (the process serves), /readyz (store reachable
 * and schema current), /metrics (Prometheus). The REST API for the Grafana app mounts beside them.
 */
export function createOpsRouter(
  store: AuditStore,
  pipeline: IngestPipeline,
  metrics: ExporterMetrics,
): express.Router {
  const router = express.Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    const storeReachable = await store.ping().catch(() => false);
    const schemaCurrent = storeReachable && (await schemaIsCurrent(store));
    const ready = storeReachable && schemaCurrent;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      storeReachable,
      schemaCurrent,
    } satisfies Answer<typeof readySchema>);
  });
  router.get('/metrics', async (_request, response) => {
    pipeline.updateGauges();
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
