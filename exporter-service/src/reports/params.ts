import type { Request } from 'express';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';

/** ISO-8601 time or epoch milliseconds (query strings and bodies). */
export const timeValue = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    context.addIssue({ code: 'custom', message: 'an ISO-8601 time or epoch milliseconds expected' });
    return z.NEVER;
  }
  return ms;
});

/** Query-string values arrive as strings or arrays; only single strings are accepted. */
export function singleValues(query: Request['query']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') throw new ApiError(400, `${key}: give it once, as a plain value`);
    result[key] = value;
  }
  return result;
}

/** A 400 naming the field, from an error that carries one (PolicyError, PeriodError). */
export function fieldError(error: unknown): never {
  if (error instanceof Error && 'field' in error) {
    const status = 'status' in error && typeof error.status === 'number' ? error.status : 400;
    throw new ApiError(status, error.message);
  }
  throw error;
}
