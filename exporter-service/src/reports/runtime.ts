import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ExporterConfig } from '../config.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { InternalRecorder } from '../internal-records.js';
import type { Logger } from '../logger.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditStore } from '../store/store.js';
import { CanonicalSchema } from '../integrity/canonical.js';
import {
  defaultKeyPath,
  integrityDir,
  loadPublicKeys,
  loadSigningKey,
  resolveWriterId,
  type SigningKey,
} from '../integrity/keys.js';
import { IntegritySealer } from '../integrity/sealer.js';
import { verifyIntegrity, type VerifyResult } from '../integrity/verify.js';
import { adminRecord, type Actor, type AdminChange } from '../retention/admin-record.js';
import { RetentionPolicies } from '../retention/policies.js';
import type { AlertRuleInfo } from './evidence.js';
import {
  generateReport,
  storeReport,
  type GeneratedReport,
  type ReportDeps,
  type ReportRequest,
} from './generate.js';

interface ComplianceMetrics {
  checkpoints: Counter<'table'>;
  verifications: Counter<'result'>;
  reports: Counter<'framework' | 'status'>;
  reportSeconds: Histogram<'framework'>;
  archived: Counter<'table'>;
}

function createMetrics(registry: Registry): ComplianceMetrics {
  return {
    checkpoints: new Counter({
      name: 'auditlens_integrity_checkpoints_total',
      help: 'Signed integrity checkpoints stored, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    verifications: new Counter({
      name: 'auditlens_integrity_verifications_total',
      help: 'Integrity verifications run, by result (intact / broken)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    reports: new Counter({
      name: 'auditlens_compliance_reports_total',
      help: 'Compliance reports generated, by framework and overall status',
      labelNames: ['framework', 'status'] as const,
      registers: [registry],
    }),
    reportSeconds: new Histogram({
      name: 'auditlens_compliance_report_seconds',
      help: 'Time to generate one compliance report',
      labelNames: ['framework'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    archived: new Counter({
      name: 'auditlens_rows_archived_total',
      help: 'Rows moved from the online tables to the archive tables (embedded mode)',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
  };
}

export interface RuntimeOptions {
  config: ExporterConfig;
  store: AuditStore;
  pipeline: IngestPipeline;
  recorder: InternalRecorder;
  logger: Logger;
  /** Writer id for this process (the CLI uses a fresh one per run); default: configured or persisted. */
  writerId?: string;
  /** Journal row digests before each insert (long-running exporters). */
  journal: boolean;
  registry?: Registry;
  alertRules?: () => Promise<AlertRuleInfo[]>;
}

/**
 * Integrity, retention and reporting, wired into one ingest pipeline: checkpoints sealed after
 * every commit, retention set on every row, and the operations the API and the CLI offer.
 */
export class ComplianceRuntime {
  private constructor(
    private readonly options: RuntimeOptions,
    readonly key: SigningKey,
    readonly writerId: string,
    readonly trustedKeys: Map<string, KeyObject>,
    readonly schema: CanonicalSchema,
    readonly sealer: IntegritySealer,
    readonly policies: RetentionPolicies,
    readonly metrics: ComplianceMetrics | undefined,
  ) {}

  static async open(options: RuntimeOptions): Promise<ComplianceRuntime> {
    const { config, store, pipeline, logger } = options;
    const settings = config.compliance;
    const key = loadSigningKey(settings.signingKeyFile ?? defaultKeyPath(config.dataDir), {
      create: settings.signingKeyFile === undefined,
      warn: (message) => logger.warn(message),
    });
    const writerId = options.writerId ?? resolveWriterId(config.dataDir, settings.writerId);
    const trustedKeys = loadPublicKeys(settings.trustedKeyFiles);
    trustedKeys.set(key.keyId, key.publicKey);
    const schema = await CanonicalSchema.load(store, AUDIT_TABLES);
    const metrics = options.registry ? createMetrics(options.registry) : undefined;
    const sealer = new IntegritySealer({
      store,
      schema,
      key,
      writerId,
      logger,
      journalDir: options.journal ? join(integrityDir(config.dataDir), 'journal', writerId) : undefined,
      onStored: (checkpoint) => metrics?.checkpoints.inc({ table: checkpoint.table_name }),
    });
    await sealer.start(options.journal ? 5000 : 0);
    pipeline.useCommitHooks(sealer);
    const policies = new RetentionPolicies(store, settings.retentionFloorDays);
    await policies.load();
    pipeline.useRowTransform(policies.transform);
    logger.info(
      { writerId, keyId: key.keyId, keyFile: key.path, floorDays: settings.retentionFloorDays },
      'integrity sealing and retention policies active',
    );
    return new ComplianceRuntime(options, key, writerId, trustedKeys, schema, sealer, policies, metrics);
  }

  get store(): AuditStore {
    return this.options.store;
  }

  get config(): ExporterConfig {
    return this.options.config;
  }

  /**
   * Verifies a tenant's period. `live` adds what only the running exporter knows: rows it holds
   * unsealed, and the last checkpoint it stored per chain (a truncated chain head).
   */
  async verify(
    tenantId: string,
    range: { fromMs?: number | undefined; toMs?: number | undefined } = {},
    extra: { live?: boolean; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<VerifyResult> {
    const result = await verifyIntegrity(this.options.store, {
      tenantId,
      fromMs: range.fromMs,
      toMs: range.toMs,
      schema: this.schema,
      trustedKeys: this.trustedKeys,
      floorDays: this.policies.floorDays,
      policyDeleteDays: (table) => this.policies.deleteDaysFor(table),
      ...(extra.live
        ? { unsealed: this.sealer.unsealedEventIds(), expectedHeads: this.sealer.storedHeads(tenantId) }
        : {}),
      ...(extra.onProgress ? { onProgress: extra.onProgress } : {}),
    });
    this.metrics?.verifications.inc({ result: result.ok ? 'intact' : 'broken' });
    return result;
  }

  reportDeps(): ReportDeps {
    const { config, store } = this.options;
    return {
      store,
      policies: this.policies,
      apiTokens: config.apiTokens,
      archive: {
        mode: store.mode,
        volume: config.compliance.archiveVolume,
        intervalMinutes: config.compliance.archiveIntervalMinutes,
      },
      verify: (tenantId, fromMs, toMs) => this.verify(tenantId, { fromMs, toMs }, { live: true }),
      alertRules: this.options.alertRules,
    };
  }

  /** Generates a report and stores it in audit_compliance_report. */
  async generateReport(request: ReportRequest): Promise<GeneratedReport> {
    const started = performance.now();
    const report = await generateReport(this.reportDeps(), request);
    await storeReport(this.options.store, report);
    this.metrics?.reports.inc({ framework: request.framework, status: report.content.status });
    this.metrics?.reportSeconds.observe(
      { framework: request.framework },
      (performance.now() - started) / 1000,
    );
    return report;
  }

  /** Writes the audit.admin record of a compliance configuration change (awaited: committed and sealed). */
  async recordChange(change: AdminChange, actor: Actor): Promise<void> {
    await this.options.recorder.write(adminRecord(change, actor));
  }

  countArchived(table: string, rows: number): void {
    this.metrics?.archived.inc({ table }, rows);
  }

  async close(): Promise<void> {
    await this.sealer.stop();
  }
}
