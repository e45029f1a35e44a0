import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createClient, ClickHouseError, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import {
  isDataErrorCode,
  resultTooLarge,
  StoreRejectedError,
  StoreUnavailableError,
  type AuditStore,
  type InsertOptions,
  type QueryParams,
} from './store.js';

/**
 * How long a request to the server may take before the client gives up (an insert included): the
 * bound the user-day backfill waits out for inserts still in flight (schema/user-day-backfill.ts).
 */
export const SERVER_REQUEST_TIMEOUT_MS = 30_000;

export interface ServerStoreOptions {
  url: string;
  user: string;
  password: string;
  database: string;
  caCertPath?: string | undefined;
  requestTimeoutMs?: number;
}

/** A ClickHouse server (single node or cluster) through the official HTTP client. */
export class ServerStore implements AuditStore {
  readonly mode = 'server';
  readonly database: string;
  private readonly client: ClickHouseClient;

  constructor(options: ServerStoreOptions) {
    this.database = options.database;
    this.client = createClient({
      url: options.url,
      username: options.user,
      password: options.password,
      request_timeout: options.requestTimeoutMs ?? SERVER_REQUEST_TIMEOUT_MS,
      ...(options.caCertPath ? { tls: { ca_cert: readFileSync(options.caCertPath) } } : {}),
      clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      // Large parameters (the event ids of a batch's idempotency check) travel in a multipart body,
      // not the URL, whose size HTTP servers and proxies limit.
      use_multipart_params_auto: true,
      // Errors surface as exceptions that the exporter logs in its own structured form.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  private translate(error: unknown): Error {
    const tooLarge = resultTooLarge(error, 'clickhouse');
    if (tooLarge) return tooLarge;
    if (error instanceof ClickHouseError) {
      return isDataErrorCode(error.code)
        ? new StoreRejectedError(error.message, error.code)
        : new StoreUnavailableError(`clickhouse: ${error.message}`);
    }
    return new StoreUnavailableError(`clickhouse: ${(error as Error).message}`);
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    try {
      const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.client.command({ query: sql, query_params: params });
    } catch (error) {
      throw this.translate(error);
    }
  }

  async insertJsonLines(table: string, lines: string, options: InsertOptions = {}): Promise<void> {
    try {
      // exec with a raw body: the rows are already JSONEachRow text, so nothing is re-encoded.
      const result = await this.client.exec({
        query: `INSERT INTO ${this.database}.${table} FORMAT JSONEachRow`,
        values: Readable.from(Buffer.from(lines), { objectMode: false }),
        clickhouse_settings: {
          // Synchronous: the insert returns once committed (26.3+ would default to async inserts).
          async_insert: 0,
          input_format_skip_unknown_fields: 0,
          ...(options.deduplicationToken ? { insert_deduplication_token: options.deduplicationToken } : {}),
        },
      });
      result.stream.resume();
    } catch (error) {
      throw this.translate(error);
    }
  }

  async ping(): Promise<boolean> {
    const result = await this.client.ping();
    return result.success;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
