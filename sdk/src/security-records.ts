import { AuditEventName } from '@auditlens/contract';
import { currentScope, setAuditIdentity } from './audit-context.js';
import { present, type EveryKey, type RecordBuilder, type RecordDefaults } from './record-draft.js';
import type {
  LoginFailedFields,
  LoginFields,
  PermissionDeniedFields,
  SecurityEventFields,
} from './record-fields.js';
import type { AuditIdentity, RecordedEvent } from './types.js';

/** Extra attributes of the login and permission helpers. */
interface SecurityExtras {
  authMethod?: string;
  reason?: string;
  permission?: string;
}

/**
 * Security events (DESIGN §3 `audit.security`): logins, logouts, refused permissions and any
 * detected or suspicious event, with MITRE fields.
 */
export class SecurityRecorder {
  constructor(private readonly builder: RecordBuilder) {}

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
    const draft = this.builder.draft(fields, currentScope(), defaults);
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
    return this.builder.emit(AuditEventName.security, fields.description ?? fields.eventType, draft);
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
