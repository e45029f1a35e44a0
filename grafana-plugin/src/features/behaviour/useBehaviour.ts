import { keepPreviousData, useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { profileSchema, suspiciousSchema, userLookupSchema } from '../../api/behaviourSchemas';
import { queryKeys } from '../../api/queryKeys';
import { useScope } from '../scope/ScopeContext';

/** GET /api/v1/behaviour/profile for one user, the current tenant and period. */
export function useProfile(user: string, peers: string) {
  const { tenant, fromMs, toMs } = useScope();
  const params = { tenant, user, peers, from: fromMs, to: toMs };
  return useQuery({
    queryKey: queryKeys.profile(params),
    queryFn: () => apiGet('/behaviour/profile', profileSchema, params),
    enabled: Boolean(tenant && user),
    placeholderData: keepPreviousData,
  });
}

/** GET /api/v1/behaviour/suspicious for the current tenant and period (optionally one user). */
export function useSuspicious(filters: { user: string; minScore: string }) {
  const { tenant, fromMs, toMs } = useScope();
  const params = { tenant, user: filters.user, minScore: filters.minScore, from: fromMs, to: toMs };
  return useQuery({
    queryKey: queryKeys.suspicious(params),
    queryFn: () => apiGet('/behaviour/suspicious', suspiciousSchema, params),
    enabled: Boolean(tenant),
    placeholderData: keepPreviousData,
  });
}

/** GET /api/v1/behaviour/users: the users of the current tenant and period whose id or name contains `text`. */
export function useUserLookup(text: string) {
  const { tenant, fromMs, toMs } = useScope();
  const params = { tenant, q: text, from: fromMs, to: toMs };
  return useQuery({
    queryKey: queryKeys.users(params),
    queryFn: () => apiGet('/behaviour/users', userLookupSchema, params),
    enabled: Boolean(tenant && text),
  });
}
