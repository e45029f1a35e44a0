import type { Context } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api-logs';
import type { AuditAttributeName } from '@auditlens/contract';
import type { AuditScope } from './audit-context.js';
import type { Redactor } from './redaction.js';
import type { ErrorInfo } from './record-fields.js';
import type {
  ApprovalInfo,
  AuditIdentity,
  AuditResult,
  CommonRecordFields,
  RecordedEvent,
  RiskLevel,
} from './types.js';

// Building a record: its attributes, the defaults of a kind, and what the recorder offers the
// parts that build records of one kind (data operations, security events).

/** Values a kind gives a record when the call does not. */
export type RecordDefaults = {
  result: AuditResult;
  riskLevel: RiskLevel;
  module?: string;
  operation?: string;
  sensitive?: boolean;
};

/**
 * The attributes of a record being built. Its own attributes are written by literal name
 * (`attributes['user.id'] = …`), never through a variable (`attributes[ATTR_USER_ID]`): V8 keeps
 * an object whose keys are added by name in fast mode, while more than a dozen keys added through a
 * variable turn it into a hash table, slower to build (~100 ns a key) and to iterate when the
 * batch is serialised. The type admits only the contract's attribute names (and the login helpers'
 * few extras), so a misspelt name does not compile.
 */
export type AttributeName =
  AuditAttributeName | 'audit.security.auth_method' | 'audit.security.reason' | 'audit.security.permission';
export type RecordAttributes = { [K in AttributeName]?: AnyValue };

/** A record being built: its attributes and its time (which its UUIDv7 event id also encodes). */
export interface Draft {
  attributes: RecordAttributes;
  timestamp: number;
  /** The time the record was observed, when that was the moment its time was taken. */
  observedTimestamp: number | undefined;
}

/** What the recorder offers the parts that build records of one kind. */
export interface RecordBuilder {
  readonly redactor: Redactor;
  readonly payloadLimits: { params: number; image: number };
  /** The attributes every record carries; explicit fields win over context, context over defaults. */
  draft(fields: CommonRecordFields, scope: AuditScope | undefined, defaults: RecordDefaults): Draft;
  /** Emits the record as one LogRecord whose EventName is its kind. */
  emit(eventName: string, body: string, draft: Draft, ctx?: Context): RecordedEvent;
}

/** error.type and audit.error.message of an Error, an `{ type, message }` or any other value. */
export function setError(attributes: RecordAttributes, error: ErrorInfo): void {
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

/** The approval attributes of field changes and admin operations. */
export function setApproval(attributes: RecordAttributes, approval: ApprovalInfo | undefined): void {
  if (!approval) return;
  if (approval.required !== undefined) attributes['audit.approval.required'] = approval.required;
  if (present(approval.status)) attributes['audit.approval.status'] = approval.status;
  if (present(approval.approverId)) attributes['audit.approval.approver_id'] = approval.approverId;
  if (approval.time !== undefined) attributes['audit.approval.time'] = new Date(approval.time).toISOString();
  if (present(approval.comment)) attributes['audit.approval.comment'] = approval.comment;
}

/*
 * Records are built from the caller's fields without `{ ...fields, key: value }`: in the V8 of
 * Node 20, adding keys after a spread costs microseconds per object (a new hidden class every
 * time), more than the rest of a record. The helpers below copy the fields key by key instead.
 */

/** Every key of T, present (possibly undefined): a helper's copy cannot forget a field added to T. */
export type EveryKey<T> = { [K in keyof Required<T>]: T[K] };

/** The common fields of `fields` with the given ones replaced. */
export function commonFields(
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
export function overlayIdentity(
  base: AuditIdentity | undefined,
  override: AuditIdentity,
): EveryKey<AuditIdentity> {
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

/** A value worth an attribute: present and not empty. */
export function present<T extends string | number | boolean>(value: T | undefined): value is T {
  return value !== undefined && value !== '';
}

/** A record id as text (a string or number as it is, anything else as JSON). */
export function valueText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value);
}
