/**
 * @auditlens/test-support: the fixtures the tests of several workspaces share (private, never
 * published, never imported by product code). The published packages (sdk, exporter, contract)
 * contain none of it; their own tests import it from here.
 */
export {
  startClickHouseHttp,
  type ClickHouseHttpFixture,
  type ClickHouseHttpOptions,
} from './clickhouse-http.js';
export * from './otlp-payloads.js';
export { OtlpCaptureServer, decodeLogs, type CapturedRequest, type Reply } from './otlp-capture-server.js';
export { decodeWireLogs, type WireLogRecord } from './wire-logs.js';
export { startTestExporter } from './test-exporter.js';
export { ExporterProcess, freePort, runAuditlens } from './exporter-process.js';
export { killAtExit, killChild } from './child-processes.js';
export {
  AUDIT_CHILD_SCRIPT,
  startAuditChild,
  type ChildMessage,
  type RunningChild,
} from './audit-child-process.js';
export {
  assertStoredExactlyOnce,
  assertTrafficLinked,
  countTrafficRows,
  steadyTraffic,
  type AuditQuery,
  type SteadyTraffic,
} from './steady-traffic.js';
export {
  assertEveryKindStored,
  sendEveryKind,
  type OtlpTarget,
  type WireEncoding,
} from './official-otel-scenario.js';
export { tempDir, type TempDir } from './temp.js';
export { at, waitUntil } from './helpers.js';
export { seededRandom } from './prng.js';
