import type { ExporterConfig } from '../config.js';
import { EmbeddedStore } from './embedded.js';
import { ServerStore } from './server.js';
import type { AuditStore } from './store.js';

export * from './store.js';

/** Server mode when a ClickHouse URL is configured, embedded otherwise (DESIGN §2). */
export function createStore(config: ExporterConfig): AuditStore {
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
  return EmbeddedStore.inDataDir(config.dataDir, clickhouse.database);
}
