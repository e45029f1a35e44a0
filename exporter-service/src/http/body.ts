import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';

/** A request body problem with the HTTP status to answer. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * After a body is refused, at most this many further bytes are read before the answer goes out:
 * enough that a sender of an over-limit body reads the 413 instead of a connection reset, not so
 * much that an endless body ties the receiver up.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Reads and discards the rest of a refused request, then resolves (at its end, an error, or past
 * DRAIN_LIMIT_BYTES). Answering while the sender is still sending makes Node close the socket with
 * unread data in it: the sender gets a TCP reset instead of the answer, more often under load.
 */
function drain(request: IncomingMessage): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let drained = 0;
    const done = (): void => {
      request.off('data', count);
      resolve();
    };
    const count = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) done();
    };
    request.on('data', count);
    request.once('end', done);
    request.once('error', done);
    request.once('close', done);
    request.resume();
  });
}

/**
 * Reads a request body, inflating gzip/deflate, and stops as soon as either the compressed or
 * the inflated size passes the limit, so a compression bomb never fills memory.
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    await drain(request);
    throw new BodyError(413, `request body of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  let inflater: Transform | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else if (encoding !== 'identity') {
    await drain(request);
    throw new BodyError(415, `unsupported Content-Encoding "${encoding}" (use gzip, deflate or none)`);
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let inflated = 0;
    let settled = false;
    const fail = (error: BodyError): void => {
      if (settled) return;
      settled = true;
      inflater?.destroy();
      request.unpipe();
      void drain(request).then(() => reject(error));
    };
    const collect = (chunk: Buffer): void => {
      inflated += chunk.length;
      if (inflated > limit)
        fail(new BodyError(413, `decompressed request body exceeds the ${limit}-byte limit`));
      else chunks.push(chunk);
    };
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) fail(new BodyError(413, `request body exceeds the ${limit}-byte limit`));
    });
    request.on('error', () => fail(new BodyError(400, 'request body could not be read')));
    if (inflater) {
      inflater.on('data', collect);
      inflater.on('error', (error) => fail(new BodyError(400, `invalid ${encoding} body: ${error.message}`)));
      inflater.on('end', () => {
        if (!settled) {
          settled = true;
          resolve(Buffer.concat(chunks));
        }
      });
      request.pipe(inflater);
    } else {
      request.on('data', collect);
      request.on('end', () => {
        if (!settled) {
          settled = true;
          resolve(Buffer.concat(chunks));
        }
      });
    }
  });
}
