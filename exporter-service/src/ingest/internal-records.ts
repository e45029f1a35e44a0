import { randomUUID } from 'node:crypto';
import type { IngestPipeline } from './pipeline.js';
import type { AuditAttributeName, AuditKind } from '@auditlens/contract';
import { buildRow } from '../mapping/row.js';
import type { AttributeValue } from '../otlp/values.js';

export interface InternalRecord {
  kind: AuditKind;
  /** '' for system-level records. */
  tenantId: string;
  description: string;
  /**
   * DESIGN §3 attribute names (the contract's, so a misspelt one does not compile), as an SDK
   * would send them, and the exporter's own details under `auditlens.*` (kept in the attributes map).
   */
  attributes: { [name in AuditAttributeName]?: AttributeValue } & {
    [detail: `auditlens.${string}`]: AttributeValue;
  };
}

const EXPORTER_RESOURCE = new Map<string, AttributeValue>([['service.name', 'auditlens-exporter']]);
const LIMITS = { maxAttributeBytes: 1024 * 1024, maxFutureSkewMs: 60_000 };

/**
 * Audit records the exporter writes about itself and its users (access to audit data, its own
 * start and stop, store outages, configuration changes). They take the same path as received
 * records — validation, deduplication, commit, and whatever listens to commits — and the
 * caller's promise resolves only once they are stored (and rejects when they are not).
 */
export class InternalRecorder {
  constructor(private readonly pipeline: IngestPipeline) {}

  async write(record: InternalRecord): Promise<void> {
    const row = buildRow(
      {
        kind: record.kind,
        tenantId: record.tenantId,
        eventId: randomUUID(),
        eventTimeMs: Date.now(),
        traceId: '',
        spanId: '',
        parentSpanId: '',
        description: record.description,
        resource: EXPORTER_RESOURCE,
      },
      new Map(Object.entries(record.attributes)),
      LIMITS,
    );
    const result = await this.pipeline.ingest([row], { urgent: true });
    // A refused record is not written: the caller must not go on as if it were (DESIGN §5).
    const [refused] = result.rejected;
    if (refused) throw new Error(`the ${record.kind} record was not stored: ${refused.message}`);
  }
}
