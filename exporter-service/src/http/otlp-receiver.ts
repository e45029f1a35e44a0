import express, { type Request, type Response } from 'express';
import type { IngestToken } from '../config.js';
import type { Logger } from '../logger.js';
import type { ExporterMetrics } from '../metrics.js';
import type { Encoding } from '../otlp/decode.js';
import type { OtlpExportHandler } from '../ingest/export-handler.js';
import { encodeErrorStatus, encodeExportResponse, type Signal } from '../otlp/response.js';
import { BodyError, readBody } from './body.js';
import { IngestGrants } from '../ingest/grants.js';

export interface OtlpReceiverOptions {
  handler: OtlpExportHandler;
  metrics: ExporterMetrics;
  logger: Logger;
  ingestTokens: ReadonlyMap<string, IngestToken>;
  maxBodyBytes: number;
  /** Seconds a sender should wait before retrying after 503 / 429. */
  retryAfterSeconds?: { unavailable: number; overloaded: number };
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
  const grants = new IngestGrants(options.ingestTokens);
  const retryAfter = options.retryAfterSeconds ?? { unavailable: 5, overloaded: 1 };

  const handle = (signal: Signal) => async (request: Request, response: Response) => {
    const encoding = encodingOf(request);
    const reply = (status: number, message: string, headers: Record<string, string> = {}): void => {
      options.metrics.requests.inc({ signal, status: String(status) });
      const { body, contentType } = encodeErrorStatus(encoding ?? 'json', status, message);
      response.status(status).set(headers).type(contentType).send(body);
    };

    const grant = grants.grantFor(request.headers.authorization);
    if (!grant) {
      request.resume();
      reply(401, 'missing or unknown bearer token', { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    if (!encoding) {
      request.resume();
      reply(415, 'Content-Type must be application/x-protobuf or application/json');
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyError) return reply(error.status, error.message);
      throw error;
    }

    const outcome = await options.handler.export(signal, body, encoding, grant);
    switch (outcome.kind) {
      case 'invalid':
        return reply(400, outcome.message);
      case 'overloaded':
        return reply(429, outcome.message, { 'Retry-After': String(retryAfter.overloaded) });
      case 'unavailable':
        return reply(503, outcome.message, { 'Retry-After': String(retryAfter.unavailable) });
      case 'accepted': {
        options.metrics.requests.inc({ signal, status: '200' });
        const { body: answer, contentType } = encodeExportResponse(signal, encoding, outcome.partial);
        response.status(200).type(contentType).send(answer);
      }
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
