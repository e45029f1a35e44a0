import type { QueryParams } from '../store/store.js';
import { ApiError } from './errors.js';

/** Opaque keyset cursor: the (event_time, event_id) of the last row served. */
function encodeCursor(row: { event_time: string; event_id: string }): string {
  return Buffer.from(JSON.stringify([row.event_time, row.event_id])).toString('base64url');
}

function decodeCursor(cursor: string): { time: string; id: string } {
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

/**
 * The keyset condition of the page after `cursor` (rows by event_time then event_id, newest first
 * unless `order` is asc), its values added to `params`: no offset, stable under inserts of older rows.
 */
export function afterCursor(cursor: string, params: QueryParams, order: 'desc' | 'asc' = 'desc'): string {
  const { time, id } = decodeCursor(cursor);
  params.cursorTime = time;
  params.cursorId = id;
  return `(event_time, event_id) ${order === 'asc' ? '>' : '<'} ({cursorTime:DateTime64(3, 'UTC')}, {cursorId:UUID})`;
}

/** The cursor of the page after `rows`, null when they are the last (fewer than `limit`). */
export function nextCursor(
  rows: readonly { event_time: string; event_id: string }[],
  limit: number,
): string | null {
  const last = rows.at(-1);
  return rows.length === limit && last ? encodeCursor(last) : null;
}
