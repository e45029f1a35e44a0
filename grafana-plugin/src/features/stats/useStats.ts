import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { statsSchema } from '../../api/schemas';
import { useScope } from '../scope/ScopeContext';

/** GET /api/v1/stats for the current tenant and period (the last answer stays while the next loads). */
export function useStats() {
  const { tenant, fromMs, toMs } = useScope();
  const params = { tenant, from: fromMs, to: toMs };
  return useQuery({
    queryKey: queryKeys.stats(params),
    queryFn: () => apiGet('/stats', statsSchema, params),
    enabled: Boolean(tenant),
    placeholderData: keepPreviousData,
  });
}
