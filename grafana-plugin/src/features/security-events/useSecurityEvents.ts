import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  securityEventDetailSchema,
  securityEventPageSchema,
  securityQueueSchema,
  statusChangeSchema,
} from '../../api/alertSchemas';
import { apiGet, apiRequest, type QueryValue } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';
import { useCursorPages } from '../../hooks/useCursorPages';
import type { UrlChanges } from '../url/useUrlParams';

/** The list's filters; each is the exporter's parameter of the same name, and a URL parameter. */
export interface SecurityEventFilters {
  status: string;
  minRisk: string;
  eventType: string;
  user: string;
  detected: string;
  /** The rule that raised the events (one group of the queue, or an incident's link). */
  rule: string;
  /** 'true': still to handle; 'false': closed; '': all. */
  open: string;
}

export const NO_EVENT_FILTERS: SecurityEventFilters = {
  status: '',
  minRisk: '',
  eventType: '',
  user: '',
  detected: '',
  rule: '',
  open: '',
};

const FILTER_NAMES = Object.keys(NO_EVENT_FILTERS) as Array<keyof SecurityEventFilters>;

export function eventFiltersFromUrl(params: URLSearchParams): SecurityEventFilters {
  return Object.fromEntries(
    FILTER_NAMES.map((name) => [name, params.get(name) ?? '']),
  ) as unknown as SecurityEventFilters;
}

export function eventFiltersToUrl(filters: SecurityEventFilters): UrlChanges {
  return Object.fromEntries(FILTER_NAMES.map((name) => [name, filters[name].trim()]));
}

export const hasEventFilter = (filters: SecurityEventFilters) =>
  FILTER_NAMES.some((name) => filters[name] !== '');

/** GET /api/v1/security-events with cursor paging (newest first, each with its current status). */
export function useSecurityEvents(params: Record<string, QueryValue>) {
  return useCursorPages(
    queryKeys.securityEvents(params),
    (cursor) => apiGet('/security-events', securityEventPageSchema, { ...params, limit: 100, cursor }),
    Boolean(params.tenant),
  );
}

/** GET /api/v1/security-events/queue: the triage queue, groups still to handle first. */
export function useSecurityQueue(params: Record<string, QueryValue>) {
  return useQuery({
    queryKey: queryKeys.securityQueue(params),
    queryFn: () =>
      apiGet('/security-events/queue', securityQueueSchema, params).then((answer) => answer.groups),
    enabled: Boolean(params.tenant),
  });
}

/** GET /api/v1/security-events/{id}: one event, its current status and the whole status history. */
export function useSecurityEvent(tenant: string, eventId: string) {
  return useQuery({
    queryKey: queryKeys.securityEvent(tenant, eventId),
    queryFn: () =>
      apiGet(`/security-events/${encodeURIComponent(eventId)}`, securityEventDetailSchema, { tenant }),
    enabled: Boolean(tenant),
  });
}

export interface StatusChange {
  status: string;
  handler?: string;
  result: string;
  falsePositive: boolean;
}

/**
 * POST /api/v1/security-events/{id}/status: appends a status change (admins; history is kept).
 * The queue, the lists and the event are fetched again after it.
 */
export function useChangeStatus(tenant: string, eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: StatusChange) =>
      apiRequest(`/security-events/${encodeURIComponent(eventId)}/status`, statusChangeSchema, {
        method: 'POST',
        params: { tenant },
        body: change,
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.resource('security-events') }),
  });
}
