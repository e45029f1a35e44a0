import type { ExporterConfig } from '../config.js';
import { ServerStore } from './server.js';
import type { AuditStore } from './store.js';

export * from './store.js';

/**
 * Server mode when a ClickHouse URL is configured, embedded otherwise (DESIGN §2). The embedded
 * engine (chdb, an optional dependency of several hundred MB) is loaded only when used, so a
 * server-mode deployment can leave it out.
 */
export async function createStore(config: ExporterConfig): Promise<AuditStore> {
  const { clickhouse } = config;
  if (clickhouse.url) {
    return new ServerStore({
      url: clickhouse.url,
      user: clickhouse.user,
      password: clickhouse.password,
      database: clickhouse.database,
      caCertPath: clickhouse.caCertPath,
    });
  }
  const { EmbeddedStore } = await import('./embedded.js');
  return EmbeddedStore.inDataDir(config.dataDir, clickhouse.database);
}
