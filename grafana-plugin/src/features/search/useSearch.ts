import { useCallback, useEffect, useRef, useState } from 'react';

import { apiGet, type QueryValue } from '../../api/client';
import { searchPageSchema, type AuditRow } from '../../api/schemas';

export interface SearchFilters {
  kinds: string[];
  user: string;
  ip: string;
  trace: string;
  action: string;
  result: string;
  minRisk: string;
  module: string;
  service: string;
  text: string;
}

export const EMPTY_FILTERS: SearchFilters = {
  kinds: [],
  user: '',
  ip: '',
  trace: '',
  action: '',
  result: '',
  minRisk: '',
  module: '',
  service: '',
  text: '',
};

export const PAGE_SIZE = 100;

export function searchParams(
  tenant: string,
  fromMs: number,
  toMs: number,
  filters: SearchFilters,
): Record<string, QueryValue> {
  return {
    tenant,
    from: fromMs,
    to: toMs,
    kinds: filters.kinds.join(','),
    user: filters.user.trim(),
    ip: filters.ip.trim(),
    trace: filters.trace.trim(),
    action: filters.action.trim(),
    result: filters.result,
    minRisk: filters.minRisk,
    module: filters.module.trim(),
    service: filters.service.trim(),
    text: filters.text.trim(),
  };
}

/** Fetches one page of GET /api/v1/search. */
export function fetchSearchPage(
  params: Record<string, QueryValue>,
  cursor?: string | null,
  limit = PAGE_SIZE,
) {
  return apiGet('/search', searchPageSchema, { ...params, limit, cursor: cursor ?? undefined });
}

export interface SearchState {
  rows: AuditRow[];
  loading: boolean;
  error: unknown;
  /** More rows exist (keyset cursor from the last page); there is no cap on how many pages. */
  hasMore: boolean;
  loadMore: () => void;
}

/**
 * Search with cursor pagination: the first page loads when the query changes, each loadMore()
 * appends the next page. Answers to superseded queries are dropped.
 */
export function useSearch(params: Record<string, QueryValue> | undefined, key: string): SearchState {
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const generation = useRef(0);
  const paramsRef = useRef(params);
  paramsRef.current = params;

  const load = useCallback((from: string | null, append: boolean) => {
    const current = paramsRef.current;
    const id = append ? generation.current : ++generation.current;
    if (!current) {
      setRows([]);
      setCursor(null);
      setLoading(false);
      return;
    }
    setLoading(true);
    setError(undefined);
    fetchSearchPage(current, from).then(
      (page) => {
        if (id !== generation.current) return;
        setRows((previous) => (append ? [...previous, ...page.rows] : page.rows));
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (failure: unknown) => {
        if (id !== generation.current) return;
        if (!append) setRows([]);
        setError(failure);
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => load(null, false), [key, load]);

  return {
    rows,
    loading,
    error,
    hasMore: cursor !== null,
    loadMore: () => {
      if (cursor && !loading) load(cursor, true);
    },
  };
}

/** Every row matching the query, page after page until the cursor runs out (for CSV export). */
export async function fetchAllRows(
  params: Record<string, QueryValue>,
  onProgress?: (rows: number) => void,
): Promise<AuditRow[]> {
  const all: AuditRow[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetchSearchPage(params, cursor, 1000);
    all.push(...page.rows);
    onProgress?.(all.length);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}
