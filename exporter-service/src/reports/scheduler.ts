import type { AccessLog } from '../api/access-log.js';
import type { Principal } from '../api/principal.js';
import type { ReportFramework } from '@auditlens/contract/rest';
import type { Logger } from '../logger.js';
import { formatTime } from '../mapping/fields.js';
import { reportExists } from './generate.js';
import { periodContaining, previousPeriod, type Period } from './periods.js';
import type { ComplianceRuntime } from '../compliance/runtime.js';

export interface ScheduleOptions {
  /** `HH:MM` in the reporting time zone. */
  time: string;
  frameworks: readonly ReportFramework[];
  utcOffsetMinutes: number;
}

/** The principal scheduled reports are recorded under in the access log. */
export const SCHEDULER_PRINCIPAL: Principal = {
  role: 'admin',
  tenants: new Set(['*']),
  subject: 'auditlens-scheduler',
  userName: 'auditlens-scheduler',
  clientAddress: '127.0.0.1',
  userAgent: 'auditlens-exporter',
};

/**
 * Daily reports (the source's generate_daily_compliance_report at 02:00): once a day, at the
 * configured time, yesterday's report for every tenant that has records and every configured
 * framework. A report that already exists (another exporter, a restart) is not generated again.
 * If the exporter starts after the day's time, it catches up at its first check.
 */
export class ReportScheduler {
  private timer: NodeJS.Timeout | undefined;
  private lastRunDay: string | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly runtime: ComplianceRuntime,
    private readonly accessLog: AccessLog,
    private readonly options: ScheduleOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks every minute (the first check a minute after start, which catches up a missed run). */
  start(checkEveryMs = 60_000): void {
    this.timer = setInterval(() => void this.tick(), checkEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs the day's reports when their time has come and they have not run yet. */
  async tick(): Promise<void> {
    if (this.running) return;
    const now = this.now();
    const today = periodContaining('daily', now, this.options.utcOffsetMinutes);
    const [hours = 0, minutes = 0] = this.options.time.split(':').map(Number);
    if (now < today.startMs + (hours * 60 + minutes) * 60_000 || this.lastRunDay === today.label) return;
    this.lastRunDay = today.label;
    this.running = this.runDaily(previousPeriod('daily', now, this.options.utcOffsetMinutes))
      .then(() => undefined)
      .catch((error: unknown) => {
        this.lastRunDay = undefined;
        this.logger.error({ err: (error as Error).message }, 'scheduled compliance reports failed; retrying');
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /** Generates the period's reports; returns how many were generated. */
  async runDaily(period: Period): Promise<number> {
    const store = this.runtime.store;
    const tenants = await store.query<{ tenant_id: string }>(
      `SELECT DISTINCT tenant_id FROM ${store.database}.audit_summary_hour
       WHERE bucket >= {from:DateTime64(3, 'UTC')} AND bucket < {to:DateTime64(3, 'UTC')} ORDER BY tenant_id`,
      { from: formatTime(period.startMs), to: formatTime(period.endMs) },
    );
    let generated = 0;
    for (const { tenant_id: tenantId } of tenants) {
      for (const framework of this.options.frameworks) {
        if (await reportExists(store, tenantId, framework, period)) continue;
        const report = await this.runtime.generateReport({
          tenantId,
          framework,
          period,
          generatedBy: SCHEDULER_PRINCIPAL.subject,
        });
        await this.accessLog.record(SCHEDULER_PRINCIPAL, {
          tenantId,
          type: 'report',
          resource: 'scheduled daily report',
          filter: { framework, period: period.type, label: period.label },
          rows: report.content.summary.total,
        });
        generated++;
        this.logger.info(
          { tenantId, framework, period: period.label, status: report.content.status, id: report.content.id },
          'scheduled compliance report generated',
        );
      }
    }
    return generated;
  }
}
