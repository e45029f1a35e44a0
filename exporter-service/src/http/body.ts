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
 * Reads a request body, inflating gzip/deflate, and stops as soon as either the compressed or
 * the inflated size passes the limit, so a compression bomb never fills memory.
 */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    await discard(request, limit);
    throw new BodyError(413, `request body of ${declared} bytes exceeds the ${limit}-byte limit`);
  }
  let inflater: Transform | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else if (encoding !== 'identity') {
    request.resume();
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
      request.resume();
      reject(error);
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

/**
 * Reads and drops a body refused by its declared length (up to `limit` bytes) before the refusal is
 * answered: a client still sending when the answer comes and the connection closes may report the
 * closed connection instead of the answer (undici's fetch does). A body longer still is not read.
 */
function discard(request: IncomingMessage, limit: number): Promise<void> {
  return new Promise((resolve) => {
    if (request.readableEnded || request.destroyed) return resolve();
    let dropped = 0;
    const done = (): void => {
      request.off('data', drop);
      resolve();
    };
    const drop = (chunk: Buffer): void => {
      dropped += chunk.length;
      if (dropped > limit) done();
    };
    request.on('data', drop);
    request.once('end', done);
    request.once('close', done);
    request.once('error', done);
    request.resume();
  });
}
