import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express from 'express';
import { loadConfig, type ExporterConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { ExporterMetrics } from './metrics.js';
import { BusinessMetrics } from './business-metrics.js';
import { IngestPipeline } from './ingest/pipeline.js';
import { createOtlpReceiver } from './http/otlp-receiver.js';
import { closeGrpc, createOtlpGrpcServer, listenGrpc } from './grpc/otlp-grpc.js';
import { OtlpExportHandler } from './ingest/export-handler.js';
import { createOpsRouter } from './http/ops.js';
import { createApiRouter } from './api/router.js';
import { migrate, schemaIsCurrent } from './schema/migrate.js';
import { createStore, type AuditStore } from './store/index.js';
import { AccessLog } from './api/access-log.js';
import { DeniedAccessLog } from './api/denied-access.js';
import { InternalRecorder } from './ingest/internal-records.js';
import type { ExporterModule, ModuleContext } from './modules.js';
import { alertingModule } from './alerts/module.js';
import { usageModule } from './usage/module.js';
import { behaviourModule } from './behaviour/module.js';
import { complianceModule } from './compliance/module.js';
import { selfAuditModule } from './self-audit/self-audit.js';
import { announceRunningExporter } from './running-exporter.js';
import { RecordRedactor } from './mapping/redaction.js';
import { storageGrowthModule } from './storage-growth/module.js';

export interface RunningExporter {
  config: ExporterConfig;
  store: AuditStore;
  pipeline: IngestPipeline;
  metrics: ExporterMetrics;
  logger: Logger;
  /** Base URL of the OTLP/HTTP receiver, e.g. http://127.0.0.1:4318 */
  otlpUrl: string;
  /** host:port of the OTLP/gRPC receiver. */
  otlpGrpcAddress: string;
  /** Base URL of the REST API, health and metrics. */
  apiUrl: string;
  /** Stops listening, commits every queued row, closes the store. */
  close(): Promise<void>;
}

/** Overrides on top of the environment's configuration (tests and embedding). */
export type ExporterOverrides = Partial<Omit<ExporterConfig, 'clickhouse' | 'batch'>> & {
  clickhouse?: Partial<ExporterConfig['clickhouse']>;
  batch?: Partial<ExporterConfig['batch']>;
  /** Use this store instead of creating one from the configuration. */
  store?: AuditStore;
  /** Feature modules to run instead of the default set. */
  modules?: ExporterModule[];
};

/** The modules every exporter runs, in start order. */
export function defaultModules(): ExporterModule[] {
  // Compliance first: its integrity hooks must seal every record the other modules write.
  return [
    complianceModule(),
    selfAuditModule(),
    alertingModule(),
    usageModule(),
    storageGrowthModule(),
    behaviourModule(),
  ];
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

const urlHost = (host: string): string => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

/** Starts the exporter: store, migrations, OTLP receiver and the API/ops listener. */
export async function startExporter(
  overrides: ExporterOverrides = {},
  env = process.env,
): Promise<RunningExporter> {
  const base = loadConfig(env);
  const { store: givenStore, modules = defaultModules(), ...rest } = overrides;
  const config: ExporterConfig = {
    ...base,
    ...rest,
    clickhouse: { ...base.clickhouse, ...overrides.clickhouse },
    batch: { ...base.batch, ...overrides.batch },
  };
  const logger = createLogger(config.logLevel);
  if (config.ingestTokens.size === 0) {
    logger.warn(
      'AUDITLENS_INGEST_TOKENS is not set: DEV MODE, anyone can write audit records for any tenant',
    );
  }
  if (config.apiTokens.size === 0) {
    logger.warn('AUDITLENS_API_TOKENS is not set: DEV MODE, the REST API is open to anyone');
  }

  const store = givenStore ?? (await createStore(config));
  const metrics = new ExporterMetrics();
  try {
    if (config.migrateOnStart) {
      const report = await migrate(store, { cluster: config.clickhouse.cluster });
      logger.info({ mode: store.mode, database: store.database, applied: report.applied }, 'schema ready');
    } else if (!(await schemaIsCurrent(store))) {
      throw new Error(
        `the schema in database ${store.database} is missing or out of date and AUDITLENS_MIGRATE_ON_START=false: ` +
          'run `auditlens migrate` with a user allowed to change the schema',
      );
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const pipeline = new IngestPipeline(store, config.batch, metrics);
  const businessMetrics = new BusinessMetrics(metrics.registry, config.metrics);
  pipeline.onCommit((_table, rows) => businessMetrics.observe(rows));

  const handler = new OtlpExportHandler({
    pipeline,
    metrics,
    logger,
    limits: { maxAttributeBytes: config.maxAttributeBytes, maxFutureSkewMs: config.maxFutureSkewMs },
    spansAsRequests: config.spansAsRequests,
    redactor: new RecordRedactor(config.redaction),
  });
  const receiverOptions = {
    handler,
    metrics,
    logger,
    ingestTokens: config.ingestTokens,
    maxBodyBytes: config.maxBodyBytes,
  };
  const otlpApp = createOtlpReceiver(receiverOptions);
  const grpcServer = createOtlpGrpcServer(receiverOptions);
  const recorder = new InternalRecorder(pipeline);
  const context: ModuleContext = {
    config,
    store,
    pipeline,
    logger,
    metrics,
    recorder,
    accessLog: new AccessLog(recorder),
  };
  const started: ExporterModule[] = [];
  const stopModules = async (): Promise<void> => {
    for (const module of started.reverse()) await module.stop?.();
  };
  try {
    for (const module of modules) {
      await module.start(context);
      started.push(module);
    }
  } catch (error) {
    await stopModules();
    await pipeline.close();
    await store.close();
    throw error;
  }
  const deniedAccess = new DeniedAccessLog(context.accessLog, metrics, logger);
  const apiApp = express();
  apiApp.disable('x-powered-by');
  apiApp.use(createOpsRouter(store, pipeline, metrics));
  apiApp.use(
    '/api/v1',
    createApiRouter(
      { store, logger, accessLog: context.accessLog, deniedAccess, apiTokens: config.apiTokens },
      modules.flatMap((module) => (module.routes ? [module.routes(context)] : [])),
    ),
  );

  const otlpServer = createServer(otlpApp);
  const apiServer = createServer(apiApp);
  const otlpPort = await listen(otlpServer, config.otlpPort, config.host);
  const apiPort = await listen(apiServer, config.apiPort, config.host);
  const otlpGrpcPort = await listenGrpc(grpcServer, config.host, config.otlpGrpcPort);
  const otlpUrl = `http://${urlHost(config.host)}:${otlpPort}`;
  const apiUrl = `http://${urlHost(config.host)}:${apiPort}`;
  const otlpGrpcAddress = `${urlHost(config.host)}:${otlpGrpcPort}`;
  logger.info({ otlpUrl, otlpGrpcAddress, apiUrl, mode: store.mode }, 'exporter listening');
  // So that `auditlens` commands use this API rather than the store this process holds. Not fatal:
  // a server-mode exporter may run with a read-only data directory (the CLI then needs --api).
  let withdraw = (): void => undefined;
  try {
    withdraw = announceRunningExporter(config.dataDir, {
      pid: process.pid,
      apiUrl,
      mode: store.mode,
      startedAt: new Date().toISOString(),
    });
  } catch (error) {
    logger.warn(
      { err: (error as Error).message, dataDir: config.dataDir },
      'could not write exporter.json: auditlens commands need --api or AUDITLENS_API_URL to find this exporter',
    );
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      withdraw();
      await stopModules();
      await deniedAccess.close();
      await pipeline.close();
      await Promise.all([closeServer(otlpServer), closeServer(apiServer), closeGrpc(grpcServer)]);
      await store.close();
      logger.info('exporter stopped');
    })();
    return closing;
  };
  return { config, store, pipeline, metrics, logger, otlpUrl, otlpGrpcAddress, apiUrl, close };
}
