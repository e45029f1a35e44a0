import express, { type Request, type Response } from 'express';
import { usageQuerySchema, type Answer, type usageSchema } from '@auditlens/contract/rest';
import { tenantScope } from '../alerts/api-support.js';
import { readPeriod, singleValues } from '../api/params.js';
import { principalOf } from '../api/principal.js';
import type { ExporterModule } from '../modules.js';
import { USAGE_DEFAULT_SPAN_MS, usageStats } from './usage-queries.js';

/**
 * AI and API usage (issue 19): GET /api/v1/stats/usage — calls, tokens and cost per user, model,
 * provider, tenant and day. Like every read of audit data, it writes its `audit.access` record
 * first; `tenant=*` (tokens bound to all tenants) reads every tenant, one row per tenant in byTenant.
 */
export function usageModule(): ExporterModule {
  return {
    name: 'usage',
    start() {},
    routes({ store, accessLog }) {
      const router = express.Router();
      router.get('/stats/usage', async (request: Request, response: Response) => {
        const principal = principalOf(response);
        const query = usageQuerySchema.parse(singleValues(request.query));
        const tenantId = tenantScope(principal, query.tenant);
        const { fromMs, toMs } = readPeriod(query, USAGE_DEFAULT_SPAN_MS);
        const usage = await usageStats(store, { ...query, tenantId, fromMs, toMs });
        const { tenant: _tenant, ...filter } = request.query;
        await accessLog.record(principal, {
          tenantId: tenantId ?? '',
          type: 'read',
          resource: 'GET /api/v1/stats/usage',
          filter: { ...filter, tenant: query.tenant },
          rows: usage.totals.reduce((n, t) => n + t.calls, 0),
        });
        response.json({
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
          ...usage,
        } satisfies Answer<typeof usageSchema>);
      });
      return router;
    },
  };
}
