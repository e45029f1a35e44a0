import {
  context,
  isSpanContextValid,
  trace,
  type HrTime,
  type SpanContext,
  type TimeInput,
} from '@opentelemetry/api';
import type { LogAttributes, LogBody, Logger, LogRecord, SeverityNumber } from '@opentelemetry/api-logs';
import { millisToHrTime, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** Where finished records go: the durable processor (see DurableLogRecordProcessor). */
export interface RecordSink {
  onEmit(record: ReadableLogRecord): void;
  /** True once shutdown has begun: records are ignored from then on. */
  isShutdown(): boolean;
}

/** The OTel SDK's default attribute count limit (our LoggerProvider sets no other). */
const ATTRIBUTE_COUNT_LIMIT = 128;
/** Numbers from here on are epoch milliseconds to the SDK, smaller ones performance.now() readings. */
const EPOCH_MILLIS_FROM = performance.timeOrigin / 2;

/** A finished record, read by the processor and the OTLP serializers (one shape for all records). */
class DirectLogRecord implements ReadableLogRecord {
  readonly droppedAttributesCount = 0;
  constructor(
    readonly hrTime: HrTime,
    readonly hrTimeObserved: HrTime,
    readonly spanContext: SpanContext | undefined,
    readonly severityText: string | undefined,
    readonly severityNumber: SeverityNumber | undefined,
    readonly body: LogBody | undefined,
    readonly eventName: string | undefined,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    readonly attributes: LogAttributes,
  ) {}
}

/**
 * The recorder's logger: turns each record into a finished OTel log record and hands it to the
 * durable processor, the only processor of the client's LoggerProvider, as that provider's own
 * Logger would, with the same fields, trace context and timestamps, so the OTLP bytes are the same.
 *
 * What it skips is the SDK Logger's copy of the attributes: the SDK copies every attribute into a
 * new object, validating each value on the way (a WeakSet per value) and applying the limits, which
 * is most of what a plain `logger.emit` costs. The recorder builds a fresh attributes object for
 * every record and never touches it after emitting, so here it is adopted as it is, after a cheap
 * check that the SDK's copy would change nothing: every value a scalar, null or undefined, or an
 * array of those (copied, as the SDK copies arrays, since it may be the caller's), at most 128 of
 * them (the SDK's default limit; the client's provider sets none), no empty key. A record failing
 * the check (a custom attribute holding an object or bytes, too many attributes), or carrying an
 * exception, goes through the SDK's Logger instead, so its validation and limits apply exactly.
 *
 * After the provider has begun shutting down (which shuts the processor down), records are
 * ignored, as the SDK's Logger ignores them.
 */
export class DirectLogger implements Logger {
  private readonly instrumentationScope: InstrumentationScope;

  constructor(
    private readonly processor: RecordSink,
    private readonly resource: Resource,
    /** The provider's own Logger of the same name and version. */
    private readonly sdkLogger: Logger,
    name: string,
    version: string,
  ) {
    // As the SDK's LoggerProvider builds it; one object, so every record groups under one scope.
    this.instrumentationScope = { name, version, schemaUrl: undefined };
  }

  emit(logRecord: LogRecord): void {
    if (this.processor.isShutdown()) return;
    const attributes = logRecord.attributes ?? {};
    if (logRecord.exception !== undefined || !adoptable(attributes)) {
      this.sdkLogger.emit(logRecord);
      return;
    }
    const { timestamp, observedTimestamp } = logRecord;
    const now = timestamp === undefined || observedTimestamp === undefined ? Date.now() : 0;
    const hrTime = toHrTime(timestamp ?? now);
    const spanContext = trace.getSpanContext(logRecord.context ?? context.active());
    this.processor.onEmit(
      new DirectLogRecord(
        hrTime,
        observedTimestamp !== undefined && observedTimestamp === timestamp
          ? hrTime
          : toHrTime(observedTimestamp ?? now),
        spanContext && isSpanContextValid(spanContext) ? spanContext : undefined,
        logRecord.severityText,
        logRecord.severityNumber,
        logRecord.body,
        logRecord.eventName,
        this.resource,
        this.instrumentationScope,
        attributes,
      ),
    );
  }

  enabled(options?: Parameters<Logger['enabled']>[0]): boolean {
    return this.sdkLogger.enabled(options);
  }
}

/** As the SDK's `timeInputToHrTime`, without reading `performance.timeOrigin` for every record. */
function toHrTime(time: TimeInput): HrTime {
  return typeof time === 'number' && time >= EPOCH_MILLIS_FROM
    ? millisToHrTime(time)
    : timeInputToHrTime(time);
}

/**
 * True when the SDK's validating copy of `attributes` would equal them (after copying their
 * arrays in place, as that copy does).
 */
function adoptable(attributes: LogAttributes): boolean {
  let count = 0;
  for (const key in attributes) {
    if (key === '' || ++count > ATTRIBUTE_COUNT_LIMIT) return false;
    const value = attributes[key];
    if (value === null || value === undefined) continue;
    const type = typeof value;
    if (type === 'string' || type === 'number' || type === 'boolean') continue;
    if (!Array.isArray(value) || !value.every(isScalar)) return false;
    attributes[key] = value.slice();
  }
  return true;
}

function isScalar(value: unknown): boolean {
  const type = typeof value;
  return (
    value === null || value === undefined || type === 'string' || type === 'number' || type === 'boolean'
  );
}
