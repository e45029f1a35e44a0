import { useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { storageGrowthSchema } from '../../api/complianceSchemas';
import { queryKeys } from '../../api/queryKeys';

/** GET /api/v1/storage/growth for the tenant (or `*`: with the disk forecast) and period. */
export const useStorageGrowth = (tenant: string, fromMs: number, toMs: number) =>
  useQuery({
    queryKey: queryKeys.storageGrowth(tenant, fromMs, toMs),
    queryFn: () => apiGet('/storage/growth', storageGrowthSchema, { tenant, from: fromMs, to: toMs }),
    enabled: Boolean(tenant),
  });
