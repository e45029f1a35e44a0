import { context as otelContext, type Context } from '@opentelemetry/api';
import { SeverityNumber, type Logger, type LogAttributes } from '@opentelemetry/api-logs';
import { AuditEventName } from '@auditlens/contract';
import { currentIdentity, currentScope, type AuditScope } from './audit-context.js';
import { DataOperationRecorder } from './data-operation.js';
import {
  overlayIdentity,
  present,
  setApproval,
  setError,
  type Draft,
  type RecordAttributes,
  type RecordBuilder,
  type RecordDefaults,
} from './record-draft.js';
import { recordAiRequest } from './ai-usage.js';
import type {
  AdminOperationFields,
  AiRequestFields,
  DbOperationEvent,
  DbOperationFields,
  LoginFailedFields,
  LoginFields,
  PermissionDeniedFields,
  RequestRecordFields,
  SecurityEventFields,
} from './record-fields.js';
import { Redactor } from './redaction.js';
import {
  assessRisk,
  DEFAULT_RISK_RULES,
  resultFromStatus,
  actionOf,
  type RiskRule,
} from './request-rules.js';
import { SecurityRecorder } from './security-records.js';
import type { AuditAttributeValue, CommonRecordFields, RecordedEvent } from './types.js';
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

/**
 * Builds audit records and emits each as one OTel LogRecord whose EventName is its kind, inside
 * the active context (so it carries the active span's trace_id/span_id). Knows nothing about
 * delivery: whatever LoggerProvider the logger comes from decides where records go.
 */
export class AuditRecorder implements RecordBuilder {
  readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly defaultTenant: string;
  private readonly complianceTags: string[];
  private readonly riskRules: readonly RiskRule[];
  readonly payloadLimits: PayloadLimits;
  private readonly dataOperations: DataOperationRecorder;
  private readonly security: SecurityRecorder;

  constructor(options: AuditRecorderOptions) {
    this.logger = options.logger;
    this.redactor = options.redactor ?? new Redactor();
    this.defaultTenant = options.defaultTenant ?? '';
    this.complianceTags = options.complianceTags ?? [];
    this.riskRules = options.riskRules ?? DEFAULT_RISK_RULES;
    this.payloadLimits = { ...DEFAULT_PAYLOAD_LIMITS, ...options.limits };
    this.dataOperations = new DataOperationRecorder(
      this,
      new Set(options.sensitiveFields ?? []),
      options.fieldEncryptionKey,
    );
    this.security = new SecurityRecorder(this);
  }

  /** One inbound request. Normally recorded by the middleware. */
  request(fields: RequestRecordFields, scope?: AuditScope, ctx?: Context): RecordedEvent {
    const statusCode = fields.statusCode;
    const summary = { method: fields.method, path: fields.path, statusCode: statusCode ?? 0 };
    const draft = this.draft(fields, scope, {
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
    return this.dataOperations.record(fields);
  }

  /** A successful login; the user becomes the identity of the rest of the request. */
  loginSucceeded(fields: LoginFields = {}): RecordedEvent {
    return this.security.loginSucceeded(fields);
  }

  loginFailed(fields: LoginFailedFields = {}): RecordedEvent {
    return this.security.loginFailed(fields);
  }

  logout(fields: LoginFields = {}): RecordedEvent {
    return this.security.logout(fields);
  }

  permissionDenied(fields: PermissionDeniedFields): RecordedEvent {
    return this.security.permissionDenied(fields);
  }

  /** Any security event: detected attacks, privilege changes, suspicious activity, with MITRE fields. */
  securityEvent(fields: SecurityEventFields): RecordedEvent {
    return this.security.securityEvent(fields);
  }

  /** An administrative operation; carries the request it was made in (when there is one). */
  admin(fields: AdminOperationFields): RecordedEvent {
    const scope = currentScope();
    const draft = this.draft(fields, scope, {
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
    setApproval(attributes, fields.approval);
    setError(attributes, fields.error);
    const targetText = target ? ` ${[target.type, target.name ?? target.id].filter(Boolean).join(' ')}` : '';
    return this.emit(AuditEventName.admin, fields.description ?? `${fields.operation}${targetText}`, draft);
  }

  /**
   * One outbound AI / API call, following the OpenTelemetry GenAI semantic conventions (provider,
   * operation, models, input/output tokens) with its cost and currency: an `audit.request`
   * record inside the active span.
   *
   *   audit.aiRequest({ provider: 'openai', operationName: 'chat', requestModel: 'gpt-4o',
   *     inputTokens: 812, outputTokens: 230, cost: { amount: 0.0042, currency: 'USD' } });
   */
  aiRequest(fields: AiRequestFields, ctx?: Context): RecordedEvent {
    return recordAiRequest(this, fields, ctx);
  }

  /**
   * A record of any kind with custom metadata. The caller supplies the kind's own attributes in
   * `fields.attributes`.
   */
  record(eventName: AuditEventName, fields: CommonRecordFields): RecordedEvent {
    const draft = this.draft(fields, currentScope(), { result: 'success', riskLevel: 1 });
    return this.emit(eventName, fields.description ?? eventName, draft);
  }

  /** Attributes every record carries; explicit fields win over context, context over defaults. */
  draft(fields: CommonRecordFields, scope: AuditScope | undefined, defaults: RecordDefaults): Draft {
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
    setError(attributes, fields.error);
    if (
      attributes['error.type'] === undefined &&
      fields.statusCode !== undefined &&
      fields.statusCode >= 400
    ) {
      attributes['error.type'] = String(fields.statusCode);
    }
  }

  emit(
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

const SEVERITY_TEXT: Partial<Record<SeverityNumber, string>> = {
  [SeverityNumber.INFO]: 'INFO',
  [SeverityNumber.WARN]: 'WARN',
  [SeverityNumber.ERROR]: 'ERROR',
};
