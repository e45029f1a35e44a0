import { context as otelContext, type Context } from '@opentelemetry/api';
import { SeverityNumber, type Logger, type LogAttributes } from '@opentelemetry/api-logs';
import { currentIdentity, currentScope, setAuditIdentity, type AuditScope } from './audit-context.js';
import { diffImages, type RecordImage } from './field-diff.js';
import { encryptFieldValue } from './field-protection.js';
import { Redactor } from './redaction.js';
import {
  assessRisk,
  DEFAULT_RISK_RULES,
  resultFromStatus,
  actionOf,
  type RiskRule,
} from './request-rules.js';
import * as A from './semconv.js';
import type {
  ApprovalInfo,
  AuditAttributeValue,
  AuditIdentity,
  AuditResult,
  CommonRecordFields,
  RecordedEvent,
  RiskLevel,
} from './types.js';
import { uuidv7 } from './uuidv7.js';

/** Size caps (UTF-16 code units) of the JSON strings records carry. */
export interface PayloadLimits {
  params: number;
  headers: number;
  body: number;
  /** Before/after images of data operations. */
  image: number;
}

export const DEFAULT_PAYLOAD_LIMITS: PayloadLimits = {
  params: 4096,
  headers: 4096,
  body: 8192,
  image: 16384,
};

export interface AuditRecorderOptions {
  logger: Logger;
  redactor?: Redactor;
  /** Tenant of records whose context names none. */
  defaultTenant?: string;
  /** Added to every record's `audit.compliance_tags`. */
  complianceTags?: string[];
  riskRules?: readonly RiskRule[];
  limits?: Partial<PayloadLimits>;
  /** Field names always treated as sensitive in field changes (besides the redaction list). */
  sensitiveFields?: string[];
  /** AES-256-GCM key: sensitive field-change values are encrypted instead of masked. */
  fieldEncryptionKey?: Buffer;
}

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

type RecordDefaults = {
  result: AuditResult;
  riskLevel: RiskLevel;
  module?: string;
  operation?: string;
  sensitive?: boolean;
};

/**
 * Builds audit records and emits each as one OTel LogRecord whose EventName is its kind, inside
 * the active context (so it carries the active span's trace_id/span_id). Knows nothing about
 * delivery: whatever LoggerProvider the logger comes from decides where records go.
 */
export class AuditRecorder {
  readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly defaultTenant: string;
  private readonly complianceTags: string[];
  private readonly riskRules: readonly RiskRule[];
  readonly payloadLimits: PayloadLimits;
  private readonly sensitiveFields: ReadonlySet<string>;
  private readonly encryptionKey: Buffer | undefined;

  constructor(options: AuditRecorderOptions) {
    this.logger = options.logger;
    this.redactor = options.redactor ?? new Redactor();
    this.defaultTenant = options.defaultTenant ?? '';
    this.complianceTags = options.complianceTags ?? [];
    this.riskRules = options.riskRules ?? DEFAULT_RISK_RULES;
    this.payloadLimits = { ...DEFAULT_PAYLOAD_LIMITS, ...options.limits };
    this.sensitiveFields = new Set(options.sensitiveFields ?? []);
    this.encryptionKey = options.fieldEncryptionKey;
  }

  /** One inbound request. Normally recorded by the middleware. */
  request(fields: RequestRecordFields, scope?: AuditScope, ctx?: Context): RecordedEvent {
    const statusCode = fields.statusCode;
    const summary = { method: fields.method, path: fields.path, statusCode: statusCode ?? 0 };
    const draft = this.common(fields, scope, {
      result:
        statusCode === undefined ? (fields.error ? 'failure' : 'success') : resultFromStatus(statusCode),
      riskLevel: assessRisk(this.riskRules, summary),
      operation: actionOf(fields.method, fields.path),
    });
    const attributes = draft.attributes;
    this.setRequestAttributes(attributes, fields);
    const description =
      fields.description ??
      `${fields.method} ${fields.route ?? fields.path}${statusCode === undefined ? '' : ` → ${statusCode}`}`;
    return this.emit(A.AuditEventName.request, description, draft, ctx);
  }

  /**
   * One data operation with its before/after images; derives one field_change record per changed
   * field, each pointing at this operation's event id.
   */
  dbOperation(fields: DbOperationFields): DbOperationEvent {
    const scope = currentScope();
    const sensitive = this.sensitiveSet(fields.sensitiveFields);
    const dbOperation = fields.operation.toUpperCase();
    const diffs =
      fields.trackChanges !== false && (fields.before || fields.after) && !fields.error
        ? diffImages(fields.before, fields.after).map((diff) => ({
            ...diff,
            sensitive: sensitive.has(diff.field) || this.redactor.isSensitiveKey(diff.field),
          }))
        : [];
    // `operation` of these fields is the database's; audit.operation and module come from the
    // request's annotations (e.g. UPDATE_PROFILE), else the database operation.
    const annotations = scope?.annotations;
    const common: CommonRecordFields = {
      ...fields,
      operation: undefined,
      module: fields.module ?? annotations?.module,
    };
    const draft = this.common(common, scope, {
      result: fields.error ? 'failure' : 'success',
      riskLevel: dbOperation === 'DELETE' ? 2 : 1,
      operation: annotations?.operation ?? dbOperation,
      sensitive: diffs.some((d) => d.sensitive),
    });
    const attributes = draft.attributes;
    const dbEventId = attributes[A.ATTR_EVENT_ID] as string;
    set(attributes, A.ATTR_DB_SYSTEM, fields.system);
    set(attributes, A.ATTR_DB_NAMESPACE, fields.namespace);
    attributes[A.ATTR_DB_COLLECTION] = fields.table;
    attributes[A.ATTR_DB_OPERATION] = dbOperation;
    set(attributes, A.ATTR_DB_QUERY, fields.query);
    if (fields.params !== undefined) {
      attributes[A.ATTR_DB_PARAMS] = this.redactor.toJson(
        this.redactPositionalParams(fields.params, fields.query),
        this.payloadLimits.params,
        sensitive,
      );
    }
    set(attributes, A.ATTR_DB_AFFECTED_ROWS, fields.affectedRows);
    set(attributes, A.ATTR_DURATION_MS, fields.durationMs);
    set(attributes, A.ATTR_DB_TRANSACTION_ID, fields.transactionId);
    if (fields.before) {
      attributes[A.ATTR_DB_BEFORE] = this.redactor.toJson(fields.before, this.payloadLimits.image, sensitive);
    }
    if (fields.after) {
      attributes[A.ATTR_DB_AFTER] = this.redactor.toJson(fields.after, this.payloadLimits.image, sensitive);
    }
    this.setError(attributes, fields.error);
    const description = fields.description ?? `${dbOperation} ${fields.table}${recordSuffix(fields)}`;
    this.emit(A.AuditEventName.dbOperation, description, draft);

    const changes: DbOperationEvent['changes'] = [];
    if (diffs.length > 0) {
      const recordId = valueText(fields.recordId ?? fields.after?.id ?? fields.before?.id ?? 'unknown');
      const dbRisk = attributes[A.ATTR_RISK_LEVEL] as RiskLevel;
      const changeFields: CommonRecordFields = { ...common, description: undefined, sensitive: undefined };
      for (const diff of diffs) {
        const isSensitive = diff.sensitive;
        const changeDraft = this.common(changeFields, scope, {
          result: 'success',
          riskLevel: isSensitive ? (Math.max(2, dbRisk) as RiskLevel) : dbRisk,
          operation: attributes[A.ATTR_OPERATION] as string,
          sensitive: isSensitive,
        });
        const change = changeDraft.attributes;
        change[A.ATTR_DB_COLLECTION] = fields.table;
        change[A.ATTR_CHANGE_RECORD_ID] = recordId;
        change[A.ATTR_CHANGE_FIELD] = diff.field;
        set(change, A.ATTR_CHANGE_FIELD_LABEL, fields.fieldLabels?.[diff.field]);
        set(change, A.ATTR_CHANGE_OLD_VALUE, this.protect(diff.oldValue, isSensitive));
        set(change, A.ATTR_CHANGE_NEW_VALUE, this.protect(diff.newValue, isSensitive));
        change[A.ATTR_CHANGE_VALUE_TYPE] = diff.valueType;
        change[A.ATTR_CHANGE_TYPE] = diff.changeType;
        set(change, A.ATTR_CHANGE_REASON, fields.reason);
        change[A.ATTR_CHANGE_DB_EVENT_ID] = dbEventId;
        if (isSensitive) change[A.ATTR_CHANGE_ENCRYPTED] = this.encryptionKey !== undefined;
        this.setApproval(change, fields.approval);
        const { eventId } = this.emit(
          A.AuditEventName.fieldChange,
          `${diff.changeType} ${fields.table}.${diff.field} of ${recordId}`,
          changeDraft,
        );
        changes.push({ field: diff.field, eventId });
      }
    }
    return { eventId: dbEventId, changes };
  }

  /** A successful login; the user becomes the identity of the rest of the request. */
  loginSucceeded(fields: LoginFields = {}): RecordedEvent {
    if (fields.userId !== undefined || fields.userName !== undefined || fields.identity) {
      setAuditIdentity({ ...fields.identity, userId: fields.userId, userName: fields.userName });
    }
    const who = fields.userName ?? fields.userId ?? 'user';
    return this.emitSecurity(
      this.loginEvent('LOGIN_SUCCESS', fields, `Login of ${who} succeeded`),
      { result: 'success', riskLevel: 1, module: 'AUTH', operation: 'LOGIN' },
      authExtras(fields.method),
    );
  }

  loginFailed(fields: LoginFailedFields = {}): RecordedEvent {
    const who = fields.userName ?? fields.userId ?? 'unknown user';
    const extras = authExtras(fields.method);
    if (fields.reason !== undefined) extras.push(['audit.security.reason', fields.reason]);
    return this.emitSecurity(
      this.loginEvent(
        'LOGIN_FAILED',
        fields,
        `Login attempt for ${who} failed${fields.reason ? `: ${fields.reason}` : ''}`,
      ),
      { result: 'failure', riskLevel: 2, module: 'AUTH', operation: 'LOGIN' },
      extras,
    );
  }

  logout(fields: LoginFields = {}): RecordedEvent {
    return this.emitSecurity(
      this.loginEvent('LOGOUT', fields, `Logout of ${fields.userName ?? fields.userId ?? 'user'}`),
      { result: 'success', riskLevel: 1, module: 'AUTH', operation: 'LOGOUT' },
      authExtras(fields.method),
    );
  }

  permissionDenied(fields: PermissionDeniedFields): RecordedEvent {
    const { resource, permission } = fields;
    const event: SecurityEventFields = {
      ...fields,
      eventType: 'PERMISSION_DENIED',
      targetResource: fields.targetResource ?? resource,
      description:
        fields.description ?? `Permission denied on ${resource}${permission ? ` (needs ${permission})` : ''}`,
    };
    return this.emitSecurity(
      event,
      { result: 'denied', riskLevel: 2, module: 'AUTH', operation: 'ACCESS_CHECK' },
      permission === undefined ? [] : [['audit.security.permission', permission]],
    );
  }

  /** Any security event: detected attacks, privilege changes, suspicious activity, with MITRE fields. */
  securityEvent(fields: SecurityEventFields): RecordedEvent {
    return this.emitSecurity(fields, {
      result: 'success',
      riskLevel: 3,
      module: 'SECURITY',
      operation: fields.eventType,
    });
  }

  private emitSecurity(
    fields: SecurityEventFields,
    defaults: RecordDefaults,
    extras: readonly [string, string][] = [],
  ): RecordedEvent {
    const draft = this.common(fields, currentScope(), defaults);
    const attributes = draft.attributes;
    for (const [key, value] of extras) attributes[key] = value;
    attributes[A.ATTR_SECURITY_EVENT_TYPE] = fields.eventType;
    set(attributes, A.ATTR_SECURITY_THREAT_TYPE, fields.threatType);
    set(attributes, A.ATTR_SECURITY_ATTACK_VECTOR, fields.attackVector);
    set(attributes, A.ATTR_SECURITY_MITRE_TECHNIQUE, fields.mitreTechnique);
    set(attributes, A.ATTR_SECURITY_MITRE_TACTIC, fields.mitreTactic);
    set(attributes, A.ATTR_SECURITY_DETECTION_METHOD, fields.detectionMethod);
    set(attributes, A.ATTR_SECURITY_RULE, fields.rule);
    set(attributes, A.ATTR_SECURITY_TARGET_RESOURCE, fields.targetResource);
    if (fields.relatedEvents?.length) attributes[A.ATTR_SECURITY_RELATED_EVENTS] = fields.relatedEvents;
    return this.emit(A.AuditEventName.security, fields.description ?? fields.eventType, draft);
  }

  /** An administrative operation; carries the request it was made in (when there is one). */
  admin(fields: AdminOperationFields): RecordedEvent {
    const scope = currentScope();
    const draft = this.common(fields, scope, {
      result: fields.error
        ? 'failure'
        : fields.statusCode !== undefined
          ? resultFromStatus(fields.statusCode)
          : 'success',
      riskLevel: 2,
      operation: fields.operation,
    });
    const attributes = draft.attributes;
    attributes[A.ATTR_OPERATION] = fields.operation;
    const facts = scope?.requestFacts?.();
    const method = fields.method ?? facts?.method;
    const path = fields.path ?? facts?.path;
    set(attributes, A.ATTR_HTTP_METHOD, method);
    set(attributes, A.ATTR_URL_PATH, path);
    if (fields.path === undefined && facts) {
      set(attributes, A.ATTR_URL_QUERY, facts.query);
      set(attributes, A.ATTR_HTTP_ROUTE, facts.route);
      set(attributes, A.ATTR_REQUEST_HEADERS, facts.headers);
      set(attributes, A.ATTR_REQUEST_BODY, facts.body);
    }
    if (fields.params !== undefined) {
      attributes[A.ATTR_REQUEST_PARAMS] = this.redactor.toJson(fields.params, this.payloadLimits.params);
    } else if (fields.path === undefined) {
      set(attributes, A.ATTR_REQUEST_PARAMS, facts?.params);
    }
    set(attributes, A.ATTR_HTTP_STATUS, fields.statusCode);
    set(attributes, A.ATTR_DURATION_MS, fields.durationMs);
    set(attributes, A.ATTR_ADMIN_TARGET_TYPE, fields.target?.type);
    set(
      attributes,
      A.ATTR_ADMIN_TARGET_ID,
      fields.target?.id === undefined ? undefined : String(fields.target.id),
    );
    set(attributes, A.ATTR_ADMIN_TARGET_NAME, fields.target?.name);
    this.setApproval(attributes, fields.approval);
    this.setError(attributes, fields.error);
    const target = fields.target
      ? ` ${[fields.target.type, fields.target.name ?? fields.target.id].filter(Boolean).join(' ')}`
      : '';
    return this.emit(A.AuditEventName.admin, fields.description ?? `${fields.operation}${target}`, draft);
  }

  /**
   * A record of any kind with custom metadata (e.g. an LLM API call with model, provider, tokens
   * and cost). The caller supplies the kind's own attributes in `fields.attributes`.
   */
  record(eventName: A.AuditEventName, fields: CommonRecordFields): RecordedEvent {
    const draft = this.common(fields, currentScope(), { result: 'success', riskLevel: 1 });
    return this.emit(eventName, fields.description ?? eventName, draft);
  }

  /** Attributes every record carries; explicit fields win over context, context over defaults. */
  private common(fields: CommonRecordFields, scope: AuditScope | undefined, defaults: RecordDefaults): Draft {
    const contextual = currentIdentity(scope);
    const identity: AuditIdentity | undefined = fields.identity
      ? { ...contextual, ...fields.identity }
      : contextual;
    const annotations = scope?.annotations;
    const timestamp = fields.timestamp === undefined ? Date.now() : +fields.timestamp;
    const attributes: LogAttributes = {
      [A.ATTR_EVENT_ID]: uuidv7(timestamp),
      [A.ATTR_TENANT_ID]: identity?.tenantId ?? this.defaultTenant,
    };
    if (fields.attributes) {
      for (const key of Object.keys(fields.attributes)) {
        const value = fields.attributes[key] as AuditAttributeValue;
        attributes[key] = this.redactor.isSensitiveKey(key) ? this.redactor.mask : value;
      }
    }
    if (identity) {
      set(attributes, A.ATTR_USER_ID, identity.userId);
      set(attributes, A.ATTR_USER_NAME, identity.userName);
      if (identity.roles?.length) attributes[A.ATTR_USER_ROLES] = identity.roles;
      set(attributes, A.ATTR_SESSION_ID, identity.sessionId);
      set(attributes, A.ATTR_CLIENT_ADDRESS, identity.clientAddress);
      set(attributes, A.ATTR_USER_AGENT, identity.userAgent);
    }
    attributes[A.ATTR_RESULT] = fields.result ?? defaults.result;
    attributes[A.ATTR_RISK_LEVEL] = fields.riskLevel ?? defaults.riskLevel;
    attributes[A.ATTR_SENSITIVE] = fields.sensitive ?? defaults.sensitive ?? false;
    set(attributes, A.ATTR_MODULE, fields.module ?? defaults.module);
    set(attributes, A.ATTR_OPERATION, fields.operation ?? defaults.operation);
    const tags = fields.complianceTags ?? annotations?.complianceTags;
    if (this.complianceTags.length || tags?.length) {
      attributes[A.ATTR_COMPLIANCE_TAGS] = tags?.length
        ? [...new Set([...this.complianceTags, ...tags])]
        : this.complianceTags;
    }
    return { attributes, timestamp };
  }

  private setRequestAttributes(attributes: LogAttributes, fields: RequestRecordFields): void {
    attributes[A.ATTR_HTTP_METHOD] = fields.method;
    attributes[A.ATTR_URL_PATH] = fields.path;
    if (fields.query) attributes[A.ATTR_URL_QUERY] = this.redactor.redactQuery(fields.query);
    set(attributes, A.ATTR_HTTP_ROUTE, fields.route);
    set(attributes, A.ATTR_HTTP_STATUS, fields.statusCode);
    if (fields.durationMs !== undefined) attributes[A.ATTR_DURATION_MS] = Math.max(0, fields.durationMs);
    if (fields.params !== undefined)
      attributes[A.ATTR_REQUEST_PARAMS] = this.redactor.toJson(fields.params, this.payloadLimits.params);
    if (fields.headers !== undefined)
      attributes[A.ATTR_REQUEST_HEADERS] = this.redactor.toJson(fields.headers, this.payloadLimits.headers);
    if (fields.body !== undefined)
      attributes[A.ATTR_REQUEST_BODY] = this.redactor.toJson(fields.body, this.payloadLimits.body);
    this.setError(attributes, fields.error);
    if (
      attributes[A.ATTR_ERROR_TYPE] === undefined &&
      fields.statusCode !== undefined &&
      fields.statusCode >= 400
    ) {
      attributes[A.ATTR_ERROR_TYPE] = String(fields.statusCode);
    }
  }

  private setError(attributes: LogAttributes, error: ErrorInfo): void {
    if (error === undefined || error === null || error === false) return;
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      attributes[A.ATTR_ERROR_TYPE] = typeof code === 'string' && code !== '' ? code : error.name || 'Error';
      attributes[A.ATTR_ERROR_MESSAGE] = error.message.slice(0, 2048);
    } else if (typeof error === 'object' && 'type' in error) {
      const { type, message } = error as { type: unknown; message?: unknown };
      attributes[A.ATTR_ERROR_TYPE] = String(type);
      if (message !== undefined) attributes[A.ATTR_ERROR_MESSAGE] = String(message).slice(0, 2048);
    } else {
      attributes[A.ATTR_ERROR_TYPE] = '_OTHER';
      attributes[A.ATTR_ERROR_MESSAGE] = String(error).slice(0, 2048);
    }
  }

  private setApproval(attributes: LogAttributes, approval: ApprovalInfo | undefined): void {
    if (!approval) return;
    set(attributes, A.ATTR_APPROVAL_REQUIRED, approval.required);
    set(attributes, A.ATTR_APPROVAL_STATUS, approval.status);
    set(attributes, A.ATTR_APPROVAL_APPROVER_ID, approval.approverId);
    if (approval.time !== undefined) attributes[A.ATTR_APPROVAL_TIME] = new Date(approval.time).toISOString();
    set(attributes, A.ATTR_APPROVAL_COMMENT, approval.comment);
  }

  private loginEvent(eventType: string, fields: LoginFields, description: string): SecurityEventFields {
    const { userId, userName } = fields;
    // The account named by the call is the subject, even when another user is logged in.
    const identity =
      userId !== undefined || userName !== undefined
        ? { ...fields.identity, userId, userName }
        : fields.identity;
    return { ...fields, eventType, identity, description: fields.description ?? description };
  }

  private sensitiveSet(extra: string[] | undefined): ReadonlySet<string> {
    if (!extra?.length) return this.sensitiveFields;
    return new Set([...this.sensitiveFields, ...extra]);
  }

  private protect(value: string | undefined, sensitive: boolean): string | undefined {
    if (value === undefined || !sensitive) return value;
    if (this.encryptionKey) return encryptFieldValue(value, this.encryptionKey);
    return value === '' ? '' : this.redactor.mask;
  }

  /**
   * Positional parameters cannot be matched by name: when the statement names a sensitive column
   * (`SET password = ?`), every string parameter is masked rather than guessing which one it is.
   */
  private redactPositionalParams(params: unknown, query: string | undefined): unknown {
    if (!Array.isArray(params) || query === undefined) return params;
    const identifiers = query.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (!identifiers.some((id) => this.redactor.isSensitiveKey(id))) return params;
    return params.map((p) => (typeof p === 'string' ? this.redactor.mask : p));
  }

  private emit(
    eventName: string,
    body: string,
    { attributes, timestamp }: Draft,
    ctx?: Context,
  ): RecordedEvent {
    const result = attributes[A.ATTR_RESULT];
    const risk = attributes[A.ATTR_RISK_LEVEL] as number;
    const severityNumber =
      risk >= 4
        ? SeverityNumber.ERROR
        : result === 'success' && risk < 3
          ? SeverityNumber.INFO
          : SeverityNumber.WARN;
    this.logger.emit({
      eventName,
      body,
      timestamp,
      severityNumber,
      severityText: SEVERITY_TEXT[severityNumber],
      attributes,
      context: ctx ?? otelContext.active(),
    });
    return { eventId: attributes[A.ATTR_EVENT_ID] as string };
  }
}

/** A record being built: its attributes and its time (which its UUIDv7 event id also encodes). */
interface Draft {
  attributes: LogAttributes;
  timestamp: number;
}

const SEVERITY_TEXT: Partial<Record<SeverityNumber, string>> = {
  [SeverityNumber.INFO]: 'INFO',
  [SeverityNumber.WARN]: 'WARN',
  [SeverityNumber.ERROR]: 'ERROR',
};

/** Attributes the login helpers add beyond DESIGN §3 (they land in the row's attributes map). */
function authExtras(method: string | undefined): [string, string][] {
  return method === undefined ? [] : [['audit.security.auth_method', method]];
}

function set(attributes: LogAttributes, key: string, value: string | number | boolean | undefined): void {
  if (value !== undefined && value !== '') attributes[key] = value;
}

function recordSuffix(fields: DbOperationFields): string {
  const id = fields.recordId ?? fields.after?.id ?? fields.before?.id;
  return id === undefined ? '' : ` ${valueText(id)}`;
}

function valueText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}
