// Test support for other workspaces' tests (SDK, demo app, Grafana plugin): not product code.
export { startClickHouseHttp, type ClickHouseHttpFixture } from './clickhouse-http.js';
export * from './otlp-payloads.js';
export { tempDir } from './temp.js';
export { startTestExporter } from './exporter.js';
export { ExporterProcess, freePort } from './exporter-process.js';
export { killAtExit, killChild } from './child-processes.js';
