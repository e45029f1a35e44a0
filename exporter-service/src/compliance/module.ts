import express from 'express';
import type { ExporterModule, ModuleContext } from '../modules.js';
import { createIntegrityRouter } from '../integrity/routes.js';
import { ScheduledVerification } from '../integrity/scheduled-verification.js';
import { createRetentionRouter } from '../retention/routes.js';
import type { Actor } from '../retention/admin-record.js';
import { applyArchiveVolume, isPermissionError } from '../retention/storage.js';
import { createReportsRouter } from '../reports/routes.js';
import { ComplianceRuntime } from './runtime.js';
import { ReportScheduler } from '../reports/scheduler.js';

export interface ComplianceModuleOptions {
  /** How often the retention policies are re-read (changes made by other exporters). */
  policyRefreshMs?: number;
}

/** Who the scheduled archive run's records name. */
const ARCHIVER: Actor = {
  id: 'auditlens-archiver',
  name: 'auditlens-archiver',
  role: 'system',
  address: '127.0.0.1',
  userAgent: '',
};

/**
 * Compliance (issue 6): integrity sealing of every committed batch, per-row retention from the
 * policies, archiving, scheduled reports and integrity verification, and the /integrity, /retention-policies, /retention and
 * /reports endpoints. Start it first: its ingest hooks must be in place before any other module
 * writes a record, and it stops last.
 */
export function complianceModule(options: ComplianceModuleOptions = {}): ExporterModule {
  let runtime: ComplianceRuntime | undefined;
  let scheduler: ReportScheduler | undefined;
  let verification: ScheduledVerification | undefined;
  const timers: NodeJS.Timeout[] = [];
  let archiving: Promise<void> | undefined;

  const archive = async (context: ModuleContext, active: ComplianceRuntime): Promise<void> => {
    const moved = await active.archive(ARCHIVER, {
      method: 'SCHEDULE',
      path: 'AUDITLENS_ARCHIVE_INTERVAL_MINUTES',
    });
    if (moved.length > 0)
      context.logger.info({ moved }, 'rows past their online days moved to the archive tables');
  };

  return {
    name: 'compliance',

    async start(context) {
      const { config, logger } = context;
      const active = await ComplianceRuntime.open({
        config,
        store: context.store,
        pipeline: context.pipeline,
        recorder: context.recorder,
        logger,
        journal: true,
        registry: context.metrics.registry,
      });
      runtime = active;
      const refresh = setInterval(() => {
        active.policies.load().catch((error: unknown) => {
          logger.warn({ err: (error as Error).message }, 'could not refresh the retention policies');
        });
      }, options.policyRefreshMs ?? 60_000);
      refresh.unref();
      timers.push(refresh);

      const settings = config.compliance;
      verification = new ScheduledVerification({
        store: context.store,
        recorder: context.recorder,
        logger,
        verify: (tenantId, fromMs, toMs) => active.verify(tenantId, { fromMs, toMs }, { live: true }),
        intervalMinutes: settings.verifyIntervalMinutes,
        windowHours: settings.verifyWindowHours,
        tenants: settings.verifyTenants,
      });
      verification.start();
      if (context.store.mode === 'embedded' && settings.archiveIntervalMinutes > 0) {
        const run = (): void => {
          archiving ??= archive(context, active)
            .catch((error: unknown) => {
              logger.error({ err: (error as Error).message }, 'archive run failed');
            })
            .finally(() => {
              archiving = undefined;
            });
        };
        const timer = setInterval(run, settings.archiveIntervalMinutes * 60_000);
        timer.unref();
        timers.push(timer);
      } else if (context.store.mode === 'server' && settings.archiveVolume) {
        try {
          await applyArchiveVolume(context.store, {
            volume: settings.archiveVolume,
            storagePolicy: settings.archiveStoragePolicy,
            cluster: config.clickhouse.cluster,
          });
          logger.info(
            { volume: settings.archiveVolume },
            'audit tables move rows past their online days by TTL',
          );
        } catch (error) {
          if (!isPermissionError(error)) throw error;
          // Least privilege: the exporter's user may not ALTER; the migrator applies it.
          logger.warn(
            { volume: settings.archiveVolume },
            'the ClickHouse user may not ALTER the audit tables: run `auditlens retention storage` as the migrator user',
          );
        }
      }

      if (settings.reportSchedule) {
        scheduler = new ReportScheduler(
          active,
          context.accessLog,
          {
            time: settings.reportSchedule,
            frameworks: settings.reportFrameworks,
            utcOffsetMinutes: settings.reportUtcOffsetMinutes,
          },
          logger,
        );
        scheduler.start();
      }
    },

    routes(context) {
      if (!runtime) throw new Error('compliance module: routes() before start()');
      const router = express.Router();
      router.use(createIntegrityRouter(runtime, context.accessLog));
      router.use(createRetentionRouter(runtime, context.accessLog));
      router.use(createReportsRouter(runtime, context.accessLog));
      return router;
    },

    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await scheduler?.stop();
      await verification?.stop();
      await archiving;
      await runtime?.close();
    },
  };
}
