import { dateMath, type RawTimeRange, type TimeRange } from '@grafana/data';
import React, { createContext, useCallback, useContext, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

import { useAppSettings } from '../settings/AppSettingsContext';

const STORAGE_KEY = 'auditlens-audit-app.tenant';

export interface ScopeState {
  /** Tenant every API call is about ('' = none chosen yet; '@system' = system-level records). */
  tenant: string;
  setTenant: (tenant: string) => void;
  /** The chosen time range, as typed (relative ranges stay relative). */
  range: RawTimeRange;
  setRange: (range: RawTimeRange) => void;
  /** Resolves the range now, in epoch milliseconds. */
  resolve: () => { fromMs: number; toMs: number };
  /** Changes whenever tenant, range or the refresh counter changes (a dependency key for data hooks). */
  key: string;
  refresh: () => void;
}

const ScopeContext = createContext<ScopeState | undefined>(undefined);

/** Both ends against one clock reading, so that "now-24h" to "now" spans exactly 24 hours. */
function parseRange(range: RawTimeRange, now: number) {
  const at = (end: RawTimeRange['from'], roundUp: boolean) =>
    end ? dateMath.toDateTime(end, { roundUp, now }) : undefined;
  return { from: at(range.from, false), to: at(range.to, true) };
}

export function resolveRange(range: RawTimeRange): { fromMs: number; toMs: number } {
  const now = Date.now();
  const { from, to } = parseRange(range, now);
  const toMs = to?.isValid() ? to.valueOf() : now;
  const fromMs = from?.isValid() ? from.valueOf() : toMs - 86_400_000;
  return { fromMs, toMs };
}

export function toTimeRange(range: RawTimeRange): TimeRange {
  const { from, to } = parseRange(range, Date.now());
  if (!from || !to) throw new Error('invalid time range');
  return { from, to, raw: range };
}

function readStoredTenant(): string {
  try {
    return window.localStorage.getItem(STORAGE_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Tenant and time range shared by the app's pages; the tenant also lives in the URL (?tenant=). */
export function ScopeProvider({ children }: { children: React.ReactNode }) {
  const settings = useAppSettings();
  const [params, setParams] = useSearchParams();
  const [range, setRange] = useState<RawTimeRange>({
    from: params.get('from') ?? 'now-24h',
    to: params.get('to') ?? 'now',
  });
  const [tick, setTick] = useState(0);
  const tenant = params.get('tenant') ?? (readStoredTenant() || settings.tenants?.[0] || '');

  const setTenant = useCallback(
    (next: string) => {
      try {
        window.localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // storage unavailable: the URL still carries the tenant
      }
      setParams(
        (current) => {
          const copy = new URLSearchParams(current);
          copy.set('tenant', next);
          return copy;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  const value = useMemo<ScopeState>(
    () => ({
      tenant,
      setTenant,
      range,
      setRange,
      resolve: () => resolveRange(range),
      key: `${tenant}|${String(range.from)}|${String(range.to)}|${tick}`,
      refresh: () => setTick((t) => t + 1),
    }),
    [tenant, setTenant, range, tick],
  );
  return <ScopeContext.Provider value={value}>{children}</ScopeContext.Provider>;
}

export function useScope(): ScopeState {
  const scope = useContext(ScopeContext);
  if (!scope) throw new Error('useScope must be used inside <ScopeProvider>');
  return scope;
}
