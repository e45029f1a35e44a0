import { apiGet } from '../../api/client';
import { recordSchema, traceChainSchema, type AuditRecord, type TraceChain } from '../../api/schemas';
import { useAsync, type AsyncState } from '../../hooks/useAsync';

/** GET /api/v1/records/{kind}/{eventId}: every column of one record. */
export function useRecord(tenant: string, kind: string, eventId: string): AsyncState<AuditRecord> {
  return useAsync(
    () =>
      apiGet(`/records/${encodeURIComponent(kind)}/${encodeURIComponent(eventId)}`, recordSchema, {
        tenant,
      }),
    `${tenant}|${kind}|${eventId}`,
  );
}

/** GET /api/v1/traces/{traceId}: the request → db operations → field changes → security chain. */
export function useTrace(tenant: string, traceId: string): AsyncState<TraceChain> {
  return useAsync(
    () => apiGet(`/traces/${encodeURIComponent(traceId)}`, traceChainSchema, { tenant }),
    `${tenant}|${traceId}`,
  );
}
