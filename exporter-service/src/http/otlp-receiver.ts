import express, { type Request, type Response } from 'express';
import type { IngestToken } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExporterMetrics } from '../metrics.js';
import { decodeLogsRequest, decodeTracesRequest, DecodeError, type Encoding } from '../otlp/decode.js';
import { encodeErrorStatus, encodeExportResponse, type Signal } from '../otlp/response.js';
import {
  mapLogsRequest,
  type MappedBatch,
  type Rejection,
  type TenantContext,
} from '../mapping/log-records.js';
import { mapTracesRequest } from '../mapping/http-spans.js';
import type { RowLimits } from '../mapping/row.js';
import { IngestPipeline, QueueFullError } from '../ingest/pipeline.js';
import { StoreUnavailableError } from '../store/store.js';
import { BodyError, readBody } from './body.js';
import { grantOf, mayWrite, OPEN_GRANT, TokenTable, type IngestGrant } from './auth.js';

export interface OtlpReceiverOptions {
  pipeline: IngestPipeline;
  metrics: ExporterMetrics;
  logger: Logger;
  ingestTokens: ReadonlyMap<string, IngestToken>;
  limits: RowLimits;
  maxBodyBytes: number;
  spansAsRequests: boolean;
  /** Seconds a sender should wait before retrying after 503 / 429. */
  retryAfterSeconds?: { unavailable: number; overloaded: number };
}

/** partial_success.error_message stays readable and bounded: the first few reasons, then a count. */
const MAX_LISTED_REJECTIONS = 10;

function rejectionMessage(rejections: readonly Rejection[]): string {
  const listed = rejections.slice(0, MAX_LISTED_REJECTIONS).map((r) => r.message.slice(0, 400));
  const more = rejections.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function encodingOf(request: Request): Encoding | undefined {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/**
 * OTLP/HTTP receiver (DESIGN §5): /v1/logs and /v1/traces, protobuf or JSON, gzip. Replies 200
 * only after every accepted row is committed; 503 + Retry-After when the store is down, 429 when
 * the queue is full; clear 4xx for bad input, per-record rejections in partial_success.
 */
export function createOtlpReceiver(options: OtlpReceiverOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const tokens = new TokenTable(options.ingestTokens);
  const retryAfter = options.retryAfterSeconds ?? { unavailable: 5, overloaded: 1 };

  const handle = (signal: Signal) => async (request: Request, response: Response) => {
    const encoding = encodingOf(request);
    const reply = (status: number, message: string, headers: Record<string, string> = {}): void => {
      options.metrics.requests.inc({ signal, status: String(status) });
      const { body, contentType } = encodeErrorStatus(encoding ?? 'json', status, message);
      response.status(status).set(headers).type(contentType).send(body);
    };

    let grant: IngestGrant = OPEN_GRANT;
    if (!tokens.isOpen) {
      const token = tokens.lookup(request);
      if (!token) {
        request.resume();
        reply(401, 'missing or unknown bearer token', { 'WWW-Authenticate': 'Bearer' });
        return;
      }
      grant = grantOf(token);
    }
    if (!encoding) {
      request.resume();
      reply(415, 'Content-Type must be application/x-protobuf or application/json');
      return;
    }

    let batch: MappedBatch;
    try {
      const body = await readBody(request, options.maxBodyBytes);
      const tenant: TenantContext = { defaultTenant: grant.defaultTenant };
      batch =
        signal === 'logs'
          ? mapLogsRequest(decodeLogsRequest(body, encoding), options.limits, tenant)
          : options.spansAsRequests
            ? mapTracesRequest(decodeTracesRequest(body, encoding), options.limits, tenant)
            : { rows: [], rejections: [], skipped: countSpans(decodeTracesRequest(body, encoding)) };
    } catch (error) {
      if (error instanceof BodyError) return reply(error.status, error.message);
      if (error instanceof DecodeError) return reply(400, error.message);
      if (error instanceof RangeError) return reply(400, `request too deeply nested: ${error.message}`);
      throw error;
    }

    const allowed = batch.rows.filter((row) => {
      if (mayWrite(grant, row.tenantId)) return true;
      batch.rejections.push({
        reason: 'tenant_not_allowed',
        message: `${row.kind} record for tenant "${row.tenantId}" is not allowed for this token`,
      });
      return false;
    });
    for (const row of allowed) options.metrics.received.inc({ signal, kind: row.kind });
    if (batch.skipped > 0) options.metrics.skipped.inc({ signal }, batch.skipped);

    try {
      const result = await options.pipeline.ingest(allowed);
      const rejections = [...batch.rejections, ...result.rejected];
      for (const r of rejections) options.metrics.rejected.inc({ reason: r.reason });
      if (rejections.length > 0) {
        options.logger.warn(
          { signal, rejected: rejections.length, first: rejections[0]?.message },
          'records rejected',
        );
      }
      options.metrics.requests.inc({ signal, status: '200' });
      const { body, contentType } = encodeExportResponse(
        signal,
        encoding,
        rejections.length > 0
          ? { rejected: rejections.length, message: rejectionMessage(rejections) }
          : undefined,
      );
      response.status(200).type(contentType).send(body);
    } catch (error) {
      if (error instanceof QueueFullError) {
        return reply(429, error.message, { 'Retry-After': String(retryAfter.overloaded) });
      }
      if (error instanceof StoreUnavailableError) {
        options.logger.error({ signal, err: error.message }, 'store unavailable; sender told to retry');
        return reply(503, 'audit store unavailable, retry later', {
          'Retry-After': String(retryAfter.unavailable),
        });
      }
      throw error;
    }
  };

  const guard = (signal: Signal) => (request: Request, response: Response) => {
    handle(signal)(request, response).catch((error: unknown) => {
      options.logger.error(
        { err: error instanceof Error ? error.message : String(error) },
        'OTLP handler failed',
      );
      if (!response.headersSent) response.status(500).json({ code: 13, message: 'internal error' });
    });
  };
  app.post('/v1/logs', guard('logs'));
  app.post('/v1/traces', guard('traces'));
  app.use((_request, response) => {
    response
      .status(404)
      .json({ code: 5, message: 'not found: OTLP endpoints are POST /v1/logs and POST /v1/traces' });
  });
  return app;
}

function countSpans(request: ReturnType<typeof decodeTracesRequest>): number {
  return (request.resourceSpans ?? []).reduce(
    (n, rs) => n + (rs.scopeSpans ?? []).reduce((m, ss) => m + (ss.spans?.length ?? 0), 0),
    0,
  );
}
