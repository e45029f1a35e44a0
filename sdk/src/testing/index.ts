/** Test support shared by the SDK's tests and the end-to-end tests of the demo app. Not public API. */
export { OtlpCaptureServer, decodeLogs, type CapturedRequest, type Reply } from './otlp-capture-server.js';
export {
  decodeLogsJson,
  decodeLogsProtobuf,
  type WireLogRecord,
  type WireValue,
} from './otlp-logs-decoder.js';
export { at, makeTempDir, removeDir, waitUntil } from './helpers.js';
export {
  AUDIT_CHILD_SCRIPT,
  startAuditChild,
  type ChildMessage,
  type RunningChild,
} from './child-process.js';
export { seededRandom } from './prng.js';
export {
  assertStoredExactlyOnce,
  assertTrafficLinked,
  countTrafficRows,
  steadyTraffic,
  type AuditQuery,
  type SteadyTraffic,
} from './steady-traffic.js';
