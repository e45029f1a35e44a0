import {
  context,
  isSpanContextValid,
  propagation,
  ProxyTracerProvider,
  SpanStatusCode,
  trace,
  type Attributes,
  type MeterProvider,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SDK_SCOPE_NAME } from '@auditlens/contract';
import { runAs } from './audit-context.js';
import { resolveEndpoint, type EndpointOptions } from './config.js';
import { BatchSpool } from './export/batch-spool.js';
import type { DeliveryErrorHandler, DeliveryStats } from './export/delivery-telemetry.js';
import { DirectLogger } from './export/direct-logger.js';
import {
  DurableLogRecordProcessor,
  type DurableLogRecordProcessorOptions,
} from './export/durable-log-record-processor.js';
import { OtlpHttpTransport, type LogBatchTransport } from './export/otlp-http-transport.js';
import { parseKey } from './field-protection.js';
import { AuditRecorder, type PayloadLimits } from './recorder.js';
import { Redactor, type RedactionOptions } from './redaction.js';
import type { RiskRule } from './request-rules.js';
import type { AuditIdentity } from './types.js';
import { SDK_VERSION } from './version.js';

export interface AuditOptions extends EndpointOptions {
  serviceVersion?: string;
  /** `deployment.environment.name` */
  environment?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES is read too). */
  resourceAttributes?: Attributes;
  /** Tenant of records whose context names none (single-tenant apps). */
  tenant?: string;
  /** Added to every record's `audit.compliance_tags`. */
  complianceTags?: string[];
  redaction?: RedactionOptions;
  payloadLimits?: Partial<PayloadLimits>;
  /** Risk rules of request records; default: the source's (see DEFAULT_RISK_RULES). */
  riskRules?: readonly RiskRule[];
  /** Field names always masked (or encrypted) in field changes and images. */
  sensitiveFields?: string[];
  /** 32-byte AES-256-GCM key (Buffer, hex or base64): sensitive field-change values are encrypted, not masked. */
  fieldEncryptionKey?: Buffer | string;
  spool?: {
    maxBytes?: number;
    segmentBytes?: number;
    fsync?: boolean;
    mode?: 'overflow' | 'always';
  };
  /** Queueing, batching, concurrency, retries, dropping, shutdown deadline (see DurableLogRecordProcessorOptions). */
  delivery?: Pick<
    DurableLogRecordProcessorOptions,
    | 'maxQueueSize'
    | 'maxExportBatchSize'
    | 'scheduledDelayMillis'
    | 'maxConcurrentExports'
    | 'retry'
    | 'dropWhenFull'
    | 'shutdownTimeoutMillis'
  >;
  onError?: DeliveryErrorHandler;
  /** Meter provider of the delivery counters; default the global one. */
  meterProvider?: MeterProvider;
  /** Replaces the OTLP/HTTP transport (a plug-in point, e.g. for tests or another protocol). */
  transport?: LogBatchTransport;
  /**
   * Persist queued records at process exit and flush them on SIGTERM/SIGINT within the shutdown
   * deadline. Default true.
   */
  handleSignals?: boolean;
}

/**
 * The SDK's entry point: a recorder (every typed call) wired to its own OTel LoggerProvider, whose
 * only processor is the durable one, plus a tracer for request and operation spans.
 *
 * Tracing: when the app already runs an OTel SDK, its global tracer is used, so the app's spans
 * parent our records and our spans go through its pipeline. Otherwise the client starts a small
 * NodeTracerProvider exporting spans to the same endpoint and registers it globally (with the
 * AsyncLocalStorage context manager that span propagation needs).
 */
export class AuditClient extends AuditRecorder {
  readonly tracer: Tracer;
  readonly resource: Resource;
  readonly loggerProvider: LoggerProvider;
  private readonly processor: DurableLogRecordProcessor;
  private readonly ownTracerProvider: NodeTracerProvider | undefined;
  private readonly removeProcessHooks: () => void;
  private shutdownPromise: Promise<void> | undefined;
  private readonly flushOnExitMillis: number;

  constructor(options: AuditOptions = {}) {
    const endpoint = resolveEndpoint(options);
    const resource = buildResource(options, endpoint.serviceName);
    const transport =
      options.transport ??
      new OtlpHttpTransport({
        url: endpoint.logsUrl,
        headers: endpoint.headers,
        encoding: endpoint.encoding,
        compression: endpoint.compression,
        timeoutMillis: endpoint.timeoutMillis,
      });
    const spool =
      endpoint.spoolDir === undefined
        ? undefined
        : BatchSpool.open({ directory: endpoint.spoolDir, ...options.spool });
    const processor = new DurableLogRecordProcessor({
      transport,
      spool,
      spoolMode: options.spool?.mode,
      ...options.delivery,
      onError: options.onError ?? defaultErrorHandler(),
      meterProvider: options.meterProvider,
    });
    const loggerProvider = new LoggerProvider({ resource, processors: [processor as LogRecordProcessor] });
    const sdkLogger = loggerProvider.getLogger(SDK_SCOPE_NAME, SDK_VERSION);
    super({
      logger: new DirectLogger(processor, resource, sdkLogger, '@auditlens/sdk', SDK_VERSION),
      redactor: new Redactor(options.redaction),
      defaultTenant: options.tenant,
      complianceTags: options.complianceTags,
      riskRules: options.riskRules,
      limits: options.payloadLimits,
      sensitiveFields: options.sensitiveFields,
      fieldEncryptionKey:
        options.fieldEncryptionKey === undefined ? undefined : parseKey(options.fieldEncryptionKey),
    });
    this.resource = resource;
    this.flushOnExitMillis = options.delivery?.shutdownTimeoutMillis ?? 5000;
    this.loggerProvider = loggerProvider;
    this.processor = processor;

    if (hasActiveTracerProvider()) {
      this.ownTracerProvider = undefined;
      this.tracer = trace.getTracer('@auditlens/sdk', SDK_VERSION);
    } else {
      this.ownTracerProvider = new NodeTracerProvider({
        resource,
        spanProcessors: [
          new BatchSpanProcessor(
            new OTLPTraceExporter({ url: endpoint.tracesUrl, headers: endpoint.headers }),
          ),
        ],
      });
      this.ownTracerProvider.register();
      this.tracer = this.ownTracerProvider.getTracer('@auditlens/sdk', SDK_VERSION);
    }
    this.removeProcessHooks = options.handleSignals === false ? () => undefined : this.installProcessHooks();
  }

  /**
   * Runs `fn` in a new span, so that every record it emits (request, data operations, field
   * changes, admin records) shares one trace. Works with sync and async functions.
   */
  withAuditedOperation<T>(name: string, fn: (span: Span) => T, attributes?: Attributes): T {
    return this.tracer.startActiveSpan(name, { attributes }, (span) => {
      const fail = (error: unknown): never => {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        span.end();
        throw error;
      };
      try {
        const result = fn(span);
        if (result instanceof Promise) {
          return result.then((value: unknown) => {
            span.end();
            return value;
          }, fail) as T;
        }
        span.end();
        return result;
      } catch (error) {
        return fail(error);
      }
    });
  }

  /** Runs `fn` as `identity` (jobs, system operations); see `runAs`. */
  runAs<T>(identity: AuditIdentity, fn: () => T): T {
    return runAs(identity, fn);
  }

  /** Delivery counters (queued, spooled, sent, failed, dropped, retries, recovered). */
  stats(): DeliveryStats {
    return this.processor.stats();
  }

  /**
   * Resolves when every record so far is delivered, or durably spooled while the backend fails
   * (and our own spans, if we run the tracer provider, are exported).
   */
  async forceFlush(timeoutMillis?: number): Promise<void> {
    await Promise.all([
      this.processor.forceFlush({ timeoutMillis }),
      this.ownTracerProvider?.forceFlush().catch(() => undefined),
    ]);
  }

  /** Flushes (within the delivery shutdown deadline), spools what is left, stops. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.removeProcessHooks();
      await this.loggerProvider.shutdown();
      if (this.ownTracerProvider) {
        await this.ownTracerProvider.shutdown().catch(() => undefined);
        const global = trace.getTracerProvider();
        if (global instanceof ProxyTracerProvider && global.getDelegate() === this.ownTracerProvider) {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      }
      if (globalClient === this) globalClient = undefined;
    })();
    return this.shutdownPromise;
  }

  private installProcessHooks(): () => void {
    // The event loop ran dry (a script ending without shutdown()): deliver what is pending first.
    const onBeforeExit = (): void => {
      if (this.processor.hasPending()) void this.forceFlush(this.flushOnExitMillis);
    };
    const onExit = (): void => this.processor.persistSync();
    const onSignal = (signal: NodeJS.Signals): void => {
      // Durable first: another handler may exit the process before the flush below completes.
      this.processor.persistSync();
      const othersHandleIt = process.listenerCount(signal) > 0;
      void this.shutdown().finally(() => {
        // Nobody else listens: restore the default behaviour of the signal, i.e. terminate.
        if (!othersHandleIt) process.kill(process.pid, signal);
      });
    };
    process.on('beforeExit', onBeforeExit);
    process.on('exit', onExit);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    return () => {
      process.off('beforeExit', onBeforeExit);
      process.off('exit', onExit);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
  }
}

let globalClient: AuditClient | undefined;

/**
 * Starts the SDK and makes the client the default of the middleware and `getAudit()`.
 * Call once at startup, after the app's own OTel SDK (if any) has started.
 */
export function initAudit(options: AuditOptions = {}): AuditClient {
  const client = new AuditClient(options);
  globalClient = client;
  return client;
}

/** The client `initAudit` created, if any. */
export function getAudit(): AuditClient | undefined {
  return globalClient;
}

/** Shuts the default client down (flushing it). */
export async function shutdownAudit(): Promise<void> {
  await globalClient?.shutdown();
}

/** True when some OTel SDK already produces real spans (the app runs the Node SDK, or we do). */
function hasActiveTracerProvider(): boolean {
  // A span from the no-op provider has an invalid context; it is never ended, so never exported.
  const probe = trace.getTracer('@auditlens/sdk-probe').startSpan('probe');
  return isSpanContextValid(probe.spanContext());
}

function buildResource(options: AuditOptions, serviceName: string | undefined): Resource {
  const explicit: Attributes = { ...options.resourceAttributes };
  if (serviceName !== undefined) explicit['service.name'] = serviceName;
  if (options.serviceVersion !== undefined) explicit['service.version'] = options.serviceVersion;
  if (options.environment !== undefined) explicit['deployment.environment.name'] = options.environment;
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(explicit));
}

/** Without an onError hook, delivery problems are printed, at most once a minute per kind. */
function defaultErrorHandler(): DeliveryErrorHandler {
  const lastPrinted = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if (now - (lastPrinted.get(error.kind) ?? 0) < 60_000) return;
    lastPrinted.set(error.kind, now);
    console.warn(`[auditlens] ${error.kind}: ${error.message} (${error.recordCount} records)`);
  };
}
