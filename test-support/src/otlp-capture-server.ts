import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeWireLogs, type WireLogRecord } from './wire-logs.js';

/** One request as the server received it; `body` is decompressed. */
export interface CapturedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Raw bytes as they crossed the wire (compressed when gzip). */
  raw: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/**
 * A local OTLP/HTTP receiver that records every request and answers as the test
 * says (`reply`), e.g. 503 with Retry-After while "down". Only requests answered 2xx count as
 * delivered in `deliveredLogs()`.
 */
export class OtlpCaptureServer {
  readonly requests: CapturedRequest[] = [];
  /** Answers each request; default 200 with an empty body. */
  reply: (request: CapturedRequest) => Reply | Promise<Reply> = () => ({ status: 200 });
  private readonly delivered: CapturedRequest[] = [];

  private constructor(private readonly server: http.Server) {
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res));
  }

  static async start(port = 0): Promise<OtlpCaptureServer> {
    const capture = new OtlpCaptureServer(http.createServer());
    await new Promise<void>((resolve) => capture.server.listen(port, '127.0.0.1', resolve));
    return capture;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const request: CapturedRequest = { path: req.url ?? '', headers: req.headers, body, raw };
      this.requests.push(request);
      void Promise.resolve(this.reply(request)).then((reply) => {
        if (reply.status >= 200 && reply.status < 300) this.delivered.push(request);
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      });
    });
  }

  /** Forgets every request and answers 200 again. */
  reset(): void {
    this.requests.length = 0;
    this.delivered.length = 0;
    this.reply = () => ({ status: 200 });
  }

  /** Log records of every request answered 2xx, decoded. */
  deliveredLogs(): WireLogRecord[] {
    return this.delivered.filter((r) => r.path === '/v1/logs').flatMap(decodeLogs);
  }

  /** Log records of every request received, whatever the answer. */
  receivedLogs(): WireLogRecord[] {
    return this.requests.filter((r) => r.path === '/v1/logs').flatMap(decodeLogs);
  }

  /** Polls until `predicate` holds; rejects after `timeoutMillis`. */
  async waitFor(predicate: () => boolean, timeoutMillis = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The log records of one captured logs request. */
export function decodeLogs(request: CapturedRequest): WireLogRecord[] {
  return decodeWireLogs(
    request.body,
    request.headers['content-type'] === 'application/json' ? 'json' : 'protobuf',
  );
}
