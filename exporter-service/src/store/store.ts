/** Server-side query parameters: bound by ClickHouse as `{name:Type}`, never spliced into SQL. */
export type QueryParams = Record<string, unknown>;

export interface InsertOptions {
  /** ClickHouse drops a repeated insert carrying the same token (retried batches). */
  deduplicationToken?: string;
}

/**
 * The one interface above storage: the embedded (chdb) and server (@clickhouse/client) stores
 * run the same SQL; nothing above this knows which one it talks to.
 */
export interface AuditStore {
  readonly mode: 'embedded' | 'server';
  readonly database: string;
  /** SELECT returning rows as objects (JSONEachRow; 64-bit integers as strings). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** DDL and other statements without a result. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts pre-serialised JSONEachRow lines (one row per line). */
  insertJsonLines(table: string, lines: string, options?: InsertOptions): Promise<void>;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The store cannot be reached or is not accepting work; senders should retry later. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** The store refused the statement or the data itself (retrying the same thing will not help). */
export class StoreRejectedError extends Error {
  override name = 'StoreRejectedError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * An answer the store gave that this process could not hold: more than V8's largest string
 * (about 512 MiB of JSON). Asking again the same way will not help, so it is not an outage
 * (StoreUnavailableError) but a refusal: the caller has to ask for it in smaller pages.
 */
export function resultTooLarge(error: unknown, store: string): StoreRejectedError | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!(error instanceof RangeError) && e?.code !== 'ERR_STRING_TOO_LONG') return undefined;
  return new StoreRejectedError(
    `${store}: the result is too large to read at once (${String(e?.message)}); ask for it in smaller pages`,
    undefined,
  );
}

/**
 * ClickHouse error codes that mean "this data or statement is wrong" rather than "try again":
 * parse failures, type mismatches, unknown columns, syntax errors, bad arguments.
 */
const DATA_ERROR_CODES = new Set([
  '6',
  '26',
  '27',
  '38',
  '41',
  '47',
  '53',
  '62',
  '69',
  '70',
  '72',
  '117',
  '130',
  '131',
  '190',
  '386',
  '395',
  '407',
  '491',
]);

export function isDataErrorCode(code: string | number | undefined): boolean {
  return code !== undefined && DATA_ERROR_CODES.has(String(code));
}

export function parseJsonLines<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split('\n')) if (line.length > 0) rows.push(JSON.parse(line) as T);
  return rows;
}
