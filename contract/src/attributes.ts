/**
 * The attribute names audit records carry on the wire (DESIGN §3): OpenTelemetry
 * semantic-convention names where one exists, `audit.*` for the rest. The SDK sends exactly these
 * names and the exporter maps exactly these names to table columns, so they are spelled out here
 * once instead of being imported from the incubating semconv entry point (whose names may still
 * move). Published to applications as the SDK's `AuditAttributes`.
 */
import { EVENT_NAMES } from './records.js';

/** EventName of each record kind an application sends (`audit.access` is the exporter's own). */
export const AuditEventName = {
  request: EVENT_NAMES.request,
  dbOperation: EVENT_NAMES.db_operation,
  fieldChange: EVENT_NAMES.field_change,
  security: EVENT_NAMES.security,
  admin: EVENT_NAMES.admin,
} as const;
export type AuditEventName = (typeof AuditEventName)[keyof typeof AuditEventName];

// Every record.
export const ATTR_EVENT_ID = 'log.record.uid';
export const ATTR_TENANT_ID = 'audit.tenant_id';
export const ATTR_USER_ID = 'user.id';
export const ATTR_USER_NAME = 'user.name';
export const ATTR_USER_ROLES = 'user.roles';
export const ATTR_SESSION_ID = 'session.id';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_USER_AGENT = 'user_agent.original';
export const ATTR_RESULT = 'audit.result';
export const ATTR_RISK_LEVEL = 'audit.risk_level';
export const ATTR_SENSITIVE = 'audit.sensitive';
export const ATTR_MODULE = 'audit.module';
export const ATTR_OPERATION = 'audit.operation';
export const ATTR_COMPLIANCE_TAGS = 'audit.compliance_tags';

// Requests (and admin operations, which carry the request they were made in).
export const ATTR_HTTP_METHOD = 'http.request.method';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_STATUS = 'http.response.status_code';
export const ATTR_DURATION_MS = 'audit.duration_ms';
export const ATTR_REQUEST_PARAMS = 'audit.request.params';
export const ATTR_REQUEST_HEADERS = 'audit.request.headers';
export const ATTR_REQUEST_BODY = 'audit.request.body';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_ERROR_MESSAGE = 'audit.error.message';

// Data operations.
export const ATTR_DB_SYSTEM = 'db.system.name';
export const ATTR_DB_NAMESPACE = 'db.namespace';
export const ATTR_DB_COLLECTION = 'db.collection.name';
export const ATTR_DB_OPERATION = 'db.operation.name';
export const ATTR_DB_QUERY = 'db.query.text';
export const ATTR_DB_PARAMS = 'audit.db.params';
export const ATTR_DB_AFFECTED_ROWS = 'audit.db.affected_rows';
export const ATTR_DB_TRANSACTION_ID = 'audit.db.transaction_id';
export const ATTR_DB_BEFORE = 'audit.db.before';
export const ATTR_DB_AFTER = 'audit.db.after';

// Field changes.
export const ATTR_CHANGE_RECORD_ID = 'audit.change.record_id';
export const ATTR_CHANGE_FIELD = 'audit.change.field';
export const ATTR_CHANGE_FIELD_LABEL = 'audit.change.field_label';
export const ATTR_CHANGE_OLD_VALUE = 'audit.change.old_value';
export const ATTR_CHANGE_NEW_VALUE = 'audit.change.new_value';
export const ATTR_CHANGE_VALUE_TYPE = 'audit.change.value_type';
export const ATTR_CHANGE_TYPE = 'audit.change.type';
export const ATTR_CHANGE_REASON = 'audit.change.reason';
export const ATTR_CHANGE_DB_EVENT_ID = 'audit.change.db_event_id';
export const ATTR_CHANGE_ENCRYPTED = 'audit.change.encrypted';

// Approval (field changes and admin operations).
export const ATTR_APPROVAL_REQUIRED = 'audit.approval.required';
export const ATTR_APPROVAL_STATUS = 'audit.approval.status';
export const ATTR_APPROVAL_APPROVER_ID = 'audit.approval.approver_id';
export const ATTR_APPROVAL_TIME = 'audit.approval.time';
export const ATTR_APPROVAL_COMMENT = 'audit.approval.comment';

// Security events.
export const ATTR_SECURITY_EVENT_TYPE = 'audit.security.event_type';
export const ATTR_SECURITY_THREAT_TYPE = 'audit.security.threat_type';
export const ATTR_SECURITY_ATTACK_VECTOR = 'audit.security.attack_vector';
export const ATTR_SECURITY_MITRE_TECHNIQUE = 'audit.security.mitre_technique';
export const ATTR_SECURITY_MITRE_TACTIC = 'audit.security.mitre_tactic';
export const ATTR_SECURITY_DETECTION_METHOD = 'audit.security.detection_method';
export const ATTR_SECURITY_RULE = 'audit.security.rule';
export const ATTR_SECURITY_TARGET_RESOURCE = 'audit.security.target_resource';
export const ATTR_SECURITY_RELATED_EVENTS = 'audit.security.related_events';

// Admin operations.
export const ATTR_ADMIN_TARGET_TYPE = 'audit.admin.target_type';
export const ATTR_ADMIN_TARGET_ID = 'audit.admin.target_id';
export const ATTR_ADMIN_TARGET_NAME = 'audit.admin.target_name';

// Outbound AI / API usage, carried by `audit.request` records and GenAI spans: the OpenTelemetry
// GenAI semantic conventions (gen_ai.*), plus the cost of the call, which they do not define.
export const ATTR_GEN_AI_PROVIDER = 'gen_ai.provider.name';
export const ATTR_GEN_AI_OPERATION = 'gen_ai.operation.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_SERVER_ADDRESS = 'server.address';
/** What the call cost, in `audit.usage.currency` (a decimal amount, e.g. 0.0042). */
export const ATTR_USAGE_COST = 'audit.usage.cost';
/** ISO 4217 code of `audit.usage.cost` (USD, EUR, CNY, …). */
export const ATTR_USAGE_CURRENCY = 'audit.usage.currency';
/**
 * Names of the same fields in earlier GenAI semantic-convention releases, still sent by many
 * instrumentations; the exporter reads them when the current name is absent.
 */
export const GEN_AI_LEGACY_NAMES = {
  [ATTR_GEN_AI_PROVIDER]: ['gen_ai.system'],
  [ATTR_GEN_AI_INPUT_TOKENS]: ['gen_ai.usage.prompt_tokens'],
  [ATTR_GEN_AI_OUTPUT_TOKENS]: ['gen_ai.usage.completion_tokens'],
} as const;

// Access to audit data (written by the exporter itself).
export const ATTR_ACCESS_TYPE = 'audit.access.type';
export const ATTR_ACCESS_RESOURCE = 'audit.access.resource';
export const ATTR_ACCESS_FILTER = 'audit.access.filter';
export const ATTR_ACCESS_ROWS = 'audit.access.rows';

/**
 * Set on the SDK's own HTTP server spans: the exporter turns HTTP server spans of apps without
 * the SDK into request rows, and skips spans carrying this flag because the SDK already sent an
 * `audit.request` record for them.
 */
export const ATTR_RECORDED_BY_SDK = 'audit.recorded';

/**
 * The instrumentation scope of the SDK's records. The SDK has masked the values of the redaction
 * list already; the exporter masks them in records of every other scope (and in HTTP server spans).
 */
export const SDK_SCOPE_NAME = '@auditlens/sdk';
