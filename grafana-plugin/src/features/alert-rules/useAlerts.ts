import { useQuery } from '@tanstack/react-query';

import { incidentsSchema } from '../../api/alertSchemas';
import { apiGet } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { useScope } from '../scope/ScopeContext';

/** GET /api/v1/alerts/incidents: what fires for the tenant now, one incident per rule, newest first. */
export function useIncidents() {
  const { tenant } = useScope();
  return useQuery({
    queryKey: queryKeys.incidents(tenant),
    queryFn: () =>
      apiGet('/alerts/incidents', incidentsSchema, { tenant }).then((answer) => answer.incidents),
    enabled: Boolean(tenant),
  });
}
