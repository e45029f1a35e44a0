import type express from 'express';
import type { ExporterConfig } from './config.js';
import type { Logger } from './logger.js';
import type { ExporterMetrics } from './metrics.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { AccessLog } from './api/access-log.js';
import type { InternalRecorder } from './ingest/internal-records.js';
import type { AuditStore } from './store/store.js';

/** What a feature module gets when the exporter starts (store migrated, pipeline running). */
export interface ModuleContext {
  config: ExporterConfig;
  store: AuditStore;
  pipeline: IngestPipeline;
  logger: Logger;
  metrics: ExporterMetrics;
  accessLog: AccessLog;
  /** Writes the exporter's own audit records through the pipeline. */
  recorder: InternalRecorder;
}

/**
 * A feature of the exporter (alerting, compliance, …): started after migrations, its routes
 * mounted under /api/v1 behind authentication, stopped before the pipeline drains.
 */
export interface ExporterModule {
  readonly name: string;
  start(context: ModuleContext): Promise<void> | void;
  /** Routes under /api/v1; authentication has run (see api/principal.ts). */
  routes?(context: ModuleContext): express.Router;
  stop?(): Promise<void> | void;
}
