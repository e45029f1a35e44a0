import { apiGet } from '../../api/client';
import { alertsSchema, type AlertInstance } from '../../api/alertSchemas';
import { useAsync, type AsyncState } from '../../hooks/useAsync';
import { useScope } from '../tenant/TenantContext';

/** GET /api/v1/alerts: the tenant's currently firing alert instances. */
export function useFiringAlerts(): AsyncState<AlertInstance[]> {
  const { tenant, key } = useScope();
  return useAsync(
    () =>
      tenant
        ? apiGet('/alerts', alertsSchema, { tenant, state: 'firing' }).then((a) => a.instances)
        : undefined,
    key,
  );
}
