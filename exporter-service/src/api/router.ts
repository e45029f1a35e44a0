import express from 'express';
import type { ApiToken } from '../config.js';
import type { Logger } from '../logger.js';
import type { AuditStore } from '../store/store.js';
import type { AccessLog } from './access-log.js';
import type { DeniedAccessLog } from './denied-access.js';
import { apiErrorHandler } from './errors.js';
import { authenticate } from './principal.js';
import { createReadRouter } from './read-routes.js';

/**
 * The REST API for the Grafana app (DESIGN §5), under /api/v1. Every call is authenticated, and
 * every refused one recorded; feature modules add their routers (given here) after the read
 * endpoints.
 */
export function createApiRouter(
  options: {
    store: AuditStore;
    logger: Logger;
    accessLog: AccessLog;
    deniedAccess: DeniedAccessLog;
    apiTokens: ReadonlyMap<string, ApiToken>;
  },
  features: readonly express.Router[] = [],
): express.Router {
  const router = express.Router();
  // First, so that a refusal anywhere below (token, tenant, role) is recorded.
  router.use(options.deniedAccess.middleware());
  router.use(express.json({ limit: '1mb' }));
  router.use(authenticate(options.apiTokens));
  router.use(createReadRouter(options.store, options.accessLog));
  for (const feature of features) router.use(feature);
  router.use((_request, response) => {
    response.status(404).json({ error: 'no such API endpoint' });
  });
  router.use(apiErrorHandler(options.logger));
  return router;
}
