import { z } from 'zod';
import { timeValue } from './common.js';

// Storage growth (source 004): GET /api/v1/storage/growth.

/** GET /api/v1/storage/growth: the tenants (one, a list, or `*`) and the period (default 30 days). */
export const storageGrowthQuerySchema = z.object({
  tenant: z.string().optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
});

/**
 * One point of one table and tenant: the last snapshot of its hour (periods up to 7 days) or day.
 * `tenant` is `*` for a table that is not kept per tenant (summaries, checkpoints, …), visible with
 * `tenant=*` only; a tenant's bytes are its table's bytes apportioned by its share of the rows.
 */
export const storagePointSchema = z.object({
  time: z.string(),
  table: z.string(),
  tenant: z.string(),
  rows: z.number(),
  bytes: z.number(),
});
export type StoragePoint = z.infer<typeof storagePointSchema>;

/** When the disk fills at the rate the database grew over the last days (null: not growing, or too few snapshots). */
export const storageForecastSchema = z.object({
  /** The latest snapshot: the database's bytes, the disk's free and total bytes. */
  at: z.string(),
  databaseBytes: z.number(),
  diskFreeBytes: z.number(),
  diskTotalBytes: z.number(),
  /** Growth of the database per day (least squares over the basis), bytes; may be negative. */
  bytesPerDay: z.number().nullable(),
  /** When the free space runs out at that rate; null when the database is not growing. */
  fullAt: z.string().nullable(),
  daysLeft: z.number().nullable(),
  basis: z.object({ from: z.string(), to: z.string(), snapshots: z.number() }),
});
export type StorageForecast = z.infer<typeof storageForecastSchema>;

export const storageGrowthSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Width of a point: an hour (periods up to 7 days) or a day, in ms. */
  stepMs: z.number(),
  points: z.array(storagePointSchema),
  /** Only with `tenant=*` (disk figures are the platform's); null before the first snapshot. */
  forecast: storageForecastSchema.nullable(),
});
export type StorageGrowth = z.infer<typeof storageGrowthSchema>;
