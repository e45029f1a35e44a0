import { context as otelContext, trace, type Context, type Span } from '@opentelemetry/api';
import { ATTR_GEN_AI_OPERATION, ATTR_RECORDED_BY_SDK, AuditEventName } from '@auditlens/contract';
import { currentScope } from './audit-context.js';
import { present, setError, type RecordBuilder } from './record-draft.js';
import type { AiRequestFields } from './record-fields.js';
import { resultFromStatus } from './request-rules.js';
import type { RecordedEvent } from './types.js';

const CURRENCY = /^[A-Z]{3}$/;

function checkCount(value: number | undefined, name: string): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0))
    throw new TypeError(`aiRequest: ${name} must be a non-negative integer, got ${value}`);
}

/**
 * The fields an exporter could not store, refused at the call (TypeError naming the field) rather
 * than as a rejected record after delivery, where the application would never see it.
 */
function checkFields(fields: AiRequestFields): void {
  if (!present(fields.provider)) throw new TypeError('aiRequest: provider is required');
  if (!present(fields.operationName)) throw new TypeError('aiRequest: operationName is required');
  checkCount(fields.inputTokens, 'inputTokens');
  checkCount(fields.outputTokens, 'outputTokens');
  if (fields.cost) {
    const { amount, currency } = fields.cost;
    if (!(Number.isFinite(amount) && amount >= 0))
      throw new TypeError(`aiRequest: cost.amount must be a finite number ≥ 0, got ${amount}`);
    if (!CURRENCY.test(currency))
      throw new TypeError(`aiRequest: cost.currency must be an ISO 4217 code like USD, got "${currency}"`);
  }
}

/**
 * A span that GenAI instrumentation created for this same call (it carries
 * `gen_ai.operation.name`) is marked `audit.recorded`, so that the exporter, which audits GenAI
 * spans of applications without the SDK, does not count the call twice. Only the SDK's own
 * (readable) spans expose their attributes; other spans are left alone.
 */
function markGenAiSpan(span: Span | undefined): void {
  const attributes = (span as { attributes?: Record<string, unknown> } | undefined)?.attributes;
  if (span && attributes?.[ATTR_GEN_AI_OPERATION] !== undefined)
    span.setAttribute(ATTR_RECORDED_BY_SDK, true);
}

/** Records one outbound AI / API call (`audit.request` with the GenAI attributes). */
export function recordAiRequest(
  builder: RecordBuilder,
  fields: AiRequestFields,
  ctx?: Context,
): RecordedEvent {
  checkFields(fields);
  const draft = builder.draft(fields, currentScope(), {
    result: fields.error
      ? 'failure'
      : fields.statusCode !== undefined
        ? resultFromStatus(fields.statusCode)
        : 'success',
    riskLevel: 1,
    module: 'AI',
    operation: `${fields.operationName} ${fields.requestModel ?? fields.responseModel ?? ''}`.trim(),
  });
  const attributes = draft.attributes;
  attributes['gen_ai.provider.name'] = fields.provider;
  attributes['gen_ai.operation.name'] = fields.operationName;
  if (present(fields.requestModel)) attributes['gen_ai.request.model'] = fields.requestModel;
  if (present(fields.responseModel)) attributes['gen_ai.response.model'] = fields.responseModel;
  if (present(fields.responseId)) attributes['gen_ai.response.id'] = fields.responseId;
  if (fields.inputTokens !== undefined) attributes['gen_ai.usage.input_tokens'] = fields.inputTokens;
  if (fields.outputTokens !== undefined) attributes['gen_ai.usage.output_tokens'] = fields.outputTokens;
  if (fields.cost) {
    attributes['audit.usage.cost'] = fields.cost.amount;
    attributes['audit.usage.currency'] = fields.cost.currency;
  }
  if (present(fields.serverAddress)) attributes['server.address'] = fields.serverAddress;
  if (present(fields.method)) attributes['http.request.method'] = fields.method;
  if (present(fields.path)) attributes['url.path'] = fields.path;
  if (present(fields.statusCode)) attributes['http.response.status_code'] = fields.statusCode;
  if (fields.durationMs !== undefined) attributes['audit.duration_ms'] = Math.max(0, fields.durationMs);
  setError(attributes, fields.error);
  markGenAiSpan(trace.getSpan(ctx ?? otelContext.active()));
  const model = fields.responseModel ?? fields.requestModel ?? '';
  const tokens =
    fields.inputTokens !== undefined || fields.outputTokens !== undefined
      ? `: ${fields.inputTokens ?? 0} in + ${fields.outputTokens ?? 0} out tokens`
      : '';
  const cost = fields.cost ? `, ${fields.cost.amount} ${fields.cost.currency}` : '';
  const description =
    fields.description ?? `${fields.operationName} ${model} (${fields.provider})${tokens}${cost}`;
  return builder.emit(AuditEventName.request, description, draft, ctx);
}
