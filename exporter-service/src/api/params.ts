import type { Request } from 'express';
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
