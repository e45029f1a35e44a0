import { getTimeZone, rangeUtil, type RawTimeRange, type TimeRange, type TimeZone } from '@grafana/data';
import { useQueryClient } from '@tanstack/react-query';
import React, { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';

import { queryKeys } from '../../api/queryKeys';
import { useAppSettings } from '../settings/AppSettingsContext';
import { resolveRange, urlTime } from '../time/time';
import { useUrlParams } from '../url/useUrlParams';

const STORAGE_KEY = 'auditlens-audit-app.tenant';
const DEFAULT_RANGE = { from: 'now-24h', to: 'now' };

/** The URL parameters of the scope shared by every page (Grafana's own names for time). */
export const SCOPE_PARAMS = ['tenant', 'from', 'to', 'timezone', 'refresh'] as const;

export interface Scope {
  /** Tenant every API call is about ('' = none chosen yet; '@system' = system-level records). */
  tenant: string;
  /** The period as in the URL: relative ranges stay relative. */
  range: RawTimeRange;
  /** The period resolved when it was set or last refreshed: every call of a view uses the same. */
  timeRange: TimeRange;
  fromMs: number;
  toMs: number;
  /** The time zone times are shown in: the URL's, else the Grafana user's (their profile's). */
  timeZone: TimeZone;
  /** Auto-refresh interval ("30s"; '' = off). */
  refreshInterval: string;
  setTenant: (tenant: string) => void;
  setRange: (range: RawTimeRange) => void;
  setTimeZone: (timeZone: TimeZone) => void;
  setRefreshInterval: (interval: string) => void;
  /** Resolves a relative period again and fetches every answer again. */
  refresh: () => void;
}

const ScopeContext = createContext<Scope | undefined>(undefined);

function readStoredTenant(): string {
  try {
    return window.localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

function storeTenant(tenant: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, tenant);
  } catch {
    // storage unavailable: the URL still carries the tenant
  }
}

const isRelative = (range: RawTimeRange) => typeof range.to === 'string' && range.to.includes('now');

/**
 * Tenant, period, time zone and auto-refresh of every page, all in the URL (`tenant`, `from`,
 * `to`, `timezone`, `refresh`, as Grafana's dashboards name them), so that a shared link shows
 * the same tenant and period; each change is a history entry (back and forward step through them).
 */
export function ScopeProvider({ children }: { children: React.ReactNode }) {
  const settings = useAppSettings();
  const queryClient = useQueryClient();
  const [params, update] = useUrlParams();
  const tenant = params.get('tenant') ?? (readStoredTenant() || settings.tenants?.[0] || '');
  const from = params.get('from') ?? DEFAULT_RANGE.from;
  const to = params.get('to') ?? DEFAULT_RANGE.to;
  const timeZone = params.get('timezone') || getTimeZone();
  const refreshInterval = params.get('refresh') ?? '';

  // "now" of the period: taken when the period changes, and again on refresh.
  const rangeKey = `${from}|${to}`;
  const [anchor, setAnchor] = useState(() => ({ rangeKey, now: Date.now() }));
  if (anchor.rangeKey !== rangeKey) setAnchor({ rangeKey, now: Date.now() });
  const timeRange = useMemo(() => resolveRange({ from, to }, anchor.now), [from, to, anchor.now]);

  const refresh = useCallback(() => {
    setAnchor({ rangeKey, now: Date.now() });
    void queryClient.invalidateQueries({ queryKey: queryKeys.all });
  }, [rangeKey, queryClient]);

  useEffect(() => {
    if (!refreshInterval || !isRelative(timeRange.raw)) return;
    let ms: number;
    try {
      ms = rangeUtil.intervalToMs(refreshInterval);
    } catch {
      return;
    }
    const timer = setInterval(refresh, Math.max(ms, 5000));
    return () => clearInterval(timer);
  }, [refreshInterval, timeRange.raw, refresh]);

  const value = useMemo<Scope>(
    () => ({
      tenant,
      range: timeRange.raw,
      timeRange,
      fromMs: timeRange.from.valueOf(),
      toMs: timeRange.to.valueOf(),
      timeZone,
      refreshInterval,
      setTenant: (next) => {
        storeTenant(next);
        update({ tenant: next });
      },
      setRange: (next) => update({ from: urlTime(next.from), to: urlTime(next.to) }),
      setTimeZone: (next) => update({ timezone: next }),
      setRefreshInterval: (next) => update({ refresh: next }, { replace: true }),
      refresh,
    }),
    [tenant, timeRange, timeZone, refreshInterval, update, refresh],
  );
  return <ScopeContext.Provider value={value}>{children}</ScopeContext.Provider>;
}

export function useScope(): Scope {
  const scope = useContext(ScopeContext);
  if (!scope) throw new Error('useScope must be used inside <ScopeProvider>');
  return scope;
}
