import { z } from 'zod';

/**
 * What the exporter sends for an answer schema: its input type without the index signatures of
 * loose objects (readers keep fields they do not know; the exporter must send the ones they do).
 */
export type Answer<S extends z.ZodType> = Declared<z.input<S>>;
type Declared<T> = T extends readonly (infer U)[]
  ? Declared<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Declared<T[K]> }
    : T;

/** A number, or a ClickHouse 64-bit integer, which arrives as a string in JSON. */
export const count = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

/** A ClickHouse Bool, which some clients send as 0/1. */
export const flag = z.union([z.boolean(), z.number().transform((v) => v !== 0)]);

/** An ISO-8601 time, or null/absent when the event has not happened. */
export const optionalTime = z.string().nullable().optional();

/** ISO-8601 time or epoch milliseconds (query strings and bodies) → epoch milliseconds. */
export const timeValue = z.union([z.string(), z.number()]).transform((value, context) => {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    context.addIssue({ code: 'custom', message: 'an ISO-8601 time or epoch milliseconds expected' });
    return z.NEVER;
  }
  return ms;
});

/** A tenant and an optional period, as most read calls take them. */
export const rangeQuerySchema = z.object({
  tenant: z.string().optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
});

/** A 32-character hex trace id. */
export const traceId = z.string().regex(/^[0-9a-fA-F]{32}$/, 'a 32-character hex trace id expected');

/** A page of rows and the cursor of the next page (null on the last). */
export const pageOf = <S extends z.ZodType>(row: S) =>
  z.looseObject({ rows: z.array(row), nextCursor: z.string().nullable() });

/**
 * Why the exporter refused a call, as its 401/403 answers and its denied-access records name it
 * (`forbidden`: a 403 that named no reason, in records only).
 */
export const DENIED_REASONS = [
  'missing-token',
  'unknown-token',
  'tenant-not-allowed',
  'admin-required',
  'forbidden',
] as const;
export type DeniedReason = (typeof DENIED_REASONS)[number];

/** An answer that is not a success: what was wrong and, for a refusal, why (so a client can say what to do). */
export const errorAnswerSchema = z.looseObject({
  error: z.string(),
  reason: z.enum(DENIED_REASONS).optional(),
});

/** GET /search/sql, /stats/sql, /security-events/sql: the equivalent ClickHouse query for Grafana Explore. */
export const grafanaSqlSchema = z.object({ sql: z.string(), format: z.enum(['table', 'timeseries']) });
export type GrafanaSql = z.infer<typeof grafanaSqlSchema>;
