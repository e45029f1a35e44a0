import { ATTR_GEN_AI_OPERATION, ATTR_RECORDED_BY_SDK } from '@auditlens/contract';
import { attributesToMap, bytesToHex, millisBetween, nanosToMillis, valueToText } from '../otlp/values.js';
import { SPAN_KIND_SERVER, STATUS_CODE_ERROR, type TracesRequest } from '../otlp/schema.js';
import { deriveRequestRisk, deriveResult } from './derive.js';
import { derivedUuid } from './ids.js';
import type { MappedBatch, TenantContext } from './mapped-batch.js';
import { buildRow, type RowLimits } from './row.js';
import { recordTenant, resourceOrReject } from './resource.js';
import { DEFAULT_REDACTOR, type RecordRedactor } from './redaction.js';

/**
 * Maps HTTP server spans (stable HTTP semantic conventions: kind SERVER with
 * `http.request.method`) and GenAI spans (GenAI semantic conventions: any span with
 * `gen_ai.operation.name`, usually a CLIENT span per model call) to audit_request_log rows, so any
 * OTel-instrumented service gets request and AI-usage audit without code changes, its attributes
 * masked with the redaction list (the SDK did not see them). Every other span is skipped.
 */
export function mapTracesRequest(
  request: TracesRequest,
  limits: RowLimits,
  tenant: TenantContext,
  redactor: RecordRedactor = DEFAULT_REDACTOR,
): MappedBatch {
  const batch: MappedBatch = { rows: [], rejections: [], skipped: 0 };
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = resourceOrReject(resourceSpans.resource, batch, () =>
      (resourceSpans.scopeSpans ?? []).reduce((n, s) => n + (s.spans?.length ?? 0), 0),
    );
    if (!resource) continue;
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        try {
          const attributes = attributesToMap(span.attributes);
          const method = attributes.get('http.request.method') ?? attributes.get('http.method');
          const httpServer = span.kind === SPAN_KIND_SERVER && method !== undefined;
          const genAi = attributes.has(ATTR_GEN_AI_OPERATION);
          if ((!httpServer && !genAi) || attributes.get(ATTR_RECORDED_BY_SDK) === true) {
            batch.skipped++;
            continue;
          }
          redactor.redact(attributes);
          const traceId = bytesToHex(span.traceId);
          const spanId = bytesToHex(span.spanId);
          const startMs = nanosToMillis(span.startTimeUnixNano);
          const durationMs = millisBetween(span.startTimeUnixNano, span.endTimeUnixNano);
          if (httpServer && !attributes.has('url.path'))
            attributes.set('url.path', attributes.get('http.target') ?? attributes.get('http.route') ?? '/');
          if (!attributes.has('audit.duration_ms') && durationMs >= 0)
            attributes.set('audit.duration_ms', durationMs);
          if (span.status?.code === STATUS_CODE_ERROR && !attributes.has('error.type'))
            attributes.set('error.type', '_OTHER');
          if (span.status?.message && !attributes.has('audit.error.message'))
            attributes.set('audit.error.message', span.status.message);
          const status = Number(
            attributes.get('http.response.status_code') ?? attributes.get('http.status_code') ?? 0,
          );
          batch.rows.push(
            buildRow(
              {
                kind: 'request',
                tenantId: recordTenant(attributes, resource, tenant),
                eventId: derivedUuid('span', traceId, spanId),
                eventTimeMs: startMs,
                traceId,
                spanId,
                parentSpanId: bytesToHex(span.parentSpanId),
                description: span.name ?? '',
                resource,
              },
              attributes,
              limits,
              {
                result: deriveResult(attributes),
                risk_level: httpServer
                  ? deriveRequestRisk(
                      valueToText(method ?? ''),
                      valueToText(attributes.get('url.path') ?? ''),
                      status,
                    )
                  : 1,
                operation_name: span.name ?? '',
              },
            ),
          );
        } catch (error) {
          batch.rejections.push({
            reason: 'invalid_field',
            message: `span ${span.name ?? ''}: ${(error as Error).message}`,
          });
        }
      }
    }
  }
  return batch;
}
