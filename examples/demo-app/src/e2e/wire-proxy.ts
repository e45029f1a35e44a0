import type { RunningExporter } from '@auditlens/exporter';
import { OtlpCaptureServer } from '@auditlens/test-support';

/**
 * An OTLP/HTTP hop between the SDK and the exporter that keeps a copy of every request: tests
 * read what crossed the wire while the records still land in ClickHouse.
 */
export async function startWireTap(exporter: () => RunningExporter): Promise<OtlpCaptureServer> {
  const tap = await OtlpCaptureServer.start();
  tap.reply = async (request) => {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'content-encoding']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const response = await fetch(`${exporter().otlpUrl}${request.path}`, {
        method: 'POST',
        headers,
        body: request.raw,
      });
      const retryAfter = response.headers.get('retry-after');
      return {
        status: response.status,
        headers: {
          'content-type': response.headers.get('content-type') ?? 'application/x-protobuf',
          ...(retryAfter ? { 'retry-after': retryAfter } : {}),
        },
        body: Buffer.from(await response.arrayBuffer()),
      };
    } catch {
      return { status: 503, headers: { 'retry-after': '1' } };
    }
  };
  return tap;
}
