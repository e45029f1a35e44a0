import { apiGet, type QueryValue } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { searchPageSchema, type AuditRow } from '../../api/schemas';
import { useCursorPages } from '../../hooks/useCursorPages';
import type { UrlChanges } from '../url/useUrlParams';

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

/**
 * The URL parameter of each filter. They are the exporter's own names, except the trace filter
 * (`traceId`): `trace` opens a trace (the links of the bundled dashboards).
 */
const URL_NAMES: Record<keyof SearchFilters, string> = {
  kinds: 'kinds',
  user: 'user',
  ip: 'ip',
  trace: 'traceId',
  action: 'action',
  result: 'result',
  minRisk: 'minRisk',
  module: 'module',
  service: 'service',
  text: 'text',
};

/** The filters a URL names (a link from a dashboard panel, a shared view, a reload). */
export function filtersFromUrl(params: URLSearchParams): SearchFilters {
  const text = (key: Exclude<keyof SearchFilters, 'kinds'>) => params.get(URL_NAMES[key]) ?? '';
  return {
    kinds: (params.get(URL_NAMES.kinds) ?? '').split(',').filter(Boolean),
    user: text('user'),
    ip: text('ip'),
    trace: text('trace'),
    action: text('action'),
    result: text('result'),
    minRisk: text('minRisk'),
    module: text('module'),
    service: text('service'),
    text: text('text'),
  };
}

/** The URL parameters of the filters (an empty filter removes its parameter). */
export function filtersToUrl(filters: SearchFilters): UrlChanges {
  const changes: UrlChanges = {};
  for (const key of Object.keys(URL_NAMES) as Array<keyof SearchFilters>) {
    const value = filters[key];
    changes[URL_NAMES[key]] = Array.isArray(value) ? value.join(',') : value.trim();
  }
  return changes;
}

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

/** Search with cursor pagination: every page of one search uses the same period (in `params`). */
export function useSearch(params: Record<string, QueryValue>) {
  return useCursorPages(
    queryKeys.search(params),
    (cursor) => fetchSearchPage(params, cursor),
    Boolean(params.tenant),
  );
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
