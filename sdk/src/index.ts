/**
 * @auditlens/sdk: typed audit records as OpenTelemetry logs, delivered without loss.
 *
 *   const audit = initAudit({ serviceName: 'billing', endpoint: 'http://localhost:4318' });
 *   app.use(auditMiddleware());
 */
export { AuditClient, initAudit, getAudit, shutdownAudit, type AuditOptions } from './audit-client.js';
export { auditMiddleware, auditErrorHandler, type AuditMiddlewareOptions } from './express.js';
export {
  AuditRecorder,
  DEFAULT_PAYLOAD_LIMITS,
  type AuditRecorderOptions,
  type PayloadLimits,
} from './recorder.js';
export type {
  RequestRecordFields,
  DbOperationFields,
  DbOperationEvent,
  SecurityEventFields,
  LoginFields,
  LoginFailedFields,
  PermissionDeniedFields,
  AdminOperationFields,
  AiRequestFields,
} from './record-fields.js';
export {
  runAs,
  setAuditIdentity,
  annotateRequest,
  recordRequestError,
  type RequestAnnotations,
} from './audit-context.js';
export { Redactor, DEFAULT_REDACTION_KEYS, DEFAULT_MASK, type RedactionOptions } from './redaction.js';
export {
  DEFAULT_RISK_RULES,
  DEFAULT_SKIP,
  riskForPathKeywords,
  riskForMethods,
  riskForStatusAtLeast,
  resultFromStatus,
  type RiskRule,
  type SkipPattern,
  type RequestSummary,
} from './request-rules.js';
export type { TrustProxy } from './client-ip.js';
export { decryptFieldValue, encryptFieldValue } from './field-protection.js';
export { uuidv7 } from './uuidv7.js';
export {
  DurableLogRecordProcessor,
  type DurableLogRecordProcessorOptions,
} from './export/durable-log-record-processor.js';
export { BatchSpool, SpoolFullError, type BatchSpoolOptions } from './export/batch-spool.js';
export {
  OtlpHttpTransport,
  type LogBatchTransport,
  type ExportOutcome,
  type OtlpHttpTransportOptions,
} from './export/otlp-http-transport.js';
export { RetryPolicy, type RetryPolicyOptions } from './export/retry-policy.js';
export type { DeliveryStats, DeliveryError, DeliveryErrorHandler } from './export/delivery-telemetry.js';
export { AuditEventName } from '@auditlens/contract';
export * as AuditAttributes from '@auditlens/contract/attributes';
export type * from './types.js';
export { RiskLevel } from './types.js';
