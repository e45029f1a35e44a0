import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { EXIT } from './command.js';
import { AccessLog } from '../api/access-log.js';
import type { Principal } from '../api/principal.js';
import { loadConfig, type ExporterConfig } from '../config.js';
import { IngestPipeline } from '../ingest/pipeline.js';
import { InternalRecorder } from '../ingest/internal-records.js';
import { createLogger } from '../logger.js';
import { ExporterMetrics } from '../metrics.js';
import { ComplianceRuntime } from '../compliance/runtime.js';
import type { Actor, AdminRequest } from '../retention/admin-record.js';
import { migrate } from '../schema/migrate.js';
import type { AuditStore } from '../store/index.js';
import { exporterApi, openCliStore, type ExporterApi } from './target.js';

// What a CLI command that writes audit records (changes, reads of audit data) runs in.

function cliActor(): Actor {
  const user = (() => {
    try {
      return userInfo().username;
    } catch {
      return 'unknown';
    }
  })();
  return {
    id: `cli:${user}@${hostname()}`,
    name: user,
    role: 'admin',
    address: '127.0.0.1',
    userAgent: 'auditlens-cli',
  };
}

export function cliPrincipal(actor: Actor): Principal {
  return {
    role: 'admin',
    tenants: new Set(['*']),
    subject: actor.id,
    userName: actor.name,
    clientAddress: actor.address,
    userAgent: actor.userAgent,
  };
}

export interface CliSession {
  config: ExporterConfig;
  store: AuditStore;
  runtime: ComplianceRuntime;
  recorder: InternalRecorder;
  accessLog: AccessLog;
  actor: Actor;
  close(): Promise<void>;
}

/**
 * A short-lived writer for the CLI: its own pipeline, sealed under a fresh writer id (one chain
 * per run, so concurrent CLI runs never share a chain), with the exporter's signing key.
 */
export async function openSession(
  configFile: string | undefined,
  options: { migrate: boolean },
): Promise<CliSession> {
  const config = loadConfig(process.env, configFile);
  const store = await openCliStore(config);
  try {
    if (options.migrate) await migrate(store, { cluster: config.clickhouse.cluster });
    const pipeline = new IngestPipeline(store, config.batch, new ExporterMetrics());
    const recorder = new InternalRecorder(pipeline);
    const runtime = await ComplianceRuntime.open({
      config,
      store,
      pipeline,
      recorder,
      logger: createLogger('warn'),
      writerId: `cli-${hostname()
        .replace(/[^A-Za-z0-9-]/g, '')
        .slice(0, 24)}-${randomBytes(4).toString('hex')}`,
      journal: false,
    });
    const actor = cliActor();
    return {
      config,
      store,
      runtime,
      recorder,
      accessLog: new AccessLog(recorder),
      actor,
      close: async () => {
        await runtime.close();
        await pipeline.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** Runs `work` in a session (schema migrated first), closing it afterwards; exit 0 when it succeeds. */
export async function withSession(
  configFile: string | undefined,
  work: (session: CliSession) => Promise<void>,
): Promise<number> {
  const session = await openSession(configFile, { migrate: true });
  try {
    await work(session);
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/**
 * A command's work where the audit data is (cli/target.ts): through the REST API of the exporter
 * running on the data directory (or --api), which records the call; else on the store, in a
 * session (migrated), closed afterwards.
 */
export async function throughExporterOrStore<T>(
  options: { config?: string | undefined; api?: string | undefined },
  viaApi: (api: ExporterApi) => Promise<T>,
  onStore: (session: CliSession) => Promise<T>,
): Promise<T> {
  const api = exporterApi(loadConfig(process.env, options.config), options.api);
  if (api) return viaApi(api);
  const session = await openSession(options.config, { migrate: true });
  try {
    return await onStore(session);
  } finally {
    await session.close();
  }
}

/** How a CLI command asked for a change, for its audit.admin record. */
export const cliRequest = (command: string): AdminRequest => ({ method: 'CLI', path: command });

/** Records the CLI's read of audit data; warns when it cannot (no signing key, read-only store). */
export async function recordCliAccess(
  configFile: string | undefined,
  event: Parameters<AccessLog['record']>[1],
): Promise<void> {
  let session: CliSession | undefined;
  try {
    session = await openSession(configFile, { migrate: false });
    await session.accessLog.record(cliPrincipal(session.actor), event);
  } catch (error) {
    process.stderr.write(
      `auditlens: warning: this access was not recorded in audit_access_log (${(error as Error).message})\n`,
    );
  } finally {
    await session?.close();
  }
}
