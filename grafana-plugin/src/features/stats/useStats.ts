import { apiGet } from '../../api/client';
import { statsSchema, type Stats } from '../../api/schemas';
import { useAsync, type AsyncState } from '../../hooks/useAsync';
import { useScope } from '../tenant/TenantContext';

/** GET /api/v1/stats for the current tenant and time range. */
export function useStats(): AsyncState<Stats> {
  const { tenant, resolve, key } = useScope();
  return useAsync(() => {
    if (!tenant) return undefined;
    const { fromMs, toMs } = resolve();
    return apiGet('/stats', statsSchema, { tenant, from: fromMs, to: toMs });
  }, key);
}
