import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { useMemo } from 'react';

/** One page of a keyset-paged exporter list (GET /search, GET /security-events). */
export interface CursorPage<Row> {
  rows: Row[];
  nextCursor: string | null;
}

export interface CursorPages<Row> {
  rows: Row[];
  /** The first page, or the next one, is being fetched. */
  loading: boolean;
  error: unknown;
  /** More rows exist (the last page's cursor); there is no cap on how many pages. */
  hasMore: boolean;
  loadMore: () => void;
}

/**
 * The rows of a cursor-paged list: the first page loads when `key` changes (its parameters are in
 * the key, so a page of another query is never appended), each loadMore() appends the next one.
 * The one paging hook of the app, on TanStack Query's infinite queries.
 */
export function useCursorPages<Row>(
  key: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<Row>>,
  enabled = true,
): CursorPages<Row> {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((page) => page.rows) ?? [], [query.data]);
  return {
    rows,
    loading: query.isFetching,
    error: query.error ?? undefined,
    hasMore: query.hasNextPage,
    loadMore: () => {
      if (query.hasNextPage && !query.isFetching) void query.fetchNextPage();
    },
  };
}
