import { context as otelContext, type Context } from '@opentelemetry/api';
import { SeverityNumber, type AnyValue, type Logger, type LogAttributes } from '@opentelemetry/api-logs';
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
import { AuditEventName, type AuditAttributeName } from '@auditlens/contract';
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
    this.setRequestAttributes(draft.attributes, fields);
    const description =
      fields.description ??
      `${fields.method} ${fields.route ?? fields.path}${statusCode === undefined ? '' : ` → ${statusCode}`}`;
    return this.emit(AuditEventName.request, description, draft, ctx);
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
        ? diffImages(fields.before, fields.after)
        : [];
    const sensitiveDiffs = diffs.map(
      (diff) => sensitive.has(diff.field) || this.redactor.isSensitiveKey(diff.field),
    );
    // `operation` of these fields is the database's; audit.operation and module come from the
    // request's annotations (e.g. UPDATE_PROFILE), else the database operation.
    const annotations = scope?.annotations;
    const common = commonFields(fields, {
      description: fields.description,
      sensitive: fields.sensitive,
      module: fields.module ?? annotations?.module,
      operation: undefined,
      identity: fields.identity,
    });
    const draft = this.common(common, scope, {
      result: fields.error ? 'failure' : 'success',
      riskLevel: dbOperation === 'DELETE' ? 2 : 1,
      operation: annotations?.operation ?? dbOperation,
      sensitive: sensitiveDiffs.includes(true),
    });
    const attributes = draft.attributes;
    const dbEventId = attributes['log.record.uid'] as string;
    if (present(fields.system)) attributes['db.system.name'] = fields.system;
    if (present(fields.namespace)) attributes['db.namespace'] = fields.namespace;
    attributes['db.collection.name'] = fields.table;
    attributes['db.operation.name'] = dbOperation;
    if (present(fields.query)) attributes['db.query.text'] = fields.query;
    if (fields.params !== undefined) {
      attributes['audit.db.params'] = this.redactor.toJson(
        this.redactPositionalParams(fields.params, fields.query),
        this.payloadLimits.params,
        sensitive,
      );
    }
    if (present(fields.affectedRows)) attributes['audit.db.affected_rows'] = fields.affectedRows;
    if (present(fields.durationMs)) attributes['audit.duration_ms'] = fields.durationMs;
    if (present(fields.transactionId)) attributes['audit.db.transaction_id'] = fields.transactionId;
    if (fields.before) {
      attributes['audit.db.before'] = this.redactor.toJson(
        fields.before,
        this.payloadLimits.image,
        sensitive,
      );
    }
    if (fields.after) {
      attributes['audit.db.after'] = this.redactor.toJson(fields.after, this.payloadLimits.image, sensitive);
    }
    this.setError(attributes, fields.error);
    const description = fields.description ?? `${dbOperation} ${fields.table}${recordSuffix(fields)}`;
    this.emit(AuditEventName.dbOperation, description, draft);

    const changes: DbOperationEvent['changes'] = [];
    if (diffs.length > 0) {
      const recordId = valueText(fields.recordId ?? fields.after?.id ?? fields.before?.id ?? 'unknown');
      const dbRisk = attributes['audit.risk_level'] as RiskLevel;
      const changeFields = commonFields(common, {
        description: undefined,
        sensitive: undefined,
        module: common.module,
        operation: undefined,
        identity: common.identity,
      });
      for (const [index, diff] of diffs.entries()) {
        const isSensitive = sensitiveDiffs[index] === true;
        const changeDraft = this.common(changeFields, scope, {
          result: 'success',
          riskLevel: isSensitive ? (Math.max(2, dbRisk) as RiskLevel) : dbRisk,
          operation: attributes['audit.operation'] as string,
          sensitive: isSensitive,
        });
        const change = changeDraft.attributes;
        change['db.collection.name'] = fields.table;
        change['audit.change.record_id'] = recordId;
        change['audit.change.field'] = diff.field;
        const label = fields.fieldLabels?.[diff.field];
        if (present(label)) change['audit.change.field_label'] = label;
        const oldValue = this.protect(diff.oldValue, isSensitive);
        if (present(oldValue)) change['audit.change.old_value'] = oldValue;
        const newValue = this.protect(diff.newValue, isSensitive);
        if (present(newValue)) change['audit.change.new_value'] = newValue;
        change['audit.change.value_type'] = diff.valueType;
        change['audit.change.type'] = diff.changeType;
        if (present(fields.reason)) change['audit.change.reason'] = fields.reason;
        change['audit.change.db_event_id'] = dbEventId;
        if (isSensitive) change['audit.change.encrypted'] = this.encryptionKey !== undefined;
        this.setApproval(change, fields.approval);
        const { eventId } = this.emit(
          AuditEventName.fieldChange,
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
      setAuditIdentity(
        Object.assign({}, fields.identity, { userId: fields.userId, userName: fields.userName }),
      );
    }
    const who = fields.userName ?? fields.userId ?? 'user';
    return this.emitSecurity(
      this.loginEvent('LOGIN_SUCCESS', fields, `Login of ${who} succeeded`),
      { result: 'success', riskLevel: 1, module: 'AUTH', operation: 'LOGIN' },
      { authMethod: fields.method },
    );
  }

  loginFailed(fields: LoginFailedFields = {}): RecordedEvent {
    const who = fields.userName ?? fields.userId ?? 'unknown user';
    return this.emitSecurity(
      this.loginEvent(
        'LOGIN_FAILED',
        fields,
        `Login attempt for ${who} failed${fields.reason ? `: ${fields.reason}` : ''}`,
      ),
      { result: 'failure', riskLevel: 2, module: 'AUTH', operation: 'LOGIN' },
      { authMethod: fields.method, reason: fields.reason },
    );
  }

  logout(fields: LoginFields = {}): RecordedEvent {
    return this.emitSecurity(
      this.loginEvent('LOGOUT', fields, `Logout of ${fields.userName ?? fields.userId ?? 'user'}`),
      { result: 'success', riskLevel: 1, module: 'AUTH', operation: 'LOGOUT' },
      { authMethod: fields.method },
    );
  }

  permissionDenied(fields: PermissionDeniedFields): RecordedEvent {
    const { resource, permission } = fields;
    const event = securityFields(
      fields,
      'PERMISSION_DENIED',
      fields.identity,
      fields.description ?? `Permission denied on ${resource}${permission ? ` (needs ${permission})` : ''}`,
      fields.targetResource ?? resource,
    );
    return this.emitSecurity(
      event,
      { result: 'denied', riskLevel: 2, module: 'AUTH', operation: 'ACCESS_CHECK' },
      { permission },
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
    extras: SecurityExtras = {},
  ): RecordedEvent {
    const draft = this.common(fields, currentScope(), defaults);
    const attributes = draft.attributes;
    // Attributes the login and permission helpers add beyond DESIGN §3 (the row's attributes map).
    if (extras.authMethod !== undefined) attributes['audit.security.auth_method'] = extras.authMethod;
    if (extras.reason !== undefined) attributes['audit.security.reason'] = extras.reason;
    if (extras.permission !== undefined) attributes['audit.security.permission'] = extras.permission;
    attributes['audit.security.event_type'] = fields.eventType;
    if (present(fields.threatType)) attributes['audit.security.threat_type'] = fields.threatType;
    if (present(fields.attackVector)) attributes['audit.security.attack_vector'] = fields.attackVector;
    if (present(fields.mitreTechnique)) attributes['audit.security.mitre_technique'] = fields.mitreTechnique;
    if (present(fields.mitreTactic)) attributes['audit.security.mitre_tactic'] = fields.mitreTactic;
    if (present(fields.detectionMethod))
      attributes['audit.security.detection_method'] = fields.detectionMethod;
    if (present(fields.rule)) attributes['audit.security.rule'] = fields.rule;
    if (present(fields.targetResource)) attributes['audit.security.target_resource'] = fields.targetResource;
    if (fields.relatedEvents?.length) attributes['audit.security.related_events'] = fields.relatedEvents;
    return this.emit(AuditEventName.security, fields.description ?? fields.eventType, draft);
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
    attributes['audit.operation'] = fields.operation;
    const facts = scope?.requestFacts?.();
    const method = fields.method ?? facts?.method;
    const path = fields.path ?? facts?.path;
    if (present(method)) attributes['http.request.method'] = method;
    if (present(path)) attributes['url.path'] = path;
    if (fields.path === undefined && facts) {
      if (present(facts.query)) attributes['url.query'] = facts.query;
      if (present(facts.route)) attributes['http.route'] = facts.route;
      if (present(facts.headers)) attributes['audit.request.headers'] = facts.headers;
      if (present(facts.body)) attributes['audit.request.body'] = facts.body;
    }
    if (fields.params !== undefined) {
      attributes['audit.request.params'] = this.redactor.toJson(fields.params, this.payloadLimits.params);
    } else if (fields.path === undefined && present(facts?.params)) {
      attributes['audit.request.params'] = facts.params;
    }
    if (present(fields.statusCode)) attributes['http.response.status_code'] = fields.statusCode;
    if (present(fields.durationMs)) attributes['audit.duration_ms'] = fields.durationMs;
    const target = fields.target;
    if (target) {
      if (present(target.type)) attributes['audit.admin.target_type'] = target.type;
      if (target.id !== undefined && target.id !== '')
        attributes['audit.admin.target_id'] = String(target.id);
      if (present(target.name)) attributes['audit.admin.target_name'] = target.name;
    }
    this.setApproval(attributes, fields.approval);
    this.setError(attributes, fields.error);
    const targetText = target ? ` ${[target.type, target.name ?? target.id].filter(Boolean).join(' ')}` : '';
    return this.emit(AuditEventName.admin, fields.description ?? `${fields.operation}${targetText}`, draft);
  }

  /**
   * A record of any kind with custom metadata (e.g. an LLM API call with model, provider, tokens
   * and cost). The caller supplies the kind's own attributes in `fields.attributes`.
   */
  record(eventName: AuditEventName, fields: CommonRecordFields): RecordedEvent {
    const draft = this.common(fields, currentScope(), { result: 'success', riskLevel: 1 });
    return this.emit(eventName, fields.description ?? eventName, draft);
  }

  /** Attributes every record carries; explicit fields win over context, context over defaults. */
  private common(fields: CommonRecordFields, scope: AuditScope | undefined, defaults: RecordDefaults): Draft {
    const contextual = currentIdentity(scope);
    const identity = fields.identity ? overlayIdentity(contextual, fields.identity) : contextual;
    const annotations = scope?.annotations;
    // A record timed now is also observed now; one clock reading serves both.
    const observedTimestamp = fields.timestamp === undefined ? Date.now() : undefined;
    const timestamp = observedTimestamp ?? +(fields.timestamp ?? 0);
    const attributes: RecordAttributes = {
      'log.record.uid': uuidv7(timestamp),
      'audit.tenant_id': identity?.tenantId ?? this.defaultTenant,
    };
    if (fields.attributes) {
      // Custom keys: the only ones written through a variable (see RecordAttributes).
      const custom = attributes as LogAttributes;
      for (const key of Object.keys(fields.attributes)) {
        const value = fields.attributes[key] as AuditAttributeValue;
        custom[key] = this.redactor.isSensitiveKey(key) ? this.redactor.mask : value;
      }
    }
    if (identity) {
      if (present(identity.userId)) attributes['user.id'] = identity.userId;
      if (present(identity.userName)) attributes['user.name'] = identity.userName;
      if (identity.roles?.length) attributes['user.roles'] = identity.roles;
      if (present(identity.sessionId)) attributes['session.id'] = identity.sessionId;
      if (present(identity.clientAddress)) attributes['client.address'] = identity.clientAddress;
      if (present(identity.userAgent)) attributes['user_agent.original'] = identity.userAgent;
    }
    attributes['audit.result'] = fields.result ?? defaults.result;
    attributes['audit.risk_level'] = fields.riskLevel ?? defaults.riskLevel;
    attributes['audit.sensitive'] = fields.sensitive ?? defaults.sensitive ?? false;
    const module = fields.module ?? defaults.module;
    if (present(module)) attributes['audit.module'] = module;
    const operation = fields.operation ?? defaults.operation;
    if (present(operation)) attributes['audit.operation'] = operation;
    const tags = fields.complianceTags ?? annotations?.complianceTags;
    if (this.complianceTags.length || tags?.length) {
      attributes['audit.compliance_tags'] = tags?.length
        ? [...new Set([...this.complianceTags, ...tags])]
        : this.complianceTags;
    }
    return { attributes, timestamp, observedTimestamp };
  }

  private setRequestAttributes(attributes: RecordAttributes, fields: RequestRecordFields): void {
    attributes['http.request.method'] = fields.method;
    attributes['url.path'] = fields.path;
    if (fields.query) attributes['url.query'] = this.redactor.redactQuery(fields.query);
    if (present(fields.route)) attributes['http.route'] = fields.route;
    if (present(fields.statusCode)) attributes['http.response.status_code'] = fields.statusCode;
    if (fields.durationMs !== undefined) attributes['audit.duration_ms'] = Math.max(0, fields.durationMs);
    if (fields.params !== undefined)
      attributes['audit.request.params'] = this.redactor.toJson(fields.params, this.payloadLimits.params);
    if (fields.headers !== undefined)
      attributes['audit.request.headers'] = this.redactor.toJson(fields.headers, this.payloadLimits.headers);
    if (fields.body !== undefined)
      attributes['audit.request.body'] = this.redactor.toJson(fields.body, this.payloadLimits.body);
    this.setError(attributes, fields.error);
    if (
      attributes['error.type'] === undefined &&
      fields.statusCode !== undefined &&
      fields.statusCode >= 400
    ) {
      attributes['error.type'] = String(fields.statusCode);
    }
  }

  private setError(attributes: RecordAttributes, error: ErrorInfo): void {
    if (error === undefined || error === null || error === false) return;
    if (error instanceof Error) {
      const code = (error as { code?: unknown }).code;
      attributes['error.type'] = typeof code === 'string' && code !== '' ? code : error.name || 'Error';
      attributes['audit.error.message'] = error.message.slice(0, 2048);
    } else if (typeof error === 'object' && 'type' in error) {
      const { type, message } = error as { type: unknown; message?: unknown };
      attributes['error.type'] = String(type);
      if (message !== undefined) attributes['audit.error.message'] = String(message).slice(0, 2048);
    } else {
      attributes['error.type'] = '_OTHER';
      attributes['audit.error.message'] = String(error).slice(0, 2048);
    }
  }

  private setApproval(attributes: RecordAttributes, approval: ApprovalInfo | undefined): void {
    if (!approval) return;
    if (approval.required !== undefined) attributes['audit.approval.required'] = approval.required;
    if (present(approval.status)) attributes['audit.approval.status'] = approval.status;
    if (present(approval.approverId)) attributes['audit.approval.approver_id'] = approval.approverId;
    if (approval.time !== undefined)
      attributes['audit.approval.time'] = new Date(approval.time).toISOString();
    if (present(approval.comment)) attributes['audit.approval.comment'] = approval.comment;
  }

  private loginEvent(eventType: string, fields: LoginFields, description: string): SecurityEventFields {
    const { userId, userName } = fields;
    // The account named by the call is the subject, even when another user is logged in.
    const identity =
      userId !== undefined || userName !== undefined
        ? Object.assign({}, fields.identity, { userId, userName })
        : fields.identity;
    return securityFields(
      fields,
      eventType,
      identity,
      fields.description ?? description,
      fields.targetResource,
    );
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
    { attributes, timestamp, observedTimestamp }: Draft,
    ctx?: Context,
  ): RecordedEvent {
    const result = attributes['audit.result'];
    const risk = attributes['audit.risk_level'] as number;
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
      observedTimestamp,
      severityNumber,
      severityText: SEVERITY_TEXT[severityNumber],
      attributes,
      context: ctx ?? otelContext.active(),
    });
    return { eventId: attributes['log.record.uid'] as string };
  }
}

/**
 * The attributes of a record being built. Its own attributes are written by literal name
 * (`attributes['user.id'] = …`), never through a variable (`attributes[ATTR_USER_ID]`): V8 keeps
 * an object whose keys are added by name in fast mode, while more than a dozen keys added through a
 * variable turn it into a hash table, slower to build (~100 ns a key) and to iterate when the
 * batch is serialised. The type admits only the contract's attribute names (and the login helpers'
 * few extras), so a misspelt name does not compile.
 */
type AttributeName =
  AuditAttributeName | 'audit.security.auth_method' | 'audit.security.reason' | 'audit.security.permission';
type RecordAttributes = { [K in AttributeName]?: AnyValue };

/** Extra attributes of the login and permission helpers. */
interface SecurityExtras {
  authMethod?: string;
  reason?: string;
  permission?: string;
}

/** A record being built: its attributes and its time (which its UUIDv7 event id also encodes). */
interface Draft {
  attributes: RecordAttributes;
  timestamp: number;
  /** The time the record was observed, when that was the moment its time was taken. */
  observedTimestamp: number | undefined;
}

const SEVERITY_TEXT: Partial<Record<SeverityNumber, string>> = {
  [SeverityNumber.INFO]: 'INFO',
  [SeverityNumber.WARN]: 'WARN',
  [SeverityNumber.ERROR]: 'ERROR',
};

/*
 * Records are built from the caller's fields without `{ ...fields, key: value }`: in the V8 of
 * Node 20, adding keys after a spread costs microseconds per object (a new hidden class every
 * time), more than the rest of a record. The helpers below copy the fields key by key instead.
 */

/** Every key of T, present (possibly undefined): a helper's copy cannot forget a field added to T. */
type EveryKey<T> = { [K in keyof Required<T>]: T[K] };

/** The common fields of `fields` with the given ones replaced. */
function commonFields(
  fields: CommonRecordFields,
  own: Pick<CommonRecordFields, 'description' | 'sensitive' | 'module' | 'operation' | 'identity'>,
): EveryKey<CommonRecordFields> {
  return {
    description: own.description,
    result: fields.result,
    riskLevel: fields.riskLevel,
    sensitive: own.sensitive,
    module: own.module,
    operation: own.operation,
    complianceTags: fields.complianceTags,
    identity: own.identity,
    timestamp: fields.timestamp,
    attributes: fields.attributes,
  };
}

const propertyIsEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * `{ ...base, ...override }` as the records read it, field by field: the override's own fields win,
 * even when undefined (a login names its account, and no other user, as the subject).
 */
function overlayIdentity(base: AuditIdentity | undefined, override: AuditIdentity): EveryKey<AuditIdentity> {
  const own = (key: keyof AuditIdentity) => propertyIsEnumerable.call(override, key);
  return {
    tenantId: own('tenantId') ? override.tenantId : base?.tenantId,
    userId: own('userId') ? override.userId : base?.userId,
    userName: own('userName') ? override.userName : base?.userName,
    roles: own('roles') ? override.roles : base?.roles,
    sessionId: own('sessionId') ? override.sessionId : base?.sessionId,
    clientAddress: own('clientAddress') ? override.clientAddress : base?.clientAddress,
    userAgent: own('userAgent') ? override.userAgent : base?.userAgent,
  };
}

/** A security event of `eventType` from the fields of a login or permission call. */
function securityFields(
  fields: Omit<SecurityEventFields, 'eventType'>,
  eventType: string,
  identity: AuditIdentity | undefined,
  description: string,
  targetResource: string | undefined,
): EveryKey<SecurityEventFields> {
  return {
    description,
    result: fields.result,
    riskLevel: fields.riskLevel,
    sensitive: fields.sensitive,
    module: fields.module,
    operation: fields.operation,
    complianceTags: fields.complianceTags,
    identity,
    timestamp: fields.timestamp,
    attributes: fields.attributes,
    eventType,
    threatType: fields.threatType,
    attackVector: fields.attackVector,
    mitreTechnique: fields.mitreTechnique,
    mitreTactic: fields.mitreTactic,
    detectionMethod: fields.detectionMethod,
    rule: fields.rule,
    targetResource,
    relatedEvents: fields.relatedEvents,
  };
}

/** A value worth an attribute: present and not empty. */
function present<T extends string | number | boolean>(value: T | undefined): value is T {
  return value !== undefined && value !== '';
}

function recordSuffix(fields: DbOperationFields): string {
  const id = fields.recordId ?? fields.after?.id ?? fields.before?.id;
  return id === undefined ? '' : ` ${valueText(id)}`;
}

function valueText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}
