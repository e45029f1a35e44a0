import {
  anyValueToJs,
  attributesToMap,
  bytesToHex,
  nanosToMillis,
  valueToText,
  type AttributeValue,
} from '../otlp/values.js';
import type { LogsRequest } from '../otlp/schema.js';
import { deriveResult } from './derive.js';
import { convertField } from './fields.js';
import { buildRow, type RowLimits } from './row.js';
import { recordTenant, resourceOrReject } from './resource.js';
import { derivedUuid } from './ids.js';
import { kindOfEventName } from './kinds.js';
import type { MappedBatch, TenantContext } from './mapped-batch.js';
import { DEFAULT_REDACTOR, type RecordRedactor } from './redaction.js';
import { SDK_SCOPE_NAME } from '@auditlens/contract';

function errorReason(error: Error): string {
  return error.name === 'AttributeError' || error.name === 'FieldError' ? 'invalid_field' : 'invalid_record';
}

/**
 * Maps every LogRecord with an audit EventName to a row; a bad record is rejected on its own.
 * Records not from the SDK (another instrumentation scope) are masked with the redaction list first.
 */
export function mapLogsRequest(
  request: LogsRequest,
  limits: RowLimits,
  tenant: TenantContext,
  redactor: RecordRedactor = DEFAULT_REDACTOR,
): MappedBatch {
  const batch: MappedBatch = { rows: [], rejections: [], skipped: 0 };
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = resourceOrReject(resourceLogs.resource, batch, () =>
      (resourceLogs.scopeLogs ?? []).reduce((n, s) => n + (s.logRecords?.length ?? 0), 0),
    );
    if (!resource) continue;
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      const fromSdk = scopeLogs.scope?.name === SDK_SCOPE_NAME;
      for (const record of scopeLogs.logRecords ?? []) {
        const kind = kindOfEventName(record.eventName ?? '');
        if (!kind) {
          batch.skipped++;
          continue;
        }
        try {
          if (kind === 'access') {
            throw new Error(
              'audit.access records are written by the exporter itself, not accepted over OTLP',
            );
          }
          const attributes = attributesToMap(record.attributes);
          if (!fromSdk) redactor.redact(attributes);
          const traceId = bytesToHex(record.traceId);
          const spanId = bytesToHex(record.spanId);
          const eventTimeMs =
            nanosToMillis(record.timeUnixNano) || nanosToMillis(record.observedTimeUnixNano);
          const description = valueToText(anyValueToJs(record.body, 'body'));
          const uid = attributes.get('log.record.uid');
          const row = buildRow(
            {
              kind,
              tenantId: recordTenant(attributes, resource, tenant),
              eventId:
                uid === undefined
                  ? derivedUuid(
                      record.eventName ?? '',
                      traceId,
                      spanId,
                      String(eventTimeMs),
                      description,
                      canonicalAttributes(attributes),
                    )
                  : (convertField('uuid', uid, 'log.record.uid') as string),
              eventTimeMs,
              traceId,
              spanId,
              parentSpanId: '',
              description,
              resource,
            },
            attributes,
            limits,
            { result: deriveResult(attributes) },
          );
          batch.rows.push(row);
        } catch (error) {
          batch.rejections.push({
            reason: errorReason(error as Error),
            message: `${record.eventName} record: ${(error as Error).message}`,
          });
        }
      }
    }
  }
  return batch;
}

/** Attributes in a stable order, for hashing into a derived event id. */
function canonicalAttributes(attributes: ReadonlyMap<string, AttributeValue>): string {
  return JSON.stringify(
    [...attributes.keys()].sort().map((key) => [key, valueToText(attributes.get(key) ?? null)]),
  );
}
