import type { Request } from 'express';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/**
 * The period of a read: `to` defaults to now (a second ahead, so a record of this very instant is
 * in it), `from` to `defaultSpanMs` before `to`; a period that does not run forwards is a 400.
 */
export function readPeriod(
  query: { from?: number | undefined; to?: number | undefined },
  defaultSpanMs: number,
): { fromMs: number; toMs: number } {
  const toMs = query.to ?? Date.now() + 1000;
  const fromMs = query.from ?? toMs - defaultSpanMs;
  if (fromMs >= toMs) throw new ApiError(400, 'from: must be before to');
  return { fromMs, toMs };
}

/** Query-string values arrive as strings or arrays; only single strings are accepted. */
export function singleValues(query: Request['query']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') throw new ApiError(400, `${key}: give it once, as a plain value`);
    result[key] = value;
  }
  return result;
}

/**
 * The query string parsed by a call's schema, every parameter the schema does not know refused:
 * a misspelt filter (`kind=security` for `kinds`) must not silently widen the answer to every row.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: Request['query']): z.output<S> {
  const values = singleValues(query);
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(values).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    const named = unknown.map((name) => {
      const near = known
        .map((candidate) => ({
          candidate,
          distance: editDistance(name.toLowerCase(), candidate.toLowerCase()),
        }))
        .filter(({ distance }) => distance <= 2)
        .sort((a, b) => a.distance - b.distance)[0]?.candidate;
      return near ? `${name} (did you mean ${near}?)` : name;
    });
    throw new ApiError(
      400,
      `unknown parameter${unknown.length > 1 ? 's' : ''}: ${named.join(', ')}; this call takes ${known.join(', ')}`,
    );
  }
  return schema.parse(values);
}

/** Levenshtein distance, for the "did you mean" of an unknown parameter. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
