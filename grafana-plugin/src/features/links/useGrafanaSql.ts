import { useQuery } from '@tanstack/react-query';

import { apiGet } from '../../api/client';
import { queryKeys, type CallParams } from '../../api/queryKeys';
import { grafanaSqlSchema } from '../../api/schemas';

/** The paths that answer a view's equivalent ClickHouse SQL (the exporter writes it, from its own query). */
export type SqlPath = '/search/sql' | '/stats/sql' | '/security-events/sql';

/** The equivalent ClickHouse SQL of a view, for its "Open in Explore" link. */
export function useGrafanaSql(path: SqlPath, params: CallParams) {
  return useQuery({
    queryKey: queryKeys.grafanaSql(path, params),
    queryFn: () => apiGet(path, grafanaSqlSchema, params),
    enabled: Boolean(params.tenant),
  });
}
