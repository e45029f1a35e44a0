import { useCallback, useEffect, useRef, useState } from 'react';

import { apiGet, apiRequest, type QueryValue } from '../../api/client';
import {
  securityEventDetailSchema,
  securityEventPageSchema,
  statusChangeSchema,
  type SecurityEvent,
  type SecurityEventDetail,
} from '../../api/alertSchemas';
import { useAsync, type AsyncState } from '../../hooks/useAsync';

export interface SecurityEventFilters {
  status: string;
  minRisk: string;
  eventType: string;
  user: string;
  detected: string;
}

export const NO_EVENT_FILTERS: SecurityEventFilters = {
  status: '',
  minRisk: '',
  eventType: '',
  user: '',
  detected: '',
};

/** GET /api/v1/security-events with cursor paging (newest first, each with its current status). */
export function useSecurityEvents(params: Record<string, QueryValue> | undefined, key: string) {
  const [rows, setRows] = useState<SecurityEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(undefined);
  const generation = useRef(0);
  const paramsRef = useRef(params);
  paramsRef.current = params;

  const load = useCallback((from: string | null, append: boolean) => {
    const current = paramsRef.current;
    const id = append ? generation.current : ++generation.current;
    if (!current) return;
    setLoading(true);
    setError(undefined);
    apiGet('/security-events', securityEventPageSchema, {
      ...current,
      limit: 100,
      cursor: from ?? undefined,
    }).then(
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
    loadMore: () => cursor && !loading && load(cursor, true),
    reload: () => load(null, false),
  };
}

/** GET /api/v1/security-events/{id}: one event, its current status and the whole status history. */
export function useSecurityEvent(
  tenant: string,
  eventId: string,
  tick: number,
): AsyncState<SecurityEventDetail> {
  return useAsync(
    () => apiGet(`/security-events/${encodeURIComponent(eventId)}`, securityEventDetailSchema, { tenant }),
    `${tenant}|${eventId}|${tick}`,
  );
}

export interface StatusChange {
  status: string;
  handler?: string;
  result: string;
  falsePositive: boolean;
}

/** POST /api/v1/security-events/{id}/status: appends a status change (admins; history is kept). */
export function changeStatus(tenant: string, eventId: string, change: StatusChange) {
  return apiRequest(`/security-events/${encodeURIComponent(eventId)}/status`, statusChangeSchema, {
    method: 'POST',
    params: { tenant },
    body: change,
  });
}
