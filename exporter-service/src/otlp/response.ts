import { ExportLogsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './schema.js';
import type { Encoding } from './decode.js';

export interface PartialSuccess {
  rejected: number;
  message: string;
}

export type Signal = 'logs' | 'traces';

/**
 * Builds an Export{Logs,Trace}ServiceResponse in the request's encoding. `partial_success` is
 * set only when something was rejected, as the OTLP specification asks.
 */
export function encodeExportResponse(
  signal: Signal,
  encoding: Encoding,
  partial: PartialSuccess | undefined,
): { body: Buffer; contentType: string } {
  const rejectedField = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  const message =
    partial && partial.rejected > 0
      ? { partialSuccess: { [rejectedField]: partial.rejected, errorMessage: partial.message } }
      : {};
  if (encoding === 'json') {
    const json =
      partial && partial.rejected > 0
        ? { partialSuccess: { [rejectedField]: String(partial.rejected), errorMessage: partial.message } }
        : {};
    return { body: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
  }
  const type = signal === 'logs' ? ExportLogsServiceResponse : ExportTraceServiceResponse;
  return {
    body: Buffer.from(type.encode(type.fromObject(message)).finish()),
    contentType: 'application/x-protobuf',
  };
}

/** gRPC status codes used in OTLP/HTTP error bodies. */
const RPC_CODE_BY_HTTP: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  413: 3,
  415: 3,
  429: 8,
  503: 14,
};

/** An error body (google.rpc.Status) in the request's encoding. */
export function encodeErrorStatus(
  encoding: Encoding,
  httpStatus: number,
  message: string,
): { body: Buffer; contentType: string } {
  const status = { code: RPC_CODE_BY_HTTP[httpStatus] ?? 13, message };
  if (encoding === 'json')
    return { body: Buffer.from(JSON.stringify(status)), contentType: 'application/json' };
  return {
    body: Buffer.from(RpcStatus.encode(RpcStatus.fromObject(status)).finish()),
    contentType: 'application/x-protobuf',
  };
}
