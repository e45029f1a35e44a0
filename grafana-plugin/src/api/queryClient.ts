import { QueryClient } from '@tanstack/react-query';

/**
 * The app's TanStack Query client (as synthetic-monitoring-app): answers are cached under the
 * shared keys of queryKeys.ts and fetched again when a key changes (tenant, period, filters), when
 * a change invalidates them, or on refresh. A failed call is shown at once, not retried: the error
 * says what to do (api/problems.ts), and asking again would only delay it.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, staleTime: Infinity, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
