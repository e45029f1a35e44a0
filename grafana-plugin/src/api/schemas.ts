// The exporter's answers for reading audit records, as the contract defines them
// (@auditlens/contract, bundled into module.js). Parsing every answer means a changed API shows a
// clear error instead of a page that silently renders nonsense.
export { AUDIT_KINDS as KINDS, RESULTS, type AuditKind } from '@auditlens/contract';
export {
  auditRowSchema,
  errorAnswerSchema,
  grafanaSqlSchema,
  readySchema,
  recordSchema,
  searchPageSchema,
  statsSchema,
  traceChainSchema,
  type AuditRecord,
  type AuditRow,
  type DeniedReason,
  type GrafanaSql,
  type SearchPage,
  type Stats,
  type TraceChain,
} from '@auditlens/contract/rest';
