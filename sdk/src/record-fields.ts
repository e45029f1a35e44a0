import type { RecordImage } from './field-diff.js';
import type { ApprovalInfo, CommonRecordFields, RecordedEvent } from './types.js';

// The fields of each typed call of the recorder (AuditRecorder, AuditClient).

/** An error as the request or operation reports it. */
export type ErrorInfo = unknown;

export interface RequestRecordFields extends CommonRecordFields {
  method: string;
  path: string;
  /** Raw query string without `?`; redacted before it is recorded. */
  query?: string;
  route?: string;
  statusCode?: number;
  durationMs?: number;
  params?: unknown;
  headers?: Readonly<Record<string, unknown>>;
  body?: unknown;
  error?: ErrorInfo;
}

export interface DbOperationFields extends CommonRecordFields {
  /** `db.system.name`, e.g. postgresql, mysql, sqlite. */
  system?: string;
  namespace?: string;
  table: string;
  /** INSERT, UPDATE, DELETE, SELECT, … */
  operation: string;
  /** Parameterised statement. */
  query?: string;
  params?: unknown;
  affectedRows?: number;
  durationMs?: number;
  transactionId?: string;
  /** Primary key of the changed record; defaults to the `id` of the images. */
  recordId?: string | number;
  before?: RecordImage;
  after?: RecordImage;
  /** Fields whose values are masked (or encrypted) besides those matching the redaction list. */
  sensitiveFields?: string[];
  /** Display names of fields (`audit.change.field_label`). */
  fieldLabels?: Readonly<Record<string, string>>;
  /** Why the data changed (`audit.change.reason`). */
  reason?: string;
  approval?: ApprovalInfo;
  error?: ErrorInfo;
  /** Derive one field_change record per changed field (default true when images are given). */
  trackChanges?: boolean;
}

export interface DbOperationEvent extends RecordedEvent {
  /** The field_change records derived from the images, in field order. */
  changes: { field: string; eventId: string }[];
}

export interface SecurityEventFields extends CommonRecordFields {
  /** LOGIN_SUCCESS, LOGIN_FAILED, LOGOUT, PERMISSION_DENIED, BRUTE_FORCE, PRIVILEGE_CHANGE, … */
  eventType: string;
  threatType?: string;
  attackVector?: string;
  /** MITRE ATT&CK technique id, e.g. T1110. */
  mitreTechnique?: string;
  /** MITRE ATT&CK tactic, e.g. TA0006 or "Credential Access". */
  mitreTactic?: string;
  detectionMethod?: string;
  rule?: string;
  targetResource?: string;
  /** Event ids of the records that led to this one. */
  relatedEvents?: string[];
}

export type LoginFields = Omit<SecurityEventFields, 'eventType'> & {
  userId?: string;
  userName?: string;
  /** Authentication method: password, sso, mfa, api_key, … */
  method?: string;
};

export type LoginFailedFields = LoginFields & {
  /** Why it failed: bad_password, unknown_user, locked, … */
  reason?: string;
};

export type PermissionDeniedFields = Omit<SecurityEventFields, 'eventType'> & {
  /** What was refused: a route, a record, a permission name. */
  resource: string;
  permission?: string;
};

export interface AdminOperationFields extends CommonRecordFields {
  operation: string;
  target?: { type?: string; id?: string | number; name?: string };
  approval?: ApprovalInfo;
  /** Parameters of the operation; defaults to the request's when inside a request. */
  params?: unknown;
  /** The request the operation was made in; defaults to the current request. */
  method?: string;
  path?: string;
  statusCode?: number;
  durationMs?: number;
  error?: ErrorInfo;
}

/**
 * One outbound AI / API call (OpenTelemetry GenAI semantic conventions; cost is AuditLens's own
 * `audit.usage.*`). Recorded as an `audit.request` record inside the active span.
 */
export interface AiRequestFields extends CommonRecordFields {
  /** `gen_ai.provider.name`: openai, anthropic, aws.bedrock, azure.ai.openai, gcp.vertex_ai, … */
  provider: string;
  /** `gen_ai.operation.name`: chat, text_completion, embeddings, generate_content, execute_tool, … */
  operationName: string;
  /** `gen_ai.request.model`: the model asked for. */
  requestModel?: string;
  /** `gen_ai.response.model`: the model that answered (the one billed). */
  responseModel?: string;
  /** `gen_ai.response.id` */
  responseId?: string;
  /** `gen_ai.usage.input_tokens` */
  inputTokens?: number;
  /** `gen_ai.usage.output_tokens` */
  outputTokens?: number;
  /** What the call cost: `audit.usage.cost`, in `audit.usage.currency` (ISO 4217, e.g. USD). */
  cost?: { amount: number; currency: string };
  /** `server.address` of the API. */
  serverAddress?: string;
  /** The HTTP call, when there is one. */
  method?: string;
  path?: string;
  statusCode?: number;
  durationMs?: number;
  error?: ErrorInfo;
}
