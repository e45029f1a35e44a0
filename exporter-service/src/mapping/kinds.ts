import {
  ACCESS_TYPES,
  ATTR_GEN_AI_OPERATION,
  GEN_AI_LEGACY_NAMES,
  APPROVAL_STATUSES,
  CHANGE_TYPES,
  EVENT_NAMES,
  RESULTS,
  type AuditAttributeName,
  type AuditKind,
} from '@auditlens/contract';
import type { FieldKind } from './fields.js';

export type { AuditKind } from '@auditlens/contract';

/** One typed column filled from one record attribute (DESIGN §3 names, from the contract). */
export interface ColumnMapping {
  column: string;
  attribute: AuditAttributeName;
  kind: FieldKind;
  /** Older semantic-convention names accepted for the same field. */
  aliases?: readonly string[];
  required?: boolean;
  /** Not required when the record carries this attribute (an AI call has no HTTP method of its own). */
  requiredUnless?: AuditAttributeName;
}

/** Columns every audit table has, filled from these attributes. */
const COMMON: readonly ColumnMapping[] = [
  { column: 'user_id', attribute: 'user.id', kind: 'text', aliases: ['enduser.id'] },
  { column: 'username', attribute: 'user.name', kind: 'text' },
  { column: 'user_roles', attribute: 'user.roles', kind: 'textArray' },
  { column: 'session_id', attribute: 'session.id', kind: 'text' },
  { column: 'ip_address', attribute: 'client.address', kind: 'ip' },
  { column: 'user_agent', attribute: 'user_agent.original', kind: 'text' },
  { column: 'result', attribute: 'audit.result', kind: { oneOf: RESULTS } },
  { column: 'risk_level', attribute: 'audit.risk_level', kind: 'risk' },
  { column: 'is_sensitive', attribute: 'audit.sensitive', kind: 'bool' },
  { column: 'module', attribute: 'audit.module', kind: 'text' },
  { column: 'operation_name', attribute: 'audit.operation', kind: 'text' },
  { column: 'compliance_tags', attribute: 'audit.compliance_tags', kind: 'textArray' },
];

const HTTP: readonly ColumnMapping[] = [
  { column: 'http_method', attribute: 'http.request.method', kind: 'text', aliases: ['http.method'] },
  { column: 'url_path', attribute: 'url.path', kind: 'text' },
  { column: 'url_query', attribute: 'url.query', kind: 'text' },
  { column: 'http_route', attribute: 'http.route', kind: 'text' },
  {
    column: 'status_code',
    attribute: 'http.response.status_code',
    kind: 'status',
    aliases: ['http.status_code'],
  },
  { column: 'duration_ms', attribute: 'audit.duration_ms', kind: 'float' },
  { column: 'request_params', attribute: 'audit.request.params', kind: 'json' },
  { column: 'request_headers', attribute: 'audit.request.headers', kind: 'json' },
  { column: 'request_body', attribute: 'audit.request.body', kind: 'json' },
  { column: 'error_type', attribute: 'error.type', kind: 'text' },
  { column: 'error_message', attribute: 'audit.error.message', kind: 'text' },
];

/**
 * Outbound AI / API usage (issue 19), in audit_request_log: typed columns rather than the
 * attributes map, so that tokens and cost sum as numbers (the measurement that chose columns over
 * typed maps is in migrations.ts). Rows that are not AI calls hold the defaults, which ClickHouse
 * stores sparsely.
 */
const GEN_AI: readonly ColumnMapping[] = [
  {
    column: 'gen_ai_provider',
    attribute: 'gen_ai.provider.name',
    kind: 'text',
    aliases: GEN_AI_LEGACY_NAMES['gen_ai.provider.name'],
  },
  { column: 'gen_ai_operation', attribute: ATTR_GEN_AI_OPERATION, kind: 'text' },
  { column: 'gen_ai_request_model', attribute: 'gen_ai.request.model', kind: 'text' },
  { column: 'gen_ai_response_model', attribute: 'gen_ai.response.model', kind: 'text' },
  {
    column: 'gen_ai_input_tokens',
    attribute: 'gen_ai.usage.input_tokens',
    kind: 'uint',
    aliases: GEN_AI_LEGACY_NAMES['gen_ai.usage.input_tokens'],
  },
  {
    column: 'gen_ai_output_tokens',
    attribute: 'gen_ai.usage.output_tokens',
    kind: 'uint',
    aliases: GEN_AI_LEGACY_NAMES['gen_ai.usage.output_tokens'],
  },
  { column: 'usage_cost', attribute: 'audit.usage.cost', kind: 'float' },
  { column: 'usage_currency', attribute: 'audit.usage.currency', kind: 'text' },
];

const APPROVAL: readonly ColumnMapping[] = [
  { column: 'approval_required', attribute: 'audit.approval.required', kind: 'bool' },
  {
    column: 'approval_status',
    attribute: 'audit.approval.status',
    kind: { oneOf: ['', ...APPROVAL_STATUSES] },
  },
  { column: 'approver_id', attribute: 'audit.approval.approver_id', kind: 'text' },
  { column: 'approval_time', attribute: 'audit.approval.time', kind: 'time' },
  { column: 'approval_comment', attribute: 'audit.approval.comment', kind: 'text' },
];

const required = (mappings: readonly ColumnMapping[], columns: readonly string[]): ColumnMapping[] =>
  mappings.map((m) => (columns.includes(m.column) ? { ...m, required: true } : m));

/** Per kind: its EventName, its table, and the columns beyond COMMON. */
export const KINDS: Record<
  AuditKind,
  { eventName: string; table: string; columns: readonly ColumnMapping[] }
> = {
  request: {
    eventName: EVENT_NAMES.request,
    table: 'audit_request_log',
    columns: [
      ...COMMON,
      ...required(HTTP, ['http_method', 'url_path']).map((m): ColumnMapping =>
        m.required ? { ...m, requiredUnless: ATTR_GEN_AI_OPERATION } : m,
      ),
      ...GEN_AI,
    ],
  },
  db_operation: {
    eventName: EVENT_NAMES.db_operation,
    table: 'audit_database_log',
    columns: [
      ...COMMON,
      { column: 'db_system', attribute: 'db.system.name', kind: 'text', aliases: ['db.system'] },
      { column: 'db_namespace', attribute: 'db.namespace', kind: 'text', aliases: ['db.name'] },
      { column: 'db_table', attribute: 'db.collection.name', kind: 'text', required: true },
      { column: 'db_operation', attribute: 'db.operation.name', kind: 'text', required: true },
      { column: 'query_text', attribute: 'db.query.text', kind: 'text', aliases: ['db.statement'] },
      { column: 'query_params', attribute: 'audit.db.params', kind: 'json' },
      { column: 'affected_rows', attribute: 'audit.db.affected_rows', kind: 'int' },
      { column: 'duration_ms', attribute: 'audit.duration_ms', kind: 'float' },
      { column: 'transaction_id', attribute: 'audit.db.transaction_id', kind: 'text' },
      { column: 'before_data', attribute: 'audit.db.before', kind: 'json' },
      { column: 'after_data', attribute: 'audit.db.after', kind: 'json' },
      { column: 'error_type', attribute: 'error.type', kind: 'text' },
      { column: 'error_message', attribute: 'audit.error.message', kind: 'text' },
    ],
  },
  field_change: {
    eventName: EVENT_NAMES.field_change,
    table: 'audit_change_log',
    columns: [
      ...COMMON,
      { column: 'db_table', attribute: 'db.collection.name', kind: 'text', required: true },
      { column: 'record_id', attribute: 'audit.change.record_id', kind: 'text', required: true },
      { column: 'field_name', attribute: 'audit.change.field', kind: 'text', required: true },
      { column: 'field_label', attribute: 'audit.change.field_label', kind: 'text' },
      { column: 'old_value', attribute: 'audit.change.old_value', kind: 'text' },
      { column: 'new_value', attribute: 'audit.change.new_value', kind: 'text' },
      { column: 'value_type', attribute: 'audit.change.value_type', kind: 'text' },
      {
        column: 'change_type',
        attribute: 'audit.change.type',
        kind: { oneOf: CHANGE_TYPES },
        required: true,
      },
      { column: 'change_reason', attribute: 'audit.change.reason', kind: 'text' },
      { column: 'db_event_id', attribute: 'audit.change.db_event_id', kind: 'uuid' },
      { column: 'is_encrypted', attribute: 'audit.change.encrypted', kind: 'bool' },
      ...APPROVAL,
    ],
  },
  security: {
    eventName: EVENT_NAMES.security,
    table: 'audit_security_log',
    columns: [
      ...COMMON,
      { column: 'event_type', attribute: 'audit.security.event_type', kind: 'text', required: true },
      { column: 'threat_type', attribute: 'audit.security.threat_type', kind: 'text' },
      { column: 'attack_vector', attribute: 'audit.security.attack_vector', kind: 'text' },
      { column: 'mitre_technique', attribute: 'audit.security.mitre_technique', kind: 'text' },
      { column: 'mitre_tactic', attribute: 'audit.security.mitre_tactic', kind: 'text' },
      { column: 'detection_method', attribute: 'audit.security.detection_method', kind: 'text' },
      { column: 'rule_name', attribute: 'audit.security.rule', kind: 'text' },
      { column: 'target_resource', attribute: 'audit.security.target_resource', kind: 'text' },
      { column: 'related_events', attribute: 'audit.security.related_events', kind: 'uuidArray' },
    ],
  },
  admin: {
    eventName: EVENT_NAMES.admin,
    table: 'audit_admin_log',
    columns: [
      ...required(COMMON, ['operation_name']),
      ...HTTP,
      { column: 'target_type', attribute: 'audit.admin.target_type', kind: 'text' },
      { column: 'target_id', attribute: 'audit.admin.target_id', kind: 'text' },
      { column: 'target_name', attribute: 'audit.admin.target_name', kind: 'text' },
      ...APPROVAL,
    ],
  },
  access: {
    eventName: EVENT_NAMES.access,
    table: 'audit_access_log',
    columns: [
      ...COMMON,
      {
        column: 'access_type',
        attribute: 'audit.access.type',
        kind: { oneOf: ACCESS_TYPES },
        required: true,
      },
      { column: 'resource', attribute: 'audit.access.resource', kind: 'text', required: true },
      { column: 'query_filter', attribute: 'audit.access.filter', kind: 'json' },
      { column: 'rows_returned', attribute: 'audit.access.rows', kind: 'uint' },
    ],
  },
};

export const AUDIT_TABLES = Object.values(KINDS).map((k) => k.table);

const byEventName = new Map(Object.entries(KINDS).map(([kind, spec]) => [spec.eventName, kind as AuditKind]));

export function kindOfEventName(eventName: string): AuditKind | undefined {
  return byEventName.get(eventName);
}
