import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { usageSchema } from '../../api/schemas';
import { useScope } from '../scope/ScopeContext';

export interface UsageFilters {
  user: string;
  model: string;
  provider: string;
}

/** GET /api/v1/stats/usage for the current tenant and period, with the page's filters. */
export function useUsage(filters: UsageFilters) {
  const { tenant, fromMs, toMs } = useScope();
  const params = { tenant, from: fromMs, to: toMs, ...filters };
  return useQuery({
    queryKey: queryKeys.usage(params),
    queryFn: () => apiGet('/stats/usage', usageSchema, params),
    enabled: Boolean(tenant),
    placeholderData: keepPreviousData,
  });
}
