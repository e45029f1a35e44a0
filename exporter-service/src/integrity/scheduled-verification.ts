import { INTEGRITY_VIOLATION } from '../alerts/builtin.js';
import type { InternalRecorder } from '../ingest/internal-records.js';
import type { Logger } from '../logger.js';
import type { AuditStore } from '../store/store.js';
import type { VerifyResult } from './verify-result.js';

export interface ScheduledVerificationOptions {
  store: AuditStore;
  recorder: InternalRecorder;
  logger: Logger;
  /** Verifies one tenant's period (ComplianceRuntime.verify, live). */
  verify: (tenantId: string, fromMs: number | undefined, toMs: number) => Promise<VerifyResult>;
  intervalMinutes: number;
  /** Hours back from now each run verifies; 0 = everything stored. */
  windowHours: number;
  /** Tenants to verify (`@system` = system-level records); `*` = every tenant with checkpoints. */
  tenants: string[] | '*';
}

/** What one run found, per tenant verified. */
export interface VerificationRun {
  tenant: string;
  verdict: VerifyResult['verdict'] | 'failed';
  problems: number;
}

/**
 * Tampering must alert someone (GB/T 22239-2019 8.1.4.3 c, PCI DSS 10.3.4 and 10.7.2): the exporter
 * verifies the signed checkpoints on a schedule, and a run that finds a problem writes an
 * `audit.security` record (INTEGRITY_VIOLATION, critical, for that tenant) through the pipeline,
 * which the built-in rule `builtin.integrity-violation` turns into a firing alert; the compliance
 * reports count these records as findings. A run that cannot verify (store down) is logged and
 * retried at the next interval.
 */
export class ScheduledVerification {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<VerificationRun[]> | undefined;

  constructor(private readonly options: ScheduledVerificationOptions) {}

  start(): void {
    if (this.options.intervalMinutes <= 0) return;
    this.timer = setInterval(() => void this.run(), this.options.intervalMinutes * 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One run over the configured tenants (a run still under way is joined, not doubled). */
  run(now = Date.now()): Promise<VerificationRun[]> {
    this.running ??= this.verifyAll(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tenants(): Promise<string[]> {
    const { tenants, store } = this.options;
    if (tenants !== '*') return tenants.map((t) => (t === '@system' ? '' : t));
    const rows = await store.query<{ tenant: string }>(
      `SELECT DISTINCT tenant_id AS tenant FROM ${store.database}.audit_integrity_checkpoint ORDER BY tenant`,
    );
    return rows.map((r) => r.tenant);
  }

  private async verifyAll(now: number): Promise<VerificationRun[]> {
    const { logger, windowHours } = this.options;
    const fromMs = windowHours > 0 ? now - windowHours * 3_600_000 : undefined;
    const runs: VerificationRun[] = [];
    let tenants: string[];
    try {
      tenants = await this.tenants();
    } catch (error) {
      logger.error({ err: (error as Error).message }, 'scheduled integrity verification could not start');
      return runs;
    }
    for (const tenant of tenants) {
      try {
        const result = await this.options.verify(tenant, fromMs, now);
        runs.push({ tenant, verdict: result.verdict, problems: result.problemCount });
        if (result.verdict === 'broken') await this.raise(result);
      } catch (error) {
        runs.push({ tenant, verdict: 'failed', problems: 0 });
        logger.error({ tenant, err: (error as Error).message }, 'scheduled integrity verification failed');
      }
    }
    return runs;
  }

  private async raise(result: VerifyResult): Promise<void> {
    const first = result.firstBroken;
    const problem = first?.problems[0];
    const where = first
      ? `${first.table}${first.sequence === null ? '' : ` checkpoint ${first.sequence}`}`
      : '';
    this.options.logger.error(
      { tenant: result.tenant, problems: result.problemCount, first: problem?.kind, where },
      'integrity verification found tampered audit records',
    );
    await this.options.recorder.write({
      kind: 'security',
      tenantId: result.tenant,
      description:
        `scheduled integrity verification of ${result.from} – ${result.to} found ${result.problemCount} problems; ` +
        `first: ${problem?.kind ?? 'unknown'} in ${where}`,
      attributes: {
        'audit.security.event_type': INTEGRITY_VIOLATION,
        'audit.security.detection_method': 'scheduled-verification',
        'audit.security.threat_type': 'tampering',
        'audit.security.mitre_tactic': 'TA0040',
        'audit.security.mitre_technique': 'T1565.001',
        'audit.security.target_resource': first?.table ?? 'audit tables',
        'audit.security.rule': 'scheduled integrity verification',
        'audit.result': 'failure',
        'audit.risk_level': 4,
        'audit.module': 'integrity',
        'audit.operation': 'integrity_verification',
        'audit.compliance_tags': ['GB/T 22239-2019 8.1.4.3 c)', 'PCI DSS 10.3.4', 'PCI DSS 10.7.2'],
        'auditlens.integrity.problems': result.problemCount,
        'auditlens.integrity.first_problem': problem ? `${problem.kind} ${problem.eventId ?? ''}`.trim() : '',
        'auditlens.integrity.from': result.from,
        'auditlens.integrity.to': result.to,
      },
    });
  }
}
