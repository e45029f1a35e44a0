import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ExporterConfig } from '../config.js';
import type { IngestPipeline } from '../ingest/pipeline.js';
import type { InternalRecorder } from '../ingest/internal-records.js';
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
import { verifyIntegrity } from '../integrity/verify.js';
import type { VerifyResult } from '../integrity/verify-result.js';
import {
  adminRecord,
  policyAdminChange,
  type Actor,
  type AdminChange,
  type AdminRequest,
} from '../retention/admin-record.js';
import { RetentionPolicies, type PolicyChange } from '../retention/policies.js';
import {
  archiveDue,
  moveToArchive,
  reapplyRetention,
  type ArchiveResult,
  type ReapplyResult,
} from '../retention/storage.js';
import {
  generateReport,
  storeReport,
  type GeneratedReport,
  type ReportDeps,
  type ReportRequest,
} from '../reports/generate.js';

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
      help: 'Integrity verifications run, by verdict (intact / broken / no_data)',
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
    this.metrics?.verifications.inc({ result: result.verdict });
    return result;
  }

  reportDeps(): ReportDeps {
    const { config, store } = this.options;
    return {
      store,
      policies: this.policies,
      retentionFloorSetBy: config.compliance.retentionFloorSetBy,
      apiTokens: config.apiTokens,
      archive: {
        mode: store.mode,
        volume: config.compliance.archiveVolume,
        intervalMinutes: config.compliance.archiveIntervalMinutes,
      },
      verify: (tenantId, fromMs, toMs) => this.verify(tenantId, { fromMs, toMs }, { live: true }),
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

  /**
   * Makes an administrative change, audited (DESIGN §5, GB/T 22239-2019 8.1.5.2): the audit.admin
   * record of each change is committed and sealed first, and when one cannot be written the
   * change is not made; a change that fails after its records were written gets a second record
   * with outcome failure.
   */
  async auditedChange<T>(changes: readonly AdminChange[], actor: Actor, apply: () => Promise<T>): Promise<T> {
    for (const change of changes) await this.options.recorder.write(adminRecord(change, actor));
    try {
      return await apply();
    } catch (error) {
      const failure = (error as Error).message;
      for (const change of changes) {
        await this.options.recorder
          .write(adminRecord({ ...change, failure }, actor))
          .catch((recordError: unknown) =>
            this.options.logger.error(
              { operation: change.operation, err: (recordError as Error).message },
              'the failure of an audited change could not be recorded',
            ),
          );
      }
      throw error;
    }
  }

  /** Retention policy changes (planned by RetentionPolicies), audited one record each, then applied. */
  changePolicies(changes: readonly PolicyChange[], actor: Actor, via: AdminRequest): Promise<void> {
    return this.auditedChange(
      changes.map((change) => policyAdminChange(change, via)),
      actor,
      () => this.policies.apply(changes),
    );
  }

  /**
   * Embedded mode: moves rows past their online days to the archive tables, the move audited
   * first (RETENTION_ARCHIVE). Returns the rows moved per table; nothing due, nothing recorded.
   */
  async archive(actor: Actor, via: AdminRequest, nowMs = Date.now()): Promise<ArchiveResult[]> {
    const due = await archiveDue(this.store, nowMs);
    if (due.length === 0) return due;
    const change: AdminChange = {
      operation: 'RETENTION_ARCHIVE',
      targetType: 'AUDIT_TABLES',
      targetId: '*',
      targetName: 'archive tables',
      details: { due, cutoff: new Date(nowMs).toISOString() },
      ...via,
    };
    await this.auditedChange([change], actor, () => moveToArchive(this.store, due, nowMs));
    for (const m of due) this.metrics?.archived.inc({ table: m.table }, m.moved);
    return due;
  }

  /** Re-applies the current policies to stored rows (a mutation), audited first (RETENTION_REAPPLY). */
  reapply(actor: Actor, via: AdminRequest, wait: boolean): Promise<ReapplyResult[]> {
    const change: AdminChange = {
      operation: 'RETENTION_REAPPLY',
      targetType: 'AUDIT_TABLES',
      targetId: '*',
      targetName: 'stored rows',
      details: {
        wait,
        policies: this.policies
          .list()
          .filter((p) => p.enabled)
          .map((p) => p.id),
      },
      ...via,
    };
    return this.auditedChange([change], actor, () => reapplyRetention(this.store, this.policies, { wait }));
  }

  async close(): Promise<void> {
    await this.sealer.stop();
  }
}
