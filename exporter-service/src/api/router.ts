import express from 'express';
import type { ApiToken } from '../config.js';
import type { Logger } from '../logger.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { AuditStore } from '../store/store.js';
import { AccessLog } from './access-log.js';
import { apiErrorHandler } from './errors.js';
import { authenticate } from './principal.js';
import { createReadRouter } from './read-routes.js';

export interface ApiContext {
  store: AuditStore;
  pipeline: IngestPipeline;
  logger: Logger;
  accessLog: AccessLog;
}

/** A feature's routes, mounted under /api/v1 behind authentication. */
export type ApiFeature = (context: ApiContext) => express.Router;

/**
 * The REST API for the Grafana app (DESIGN §5), under /api/v1. Every call is authenticated;
 * features add their routers to the list given here.
 */
export function createApiRouter(
  options: {
    store: AuditStore;
    pipeline: IngestPipeline;
    logger: Logger;
    apiTokens: ReadonlyMap<string, ApiToken>;
  },
  features: readonly ApiFeature[] = [],
): express.Router {
  const context: ApiContext = { ...options, accessLog: new AccessLog(options.pipeline) };
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  router.use(authenticate(options.apiTokens));
  router.use(createReadRouter(options.store, context.accessLog));
  for (const feature of features) router.use(feature(context));
  router.use((_request, response) => {
    response.status(404).json({ error: 'no such API endpoint' });
  });
  router.use(apiErrorHandler(options.logger));
  return router;
}
