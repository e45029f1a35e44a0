import { Option } from 'commander';
import { join } from 'node:path';
import type { Answer, DeniedReason, readySchema } from '@auditlens/contract/rest';
import type { ExporterConfig } from '../config.js';
import { embeddedStoreHolder, readRunningExporter, runningExporterFile } from '../running-exporter.js';
import { createStore, type AuditStore } from '../store/index.js';
import { CliUsageError } from './command.js';

// Where a CLI command reads and changes audit data (issue 20): the REST API of the exporter that
// runs on the data directory (it holds the embedded store locked), or the one named by --api /
// AUDITLENS_API_URL; the store itself only when no exporter runs. The command says which on stderr,
// so that its output on stdout is the same either way.

/** The --api option of every command that can work through the exporter's API. */
export const apiOption = (): Option =>
  new Option(
    '--api <url>',
    "work through this exporter's REST API (default AUDITLENS_API_URL, else the exporter running on the data directory); token from AUDITLENS_API_TOKEN",
  );

const said = new Set<string>();
/** Tells once, on stderr, where the command works. */
function say(text: string): void {
  if (said.has(text)) return;
  said.add(text);
  process.stderr.write(`auditlens: ${text}\n`);
}

/** The REST API of a running exporter, as the CLI calls it. */
export class ExporterApi {
  constructor(
    readonly url: string,
    private readonly token: string | undefined,
  ) {}

  /** Calls `/api/v1{path}`; an error answer becomes an error that names what to do. */
  call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, `/api/v1${path}`, body);
  }

  /** The exporter's /readyz (store reachable, schema current); a 503 answer is returned, not thrown. */
  async ready(): Promise<Answer<typeof readySchema>> {
    return this.request<Answer<typeof readySchema>>('GET', '/readyz', undefined, [503]);
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    answers: readonly number[] = [],
  ): Promise<T> {
    const headers: Record<string, string> = { 'user-agent': 'auditlens-cli' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
      throw new Error(`could not reach the exporter's API at ${this.url} (${cause})`);
    }
    const text = await response.text();
    const answer = (() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    })();
    if (response.ok || answers.includes(response.status)) return answer as T;
    const { error, reason } = (answer ?? {}) as { error?: string; reason?: DeniedReason };
    const problem = error ?? (typeof answer === 'string' ? answer.slice(0, 200) : response.statusText);
    if (response.status === 401) {
      throw new CliUsageError(
        `the exporter's API at ${this.url} refused the call (${reason ?? problem}): ` +
          'set AUDITLENS_API_TOKEN to one of the API tokens it accepts (AUDITLENS_API_TOKENS)',
      );
    }
    if (response.status === 403) {
      throw new CliUsageError(
        `the exporter's API at ${this.url} refused the call (${reason ?? 'forbidden'}): ${problem}`,
      );
    }
    if (response.status < 500)
      throw new CliUsageError(`the exporter's API answered ${response.status}: ${problem}`);
    throw new Error(`the exporter's API answered ${response.status}: ${problem}`);
  }
}

/**
 * The exporter API a command works through: --api, else AUDITLENS_API_URL, else the exporter
 * running on the configured data directory; undefined when there is none (use the store).
 */
export function exporterApi(config: ExporterConfig, api: string | undefined): ExporterApi | undefined {
  const token = process.env.AUDITLENS_API_TOKEN || undefined;
  const given = api ?? (process.env.AUDITLENS_API_URL || undefined);
  if (given !== undefined) {
    if (!/^https?:\/\/[^/]/.test(given))
      throw new CliUsageError(`--api / AUDITLENS_API_URL: an http(s) URL expected, got "${given}"`);
    const url = given.replace(/\/+$/, '');
    say(`using the exporter's API at ${url} (${api !== undefined ? '--api' : 'AUDITLENS_API_URL'})`);
    return new ExporterApi(url, token);
  }
  const running = readRunningExporter(config.dataDir);
  if (!running) return undefined;
  say(
    `using the exporter's API at ${running.apiUrl} (the exporter running on ${config.dataDir}, pid ${running.pid})`,
  );
  return new ExporterApi(running.apiUrl, token);
}

/** Opens the store of the configuration for a command, saying so; a store another process holds is named. */
export async function openCliStore(config: ExporterConfig): Promise<AuditStore> {
  const where = config.clickhouse.url
    ? `the ClickHouse server at ${config.clickhouse.url}`
    : `the embedded store in ${join(config.dataDir, 'clickhouse')}`;
  say(`using ${where} directly`);
  const inUse = (by: string) =>
    new Error(
      `${where} is in use by ${by} (an exporter or another auditlens command) that left no ` +
        `${runningExporterFile(config.dataDir)}: stop it, or give its API with --api URL or AUDITLENS_API_URL`,
    );
  // Checked before opening: chdb prints its own lock exception on stderr when it finds the store locked.
  const holder = config.clickhouse.url ? undefined : embeddedStoreHolder(config.dataDir);
  if (holder !== undefined) throw inUse(`process ${holder}`);
  try {
    return await createStore(config);
  } catch (error) {
    if (/Cannot lock file|Failed to create connection/.test((error as Error).message))
      throw inUse('another process');
    throw error;
  }
}
