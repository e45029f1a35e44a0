import { ApiError } from './errors.js';

/** Opaque keyset cursor: the (event_time, event_id) of the last row served. */
export function encodeCursor(row: { event_time: string; event_id: string }): string {
  return Buffer.from(JSON.stringify([row.event_time, row.event_id])).toString('base64url');
}

export function decodeCursor(cursor: string): { time: string; id: string } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof time === 'string' &&
      typeof id === 'string' &&
      /^[\d-]+ [\d:.]+$/.test(time) &&
      /^[0-9a-f-]{36}$/.test(id)
    ) {
      return { time, id };
    }
  } catch {
    // fall through to the error below
  }
  throw new ApiError(400, 'cursor: not a cursor returned by this API');
}
