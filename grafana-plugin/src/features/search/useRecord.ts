import { useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { recordSchema, traceChainSchema } from '../../api/schemas';

/** GET /api/v1/records/{kind}/{eventId}: every column of one record. */
export function useRecord(tenant: string, kind: string, eventId: string) {
  return useQuery({
    queryKey: queryKeys.record(tenant, kind, eventId),
    queryFn: () =>
      apiGet(`/records/${encodeURIComponent(kind)}/${encodeURIComponent(eventId)}`, recordSchema, { tenant }),
  });
}

/** GET /api/v1/traces/{traceId}: the request → db operations → field changes → security chain. */
export function useTrace(tenant: string, traceId: string) {
  return useQuery({
    queryKey: queryKeys.trace(tenant, traceId),
    queryFn: () => apiGet(`/traces/${encodeURIComponent(traceId)}`, traceChainSchema, { tenant }),
    enabled: Boolean(tenant),
  });
}
