import express, { type Request, type Response } from 'express';
import { storageGrowthQuerySchema, type Answer, type storageGrowthSchema } from '@auditlens/contract/rest';
import { STORAGE_DETECTION, STORAGE_EXHAUSTION } from '../alerts/builtin.js';
import { parseQuery, readPeriod } from '../api/params.js';
import { principalOf } from '../api/principal.js';
import { authorizedScope, tenantCondition } from '../api/tenant-scope.js';
import { formatTime } from '../mapping/fields.js';
import type { ExporterModule, ModuleContext } from '../modules.js';
import { diskHistory, forecastDiskFull, storageWarning, type StorageForecast } from './forecast.js';
import { measureStorage, storeSnapshot } from './snapshots.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Storage growth (source 004): a snapshot of bytes and rows per table and tenant at start and
 * every `storageGrowth.snapshotMinutes`; after each, the forecast of when the disk fills, and a
 * system-level `audit.security` record (STORAGE_EXHAUSTION) when the disk is nearly full or fills
 * within the configured days — an audit store that runs out of disk loses records (GB/T
 * 22239-2019 8.1.4.3 c, PCI DSS 10.7.2). The API reads the snapshots and the forecast.
 */
export function storageGrowthModule(): ExporterModule {
  let context: ModuleContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const snapshotNow = async (): Promise<void> => {
    if (!context) return;
    const { store, config, logger, recorder } = context;
    try {
      const now = Date.now();
      await storeSnapshot(store, await measureStorage(store, now));
      const forecast = forecastDiskFull(await diskHistory(store, now));
      const warning = forecast && storageWarning(forecast, config.storageGrowth);
      if (!forecast || !warning) return;
      logger.warn({ forecast }, warning);
      await recorder.write({
        kind: 'security',
        tenantId: '',
        description: warning,
        attributes: {
          'audit.security.event_type': STORAGE_EXHAUSTION,
          'audit.security.detection_method': STORAGE_DETECTION,
          'audit.security.threat_type': 'availability',
          'audit.security.target_resource': `database ${store.database}`,
          'audit.security.rule': 'storage growth forecast',
          'audit.result': 'failure',
          'audit.risk_level': 3,
          'audit.module': 'storage',
          'audit.operation': 'storage_forecast',
          'audit.compliance_tags': ['GB/T 22239-2019 8.1.4.3 c)', 'PCI DSS 10.7.2'],
          'auditlens.storage.disk_free_bytes': forecast.diskFreeBytes,
          'auditlens.storage.disk_total_bytes': forecast.diskTotalBytes,
          'auditlens.storage.bytes_per_day': forecast.bytesPerDay ?? 0,
          'auditlens.storage.full_at': forecast.fullAt ?? '',
        },
      });
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'storage snapshot failed');
    }
  };

  /** One snapshot at a time; a tick while one runs is skipped. */
  const tick = () => {
    running ??= snapshotNow().finally(() => (running = undefined));
  };

  return {
    name: 'storage-growth',
    start(moduleContext) {
      context = moduleContext;
      const minutes = moduleContext.config.storageGrowth.snapshotMinutes;
      if (minutes <= 0) return;
      tick();
      timer = setInterval(tick, minutes * 60_000);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
      context = undefined;
    },
    routes(moduleContext) {
      return storageGrowthRoutes(moduleContext);
    },
  };
}

function storageGrowthRoutes({ store, accessLog }: ModuleContext): express.Router {
  const router = express.Router();

  router.get('/storage/growth', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(storageGrowthQuerySchema, request.query);
    const scope = authorizedScope(principal, query.tenant);
    const { fromMs, toMs } = readPeriod(query, 30 * DAY_MS);
    const stepMs = toMs - fromMs <= 7 * DAY_MS ? HOUR_MS : DAY_MS;
    const params: Record<string, unknown> = { from: formatTime(fromMs), to: formatTime(toMs) };
    const tenants = tenantCondition(scope, params);
    const rows = await store.query<{
      time: string;
      table_name: string;
      tenant_id: string;
      rows: string;
      bytes: string;
    }>(
      `SELECT ${stepMs === HOUR_MS ? 'toStartOfHour' : 'toStartOfDay'}(taken_at) AS time, table_name, tenant_id,
              argMax(row_count, taken_at) AS rows, argMax(bytes_on_disk, taken_at) AS bytes
       FROM ${store.database}.audit_storage_snapshot
       WHERE ${tenants} AND taken_at >= {from:DateTime64(3, 'UTC')} AND taken_at < {to:DateTime64(3, 'UTC')}
       GROUP BY time, table_name, tenant_id ORDER BY time, table_name, tenant_id`,
      params,
    );
    // Disk figures are the platform's: only a read of every tenant gets the forecast.
    const forecast: StorageForecast | undefined =
      scope === 'all' ? forecastDiskFull(await diskHistory(store, toMs)) : undefined;
    await accessLog.recordScope(principal, scope, {
      type: 'read',
      resource: 'GET /api/v1/storage/growth',
      filter: { from: fromMs, to: toMs },
      rows: rows.length,
    });
    response.json({
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      stepMs,
      points: rows.map((row) => ({
        time: row.time,
        table: row.table_name,
        tenant: row.tenant_id,
        rows: Number(row.rows),
        bytes: Number(row.bytes),
      })),
      forecast: forecast ?? null,
    } satisfies Answer<typeof storageGrowthSchema>);
  });

  return router;
}
