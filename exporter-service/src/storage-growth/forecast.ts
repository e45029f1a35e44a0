import type { Answer, storageForecastSchema } from '@auditlens/contract/rest';
import { formatTime, parseTime } from '../mapping/fields.js';
import type { AuditStore } from '../store/store.js';

const DAY_MS = 86_400_000;
/** The growth rate is measured over this much of the latest snapshots. */
export const FORECAST_BASIS_MS = 7 * DAY_MS;
/** Less history than this gives no rate (one busy hour is no trend). */
const MIN_BASIS_MS = 3_600_000;

export interface DiskPoint {
  atMs: number;
  databaseBytes: number;
  diskFreeBytes: number;
  diskTotalBytes: number;
}

export type StorageForecast = Answer<typeof storageForecastSchema>;

/**
 * When the disk fills (source 004: storage growth): the database's growth per day by least
 * squares over the points (the snapshots of the basis period), and the latest free space divided
 * by it. Undefined without a snapshot; no rate with less than an hour of history.
 */
export function forecastDiskFull(points: readonly DiskPoint[]): StorageForecast | undefined {
  const latest = points.at(-1);
  const first = points[0];
  if (!latest || !first) return undefined;
  let bytesPerDay: number | null = null;
  if (points.length >= 2 && latest.atMs - first.atMs >= MIN_BASIS_MS) {
    const meanT = points.reduce((n, p) => n + p.atMs, 0) / points.length;
    const meanB = points.reduce((n, p) => n + p.databaseBytes, 0) / points.length;
    let covariance = 0;
    let variance = 0;
    for (const p of points) {
      covariance += (p.atMs - meanT) * (p.databaseBytes - meanB);
      variance += (p.atMs - meanT) ** 2;
    }
    bytesPerDay = (covariance / variance) * DAY_MS;
  }
  const daysLeft = bytesPerDay !== null && bytesPerDay > 0 ? latest.diskFreeBytes / bytesPerDay : null;
  return {
    at: new Date(latest.atMs).toISOString(),
    databaseBytes: latest.databaseBytes,
    diskFreeBytes: latest.diskFreeBytes,
    diskTotalBytes: latest.diskTotalBytes,
    bytesPerDay,
    fullAt: daysLeft === null ? null : new Date(latest.atMs + daysLeft * DAY_MS).toISOString(),
    daysLeft,
    basis: {
      from: new Date(first.atMs).toISOString(),
      to: new Date(latest.atMs).toISOString(),
      snapshots: points.length,
    },
  };
}

export interface StorageAlertThresholds {
  /** Warn when the forecast says the disk fills within this many days. */
  alertDays: number;
  /** Warn when the disk is at least this full, percent (source 000: DISK_THRESHOLD 90). */
  alertPercent: number;
}

/** Why the storage needs attention now, or undefined when it does not. */
export function storageWarning(
  forecast: StorageForecast,
  thresholds: StorageAlertThresholds,
): string | undefined {
  const { diskFreeBytes: free, diskTotalBytes: total, daysLeft } = forecast;
  const usedPercent = total > 0 ? ((total - free) / total) * 100 : 0;
  if (usedPercent >= thresholds.alertPercent)
    return `the audit store's disk is ${usedPercent.toFixed(1)}% full (threshold ${thresholds.alertPercent}%)`;
  if (daysLeft !== null && daysLeft <= thresholds.alertDays)
    return `the audit store's disk fills in ${daysLeft.toFixed(1)} days at the current growth (threshold ${thresholds.alertDays} days)`;
  return undefined;
}

/** The database and disk figures of the snapshots of the basis period before `toMs`, oldest first. */
export async function diskHistory(store: AuditStore, toMs: number): Promise<DiskPoint[]> {
  const rows = await store.query<{ taken_at: string; database_bytes: string; free: string; total: string }>(
    `SELECT taken_at, any(database_bytes) AS database_bytes, any(disk_free_bytes) AS free,
            any(disk_total_bytes) AS total
     FROM ${store.database}.audit_storage_snapshot
     WHERE taken_at > {from:DateTime64(3, 'UTC')} AND taken_at <= {to:DateTime64(3, 'UTC')}
     GROUP BY taken_at ORDER BY taken_at`,
    { from: formatTime(toMs - FORECAST_BASIS_MS), to: formatTime(toMs) },
  );
  return rows.map((row) => ({
    atMs: parseTime(row.taken_at),
    databaseBytes: Number(row.database_bytes),
    diskFreeBytes: Number(row.free),
    diskTotalBytes: Number(row.total),
  }));
}
