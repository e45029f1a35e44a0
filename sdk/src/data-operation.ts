import { AuditEventName } from '@auditlens/contract';
import { currentScope } from './audit-context.js';
import { diffImages } from './field-diff.js';
import { encryptFieldValue } from './field-protection.js';
import {
  commonFields,
  present,
  setApproval,
  setError,
  valueText,
  type RecordBuilder,
} from './record-draft.js';
import type { DbOperationEvent, DbOperationFields } from './record-fields.js';
import type { RiskLevel } from './types.js';

/**
 * Data operations (DESIGN §3 `audit.db_operation`) and the field changes derived from their
 * before/after images (`audit.field_change`, one per changed field, linked by the operation's event
 * id); sensitive values masked or encrypted.
 */
export class DataOperationRecorder {
  constructor(
    private readonly builder: RecordBuilder,
    private readonly sensitiveFields: ReadonlySet<string>,
    private readonly encryptionKey: Buffer | undefined,
  ) {}

  /**
   * One data operation with its before/after images; derives one field_change record per changed
   * field, each pointing at this operation's event id.
   */
  record(fields: DbOperationFields): DbOperationEvent {
    const scope = currentScope();
    const sensitive = this.sensitiveSet(fields.sensitiveFields);
    const dbOperation = fields.operation.toUpperCase();
    const diffs =
      fields.trackChanges !== false && (fields.before || fields.after) && !fields.error
        ? diffImages(fields.before, fields.after)
        : [];
    const sensitiveDiffs = diffs.map(
      (diff) => sensitive.has(diff.field) || this.builder.redactor.isSensitiveKey(diff.field),
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
    const draft = this.builder.draft(common, scope, {
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
      attributes['audit.db.params'] = this.builder.redactor.toJson(
        this.redactPositionalParams(fields.params, fields.query),
        this.builder.payloadLimits.params,
        sensitive,
      );
    }
    if (present(fields.affectedRows)) attributes['audit.db.affected_rows'] = fields.affectedRows;
    if (present(fields.durationMs)) attributes['audit.duration_ms'] = fields.durationMs;
    if (present(fields.transactionId)) attributes['audit.db.transaction_id'] = fields.transactionId;
    if (fields.before) {
      attributes['audit.db.before'] = this.builder.redactor.toJson(
        fields.before,
        this.builder.payloadLimits.image,
        sensitive,
      );
    }
    if (fields.after) {
      attributes['audit.db.after'] = this.builder.redactor.toJson(
        fields.after,
        this.builder.payloadLimits.image,
        sensitive,
      );
    }
    setError(attributes, fields.error);
    const description = fields.description ?? `${dbOperation} ${fields.table}${recordSuffix(fields)}`;
    this.builder.emit(AuditEventName.dbOperation, description, draft);

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
        const changeDraft = this.builder.draft(changeFields, scope, {
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
        setApproval(change, fields.approval);
        const { eventId } = this.builder.emit(
          AuditEventName.fieldChange,
          `${diff.changeType} ${fields.table}.${diff.field} of ${recordId}`,
          changeDraft,
        );
        changes.push({ field: diff.field, eventId });
      }
    }
    return { eventId: dbEventId, changes };
  }

  private sensitiveSet(extra: string[] | undefined): ReadonlySet<string> {
    if (!extra?.length) return this.sensitiveFields;
    return new Set([...this.sensitiveFields, ...extra]);
  }

  private protect(value: string | undefined, sensitive: boolean): string | undefined {
    if (value === undefined || !sensitive) return value;
    if (this.encryptionKey) return encryptFieldValue(value, this.encryptionKey);
    return value === '' ? '' : this.builder.redactor.mask;
  }

  /**
   * Positional parameters cannot be matched by name: when the statement names a sensitive column
   * (`SET password = ?`), every string parameter is masked rather than guessing which one it is.
   */
  private redactPositionalParams(params: unknown, query: string | undefined): unknown {
    if (!Array.isArray(params) || query === undefined) return params;
    const identifiers = query.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
    if (!identifiers.some((id) => this.builder.redactor.isSensitiveKey(id))) return params;
    return params.map((p) => (typeof p === 'string' ? this.builder.redactor.mask : p));
  }
}

function recordSuffix(fields: DbOperationFields): string {
  const id = fields.recordId ?? fields.after?.id ?? fields.before?.id;
  return id === undefined ? '' : ` ${valueText(id)}`;
}
