import * as grpc from '@grpc/grpc-js';
import type { IngestToken } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExporterMetrics } from '../metrics.js';
import type { OtlpExportHandler } from '../ingest/export-handler.js';
import { encodeExportResponse, type Signal } from '../otlp/response.js';
import { IngestGrants } from '../ingest/grants.js';

export interface OtlpGrpcOptions {
  handler: OtlpExportHandler;
  metrics: ExporterMetrics;
  logger: Logger;
  ingestTokens: ReadonlyMap<string, IngestToken>;
  maxBodyBytes: number;
}

const SERVICE_PATHS: Record<Signal, string> = {
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
};

const bytes = (value: Buffer): Buffer => value;

/** The OTLP Export method with raw protobuf bytes in and out: decoding is the handler's job. */
function serviceDefinition(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: SERVICE_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: bytes,
      requestDeserialize: bytes,
      responseSerialize: bytes,
      responseDeserialize: bytes,
    },
  };
}

/**
 * OTLP/gRPC receiver on AUDITLENS_OTLP_GRPC_PORT (4317), the protocol the OpenTelemetry
 * Collector's load-balancing exporter speaks. Same handling as OTLP/HTTP; transient failures
 * (store down, queue full) answer UNAVAILABLE, which OTLP senders retry.
 */
export function createOtlpGrpcServer(options: OtlpGrpcOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxBodyBytes,
  });
  const grants = new IngestGrants(options.ingestTokens);

  const export_ =
    (signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const fail = (code: grpc.status, details: string): void => {
        options.metrics.requests.inc({ signal, status: `grpc-${grpc.status[code]}` });
        callback({ code, details });
      };
      const grant = grants.grantFor(String(call.metadata.get('authorization')[0] ?? ''));
      if (!grant) return fail(grpc.status.UNAUTHENTICATED, 'missing or unknown bearer token');
      options.handler.export(signal, call.request, 'protobuf', grant).then(
        (outcome) => {
          if (outcome.kind === 'invalid') return fail(grpc.status.INVALID_ARGUMENT, outcome.message);
          if (outcome.kind !== 'accepted') return fail(grpc.status.UNAVAILABLE, outcome.message);
          options.metrics.requests.inc({ signal, status: 'grpc-OK' });
          callback(null, encodeExportResponse(signal, 'protobuf', outcome.partial).body);
        },
        (error: unknown) => {
          options.logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'OTLP gRPC handler failed',
          );
          fail(grpc.status.INTERNAL, 'internal error');
        },
      );
    };

  server.addService(serviceDefinition('logs'), { Export: export_('logs') });
  server.addService(serviceDefinition('traces'), { Export: export_('traces') });
  return server;
}

export function listenGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
}

export function closeGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    server.tryShutdown(() => resolve());
  });
}
