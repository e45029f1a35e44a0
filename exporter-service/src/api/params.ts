import type { Request } from 'express';
import { z } from 'zod';
import { ApiError } from './errors.js';

/** Query-string values arrive as strings or arrays; only single strings are accepted. */
export function singleValues(query: Request['query']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') throw new ApiError(400, `${key}: give it once, as a plain value`);
    result[key] = value;
  }
  return result;
}

/** ISO-8601 time or epoch milliseconds (query strings and bodies) → epoch milliseconds. */
export const timeValue = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    context.addIssue({ code: 'custom', message: 'an ISO-8601 time or epoch milliseconds expected' });
    return z.NEVER;
  }
  return ms;
});
