import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { parseRetryAfter } from './retry-policy.js';

const gzipAsync = promisify(gzip);

/** What became of one export request. */
export type ExportOutcome =
  /** The backend committed the batch; `rejectedRecords` of it were refused (OTLP partial success). */
  | { kind: 'accepted'; rejectedRecords: number; message?: string }
  /** Nothing committed; the same bytes may be sent again later. */
  | { kind: 'retryable'; reason: string; status?: number; retryAfterMs?: number }
  /** The backend refused the batch as a whole; resending it cannot succeed. */
  | { kind: 'rejected'; reason: string; status: number };

/** Sends one serialized OTLP logs request. A plug-in point: tests and other protocols bring their own. */
export interface LogBatchTransport {
  readonly encoding: OtlpEncoding;
  /** Sends one request; `signal` aborts it (the outcome is then retryable). */
  send(payload: Uint8Array, signal?: AbortSignal): Promise<ExportOutcome>;
  shutdown?(): void;
}

export type OtlpEncoding = 'protobuf' | 'json';

export interface OtlpHttpTransportOptions {
  /** Full URL of the logs endpoint, e.g. http://localhost:4318/v1/logs. */
  url: string;
  headers?: Record<string, string>;
  encoding?: OtlpEncoding;
  compression?: 'gzip' | 'none';
  /** Per-request timeout. Default 10 s. */
  timeoutMillis?: number;
}

/**
 * OTLP/HTTP transport for already-serialized logs requests. Unlike the stock OTLP exporter it
 * never serializes: the processor keeps the bytes it spooled and resends exactly those, so a retry
 * carries the same event ids and the exporter's deduplication holds.
 *
 * Classification follows the OTLP/HTTP spec, widened where losing audit records is worse than
 * retrying: every 5xx, 408 and 429 are retryable, and so are 401/403 (a fixed credential lets the
 * spooled batches through); other 4xx refuse the batch for good.
 */
export class OtlpHttpTransport implements LogBatchTransport {
  readonly encoding: OtlpEncoding;
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly compression: 'gzip' | 'none';
  private readonly timeoutMillis: number;
  private readonly agent: http.Agent;

  constructor(options: OtlpHttpTransportOptions) {
    this.url = new URL(options.url);
    this.encoding = options.encoding ?? 'protobuf';
    this.compression = options.compression ?? 'gzip';
    this.timeoutMillis = options.timeoutMillis ?? 10_000;
    this.headers = {
      ...options.headers,
      'Content-Type': this.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
      ...(this.compression === 'gzip' ? { 'Content-Encoding': 'gzip' } : {}),
    };
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 4 });
  }

  async send(payload: Uint8Array, signal?: AbortSignal): Promise<ExportOutcome> {
    let body: Uint8Array;
    try {
      body = this.compression === 'gzip' ? await gzipAsync(payload) : payload;
    } catch (error) {
      return { kind: 'retryable', reason: `compression failed: ${(error as Error).message}` };
    }
    // Our own export requests must not show up as spans of the app's HTTP instrumentation.
    if (signal?.aborted) return { kind: 'retryable', reason: 'aborted' };
    return context.with(suppressTracing(context.active()), () => this.post(body, signal));
  }

  shutdown(): void {
    this.agent.destroy();
  }

  private post(body: Uint8Array, signal: AbortSignal | undefined): Promise<ExportOutcome> {
    return new Promise((resolve) => {
      const client = this.url.protocol === 'https:' ? https : http;
      const request = client.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...this.headers, 'Content-Length': String(body.byteLength) },
          timeout: this.timeoutMillis,
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) =>
            resolve({ kind: 'retryable', reason: `response: ${error.message}` }),
          );
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks);
            const retryAfter = response.headers['retry-after'];
            resolve(this.classify(status, text, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no response within ${this.timeoutMillis} ms`)));
      request.on('error', (error) => resolve({ kind: 'retryable', reason: error.message }));
      request.end(body);
    });
  }

  private classify(status: number, body: Buffer, retryAfter: string | undefined): ExportOutcome {
    if (status >= 200 && status < 300) {
      const partial = this.partialSuccess(body);
      return { kind: 'accepted', rejectedRecords: partial.rejected, message: partial.message };
    }
    const reason = `HTTP ${status}${body.length ? `: ${body.toString('utf8', 0, Math.min(body.length, 300))}` : ''}`;
    if (status >= 500 || status === 408 || status === 429 || status === 401 || status === 403) {
      return { kind: 'retryable', reason, status, retryAfterMs: parseRetryAfter(retryAfter) };
    }
    return { kind: 'rejected', reason, status };
  }

  private partialSuccess(body: Buffer): { rejected: number; message?: string } {
    if (body.length === 0) return { rejected: 0 };
    try {
      const response =
        this.encoding === 'json'
          ? JsonLogsSerializer.deserializeResponse(body)
          : ProtobufLogsSerializer.deserializeResponse(body);
      const partial = response.partialSuccess;
      const rejected = Number(partial?.rejectedLogRecords ?? 0);
      return {
        rejected: Number.isFinite(rejected) ? rejected : 0,
        message: partial?.errorMessage || undefined,
      };
    } catch {
      // A 2xx whose body we cannot read still means committed.
      return { rejected: 0 };
    }
  }
}
