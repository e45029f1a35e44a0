export { startExporter, type RunningExporter, type ExporterOverrides } from './exporter.js';
export { loadConfig, ConfigError, type ExporterConfig } from './config.js';
export { migrate, schemaStatements } from './schema/migrate.js';
export { createStore, type AuditStore, StoreUnavailableError } from './store/index.js';
export { ServerStore } from './store/server.js';
export { KINDS, AUDIT_TABLES, type AuditKind } from './mapping/kinds.js';
export { RECORDED_BY_SDK } from './mapping/http-spans.js';
