// An OTLP/HTTP sender with a fixed number of requests in flight (many SDKs / collectors at once).
// Retries 429 and 503 after Retry-After, as the SDK and the Collector do.
import http from 'node:http';
import { ExportLogsServiceResponse } from '@auditlens/exporter/otlp';

export interface SendStats {
  requests: number;
  records: number;
  bytes: number;
  rejected: number;
  retries: number;
  firstRejection: string | undefined;
  ms: number;
}

export interface Body {
  bytes: Buffer;
  records: number;
}

function postOnce(
  agent: http.Agent,
  url: URL,
  body: Buffer,
): Promise<{ status: number; payload: Buffer; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/v1/logs',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            payload: Buffer.concat(chunks),
            retryAfter: Number(response.headers['retry-after'] ?? 1),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** Sends every body `next()` yields, `concurrency` at a time; resolves when all are acknowledged. */
export async function sendAll(
  otlpUrl: string,
  next: () => Body | undefined,
  concurrency: number,
  onAcknowledged?: (records: number) => void,
): Promise<SendStats> {
  const url = new URL(otlpUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const stats: SendStats = {
    requests: 0,
    records: 0,
    bytes: 0,
    rejected: 0,
    retries: 0,
    firstRejection: undefined,
    ms: 0,
  };
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (let body = next(); body; body = next()) {
      for (;;) {
        const answer = await postOnce(agent, url, body.bytes);
        if (answer.status === 429 || answer.status === 503) {
          stats.retries++;
          await new Promise((r) => setTimeout(r, Math.min(answer.retryAfter, 2) * 1000));
          continue;
        }
        if (answer.status !== 200) {
          throw new Error(`OTLP answered ${answer.status}: ${answer.payload.toString('utf8').slice(0, 300)}`);
        }
        if (answer.payload.length > 0) {
          const response = ExportLogsServiceResponse.decode(answer.payload) as unknown as {
            partialSuccess?: { rejectedLogRecords?: number | { toNumber(): number }; errorMessage?: string };
          };
          const rejected = response.partialSuccess?.rejectedLogRecords ?? 0;
          const n = typeof rejected === 'number' ? rejected : rejected.toNumber();
          stats.rejected += n;
          if (n > 0) stats.firstRejection ??= response.partialSuccess?.errorMessage;
        }
        break;
      }
      stats.requests++;
      stats.records += body.records;
      stats.bytes += body.bytes.length;
      onAcknowledged?.(body.records);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  stats.ms = performance.now() - started;
  agent.destroy();
  return stats;
}
