import type { Logger } from '../logger.js';
import type { ExporterMetrics } from '../metrics.js';
import { IngestPipeline, QueueFullError } from './pipeline.js';
import { mapLogsRequest } from '../mapping/log-records.js';
import type { MappedBatch, Rejection } from '../mapping/mapped-batch.js';
import { mapTracesRequest } from '../mapping/http-spans.js';
import type { RecordRedactor } from '../mapping/redaction.js';
import type { RowLimits } from '../mapping/row.js';
import { StoreUnavailableError } from '../store/store.js';
import { mayWrite, type IngestGrant } from './grants.js';
import { decodeLogsRequest, decodeTracesRequest, DecodeError, type Encoding } from '../otlp/decode.js';
import type { PartialSuccess, Signal } from '../otlp/response.js';

/** What became of one export request, independent of the transport (HTTP or gRPC). */
export type ExportOutcome =
  | { kind: 'accepted'; partial: PartialSuccess | undefined }
  | { kind: 'invalid'; message: string }
  | { kind: 'overloaded'; message: string }
  | { kind: 'unavailable'; message: string };

export interface ExportHandlerOptions {
  pipeline: IngestPipeline;
  metrics: ExporterMetrics;
  logger: Logger;
  limits: RowLimits;
  spansAsRequests: boolean;
  /** Masks records that did not come from the SDK (AUDITLENS_REDACT_KEYS, _EXTRA_KEYS). */
  redactor: RecordRedactor;
}

/** partial_success.error_message stays readable and bounded: the first few reasons, then a count. */
const MAX_LISTED_REJECTIONS = 10;

function rejectionMessage(rejections: readonly Rejection[]): string {
  const listed = rejections.slice(0, MAX_LISTED_REJECTIONS).map((r) => r.message.slice(0, 400));
  const more = rejections.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

function countSpans(request: ReturnType<typeof decodeTracesRequest>): number {
  return (request.resourceSpans ?? []).reduce(
    (n, rs) => n + (rs.scopeSpans ?? []).reduce((m, ss) => m + (ss.spans?.length ?? 0), 0),
    0,
  );
}

/**
 * The OTLP export operation: decode, map to audit rows, check each row's tenant against the
 * sender's grant, commit. Resolves once every accepted row is committed.
 */
export class OtlpExportHandler {
  constructor(private readonly options: ExportHandlerOptions) {}

  private map(signal: Signal, body: Uint8Array, encoding: Encoding, grant: IngestGrant): MappedBatch {
    const tenant = { defaultTenant: grant.defaultTenant };
    const { limits, spansAsRequests, redactor } = this.options;
    if (signal === 'logs') return mapLogsRequest(decodeLogsRequest(body, encoding), limits, tenant, redactor);
    const traces = decodeTracesRequest(body, encoding);
    return spansAsRequests
      ? mapTracesRequest(traces, limits, tenant, redactor)
      : { rows: [], rejections: [], skipped: countSpans(traces) };
  }

  async export(
    signal: Signal,
    body: Uint8Array,
    encoding: Encoding,
    grant: IngestGrant,
  ): Promise<ExportOutcome> {
    const { metrics, pipeline, logger } = this.options;
    let batch: MappedBatch;
    try {
      batch = this.map(signal, body, encoding, grant);
    } catch (error) {
      if (error instanceof DecodeError) return { kind: 'invalid', message: error.message };
      if (error instanceof RangeError)
        return { kind: 'invalid', message: `request too deeply nested: ${error.message}` };
      throw error;
    }
    const allowed = batch.rows.filter((row) => {
      if (mayWrite(grant, row.tenantId)) return true;
      batch.rejections.push({
        reason: 'tenant_not_allowed',
        message: `${row.kind} record for tenant "${row.tenantId}" is not allowed for this token`,
      });
      return false;
    });
    for (const row of allowed) metrics.received.inc({ signal, kind: row.kind });
    if (batch.skipped > 0) metrics.skipped.inc({ signal }, batch.skipped);

    try {
      const result = await pipeline.ingest(allowed);
      const rejections = [...batch.rejections, ...result.rejected];
      for (const r of rejections) metrics.rejected.inc({ reason: r.reason });
      if (rejections.length === 0) return { kind: 'accepted', partial: undefined };
      logger.warn({ signal, rejected: rejections.length, first: rejections[0]?.message }, 'records rejected');
      return {
        kind: 'accepted',
        partial: { rejected: rejections.length, message: rejectionMessage(rejections) },
      };
    } catch (error) {
      if (error instanceof QueueFullError) return { kind: 'overloaded', message: error.message };
      if (error instanceof StoreUnavailableError) {
        logger.error({ signal, err: error.message }, 'store unavailable; sender told to retry');
        return { kind: 'unavailable', message: 'audit store unavailable, retry later' };
      }
      throw error;
    }
  }
}
