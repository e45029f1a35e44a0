import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import {
  isDataErrorCode,
  parseJsonColumns,
  resultTooLarge,
  StoreRejectedError,
  StoreUnavailableError,
  type AuditStore,
  type InsertOptions,
  type QueryParams,
} from './store.js';

interface ChdbError extends Error {
  clickhouseCode?: number;
}

/**
 * ClickHouse in-process through chdb, data under `<dataDir>/clickhouse`. chdb allows one
 * session per process, so a process holds at most one embedded store.
 */
export class EmbeddedStore implements AuditStore {
  readonly mode = 'embedded';
  private session: Session | undefined;

  constructor(
    readonly path: string,
    readonly database: string,
  ) {
    mkdirSync(path, { recursive: true });
    // Same output convention as the server store: 64-bit integers quoted, so none lose precision.
    this.session = new Session(path, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] });
  }

  static inDataDir(dataDir: string, database: string): EmbeddedStore {
    return new EmbeddedStore(join(dataDir, 'clickhouse'), database);
  }

  private open(): Session {
    if (!this.session?.open) throw new StoreUnavailableError('embedded store is closed');
    return this.session;
  }

  private translate(error: unknown): Error {
    if (error instanceof StoreUnavailableError) return error;
    const e = error as ChdbError;
    const code = e.clickhouseCode === undefined ? undefined : String(e.clickhouseCode);
    if (isDataErrorCode(code)) return new StoreRejectedError(e.message, code);
    return new StoreUnavailableError(`embedded store: ${e.message}`);
  }

  async query<T>(sql: string, params: QueryParams = {}): Promise<T[]> {
    let result;
    try {
      result = await this.open().queryBindAsync(sql, params, { format: 'JSONColumns' });
    } catch (error) {
      throw this.translate(error);
    }
    // The answer is in this process now: failing to read it is no store outage.
    try {
      return parseJsonColumns<T>(result.text());
    } catch (error) {
      throw resultTooLarge(error, 'embedded store') ?? error;
    }
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    try {
      await this.open().queryBindAsync(sql, params, { format: 'Null' });
    } catch (error) {
      throw this.translate(error);
    }
  }

  async insertJsonLines(table: string, lines: string, options: InsertOptions = {}): Promise<void> {
    const settings: Record<string, string | number> = { input_format_skip_unknown_fields: 0 };
    if (options.deduplicationToken) settings.insert_deduplication_token = options.deduplicationToken;
    try {
      await this.open().insert({
        table: `${this.database}.${table}`,
        values: Buffer.from(lines),
        format: 'JSONEachRow',
        settings,
      });
    } catch (error) {
      throw this.translate(error);
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.session?.close();
    this.session = undefined;
  }
}
