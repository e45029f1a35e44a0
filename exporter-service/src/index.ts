/**
 * @auditlens/exporter: the exporter as a library (the `auditlens` command runs the same code).
 * Named exports only; `@auditlens/exporter/otlp` is the OTLP wire format, `@auditlens/exporter/embedded`
 * the embedded store.
 */
export { startExporter, defaultModules, type RunningExporter, type ExporterOverrides } from './exporter.js';
export type { ExporterModule, ModuleContext } from './modules.js';
export { alertingModule, type AlertingOptions } from './alerts/module.js';
export { loadConfig, ConfigError, type ExporterConfig } from './config.js';
export { migrate, schemaStatements } from './schema/migrate.js';
export { createStore, type AuditStore, StoreUnavailableError } from './store/index.js';
export { ServerStore } from './store/server.js';
export { KINDS, AUDIT_TABLES, type AuditKind } from './mapping/kinds.js';
export { mapLogsRequest } from './mapping/log-records.js';
export { READER_TABLES, readerUsersXml, tenantReader } from './tenants/reader.js';
