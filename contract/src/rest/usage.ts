import { z } from 'zod';
import { count, rangeQuerySchema } from './common.js';

// AI and API usage (issue 19): GET /api/v1/stats/usage — calls, tokens and cost of outbound AI /
// API calls (request records and GenAI spans carrying gen_ai.* attributes) per user, model,
// provider, tenant and day. Costs are summed per currency, never across currencies.

/** GET /api/v1/stats/usage: the period and optional filters (query string). */
export const usageQuerySchema = rangeQuerySchema.extend({
  user: z.string().max(256).optional(),
  model: z.string().max(256).optional(),
  provider: z.string().max(256).optional(),
  /** Rows per breakdown (the largest cost first; days in order). */
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;

const usageFigures = {
  calls: count,
  /** Calls whose result was failure or denied. */
  failed: count,
  inputTokens: count,
  outputTokens: count,
  cost: z.number(),
  /** ISO 4217 code of `cost`; '' for calls that reported no cost. */
  currency: z.string(),
};

/** The figures of one group (a user, a model, …) in one currency. */
export const usageRowSchema = z.object({ key: z.string(), ...usageFigures });
export type UsageRow = z.infer<typeof usageRowSchema>;

export const usageSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** The period's totals, one row per currency. */
  totals: z.array(z.object(usageFigures)),
  byUser: z.array(usageRowSchema),
  /** By the model that answered (`gen_ai.response.model`), else the one asked for. */
  byModel: z.array(usageRowSchema),
  byProvider: z.array(usageRowSchema),
  /** With `tenant=*` (a token bound to all tenants): one row per tenant. */
  byTenant: z.array(usageRowSchema),
  /** UTC days, in order. */
  byDay: z.array(usageRowSchema),
});
export type Usage = z.infer<typeof usageSchema>;
