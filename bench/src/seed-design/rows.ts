// The bench records as rows of the source design's five tables (its §3 DDL, its §4.4 scenarios):
// ids are the tables' AUTO_INCREMENT ids, request_log_id / database_log_id link a flow's rows.
import type { BenchRecord, Kind } from '../dataset.js';

type Value = string | number | null;

const text = (r: BenchRecord, key: string): string | null => {
  const v = r.attributes[key];
  return v === undefined || v === '' ? null : Array.isArray(v) ? v.join(',') : String(v);
};
const num = (r: BenchRecord, key: string): number | null => {
  const v = r.attributes[key];
  return typeof v === 'number' ? v : null;
};
const flag = (r: BenchRecord, key: string): number => (r.attributes[key] === true ? 1 : 0);

/** DATETIME in UTC (the server runs with time_zone +00:00). */
export const datetime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

function url(r: BenchRecord): string {
  const query = text(r, 'url.query');
  return `${text(r, 'url.path') ?? ''}${query ? `?${query}` : ''}`;
}

export const COLUMNS: Record<Kind, string[]> = {
  request: [
    'id',
    'trace_id',
    'tenant_id',
    'user_id',
    'username',
    'session_id',
    'ip_address',
    'user_agent',
    'request_method',
    'request_url',
    'request_params',
    'request_headers',
    'request_body',
    'response_status',
    'response_time',
    'error_code',
    'error_message',
    'module',
    'operation_name',
    'risk_level',
    'is_sensitive',
    'archive_status',
    'created_time',
  ],
  db_operation: [
    'id',
    'request_log_id',
    'tenant_id',
    'sql_type',
    'table_name',
    'database_name',
    'sql_statement',
    'sql_params',
    'affected_rows',
    'execution_time',
    'transaction_id',
    'is_success',
    'error_message',
    'before_data',
    'after_data',
    'risk_level',
    'is_sensitive',
    'archive_status',
    'created_time',
  ],
  field_change: [
    'id',
    'database_log_id',
    'request_log_id',
    'tenant_id',
    'table_name',
    'record_id',
    'field_name',
    'field_label',
    'old_value',
    'new_value',
    'value_type',
    'change_type',
    'is_sensitive',
    'is_encrypted',
    'change_reason',
    'approval_status',
    'archive_status',
    'created_time',
  ],
  security: [
    'id',
    'request_log_id',
    'trace_id',
    'tenant_id',
    'event_type',
    'event_name',
    'event_description',
    'event_data',
    'event_status',
    'risk_level',
    'threat_type',
    'attack_vector',
    'mitre_technique',
    'mitre_tactic',
    'source_ip',
    'target_resource',
    'detection_method',
    'security_rule',
    'handle_status',
    'false_positive',
    'compliance_tags',
    'archive_status',
    'created_time',
  ],
  admin: [
    'id',
    'request_log_id',
    'trace_id',
    'tenant_id',
    'user_id',
    'usernam',
    'session_id',
    'ip_address',
    'user_agent',
    'request_method',
    'request_url',
    'request_params',
    'request_headers',
    'request_body',
    'response_status',
    'response_time',
    'error_code',
    'error_message',
    'module',
    'operation_name',
    'target_type',
    'target_id',
    'target_name',
    'risk_level',
    'is_sensitive',
    'approval_required',
    'approval_status',
    'approver_id',
    'compliance_tags',
    'archive_status',
    'created_time',
  ],
};

export const TABLE_OF: Record<Kind, string> = {
  request: 'audit_request_log',
  db_operation: 'audit_database_log',
  field_change: 'audit_change_log',
  security: 'audit_security_log',
  admin: 'audit_admin_log',
};

/** The request's columns, from user_id to operation_name: the source's request and admin tables share them. */
function requestColumns(r: BenchRecord): Value[] {
  const duration = num(r, 'audit.duration_ms');
  return [
    Number(r.attributes['user.id']),
    text(r, 'user.name'),
    text(r, 'session.id'),
    text(r, 'client.address'),
    text(r, 'user_agent.original'),
    text(r, 'http.request.method'),
    url(r),
    text(r, 'audit.request.params'),
    text(r, 'audit.request.headers'),
    text(r, 'audit.request.body'),
    num(r, 'http.response.status_code'),
    duration === null ? null : Math.round(duration),
    text(r, 'error.type'),
    text(r, 'audit.error.message'),
    text(r, 'audit.module'),
    text(r, 'audit.operation'),
  ];
}

export function toRow(r: BenchRecord): Value[] {
  const at = datetime(r.timeMs);
  const risk = num(r, 'audit.risk_level') ?? 1;
  const sensitive = flag(r, 'audit.sensitive');
  const duration = num(r, 'audit.duration_ms');
  switch (r.kind) {
    case 'request':
      return [r.rowId, r.traceId, r.tenant, ...requestColumns(r), risk, sensitive, 0, at];
    case 'db_operation':
      return [
        r.rowId,
        r.requestRowId,
        r.tenant,
        text(r, 'db.operation.name'),
        text(r, 'db.collection.name'),
        text(r, 'db.namespace'),
        text(r, 'db.query.text'),
        text(r, 'audit.db.params'),
        num(r, 'audit.db.affected_rows'),
        duration === null ? null : Math.round(duration),
        text(r, 'audit.db.transaction_id'),
        r.attributes['audit.result'] === 'success' ? 1 : 0,
        text(r, 'audit.error.message'),
        text(r, 'audit.db.before'),
        text(r, 'audit.db.after'),
        risk,
        sensitive,
        0,
        at,
      ];
    case 'field_change':
      return [
        r.rowId,
        r.dbRowId,
        r.requestRowId,
        r.tenant,
        text(r, 'db.collection.name'),
        text(r, 'audit.change.record_id'),
        text(r, 'audit.change.field'),
        text(r, 'audit.change.field_label'),
        text(r, 'audit.change.old_value'),
        text(r, 'audit.change.new_value'),
        text(r, 'audit.change.value_type'),
        text(r, 'audit.change.type'),
        sensitive,
        0,
        text(r, 'audit.change.reason'),
        null,
        0,
        at,
      ];
    case 'security':
      return [
        r.rowId,
        r.requestRowId,
        r.traceId,
        r.tenant,
        text(r, 'audit.security.event_type'),
        r.body.slice(0, 200),
        r.body,
        JSON.stringify({
          user_id: r.attributes['user.id'],
          username: r.attributes['user.name'],
          session_id: r.attributes['session.id'],
        }),
        'DETECTED',
        risk,
        text(r, 'audit.security.threat_type'),
        text(r, 'audit.security.attack_vector'),
        text(r, 'audit.security.mitre_technique'),
        text(r, 'audit.security.mitre_tactic'),
        text(r, 'client.address'),
        text(r, 'audit.security.target_resource'),
        text(r, 'audit.security.detection_method'),
        text(r, 'audit.security.rule'),
        'PENDING',
        0,
        text(r, 'audit.compliance_tags'),
        0,
        at,
      ];
    case 'admin':
      return [
        r.rowId,
        r.requestRowId,
        r.traceId,
        r.tenant === '' ? null : r.tenant,
        ...requestColumns(r),
        text(r, 'audit.admin.target_type'),
        text(r, 'audit.admin.target_id'),
        text(r, 'audit.admin.target_name'),
        risk,
        sensitive,
        flag(r, 'audit.approval.required'),
        text(r, 'audit.approval.status'),
        text(r, 'audit.approval.approver_id') === null
          ? null
          : Number(r.attributes['audit.approval.approver_id']),
        text(r, 'audit.compliance_tags'),
        0,
        at,
      ];
  }
}

export function insertSql(kind: Kind): string {
  const columns = COLUMNS[kind];
  return `INSERT INTO ${TABLE_OF[kind]} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
}
