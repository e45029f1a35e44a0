import { config, setBackendSrv } from '@grafana/runtime';
import { act, fireEvent, render, waitFor, type RenderResult } from '@testing-library/react';
import React from 'react';
import {
  MemoryRouter,
  Route,
  Routes,
  useLocation,
  useNavigate,
  type NavigateFunction,
} from 'react-router-dom';

import { QueryClientProvider } from '@tanstack/react-query';

import { createQueryClient } from '../api/queryClient';
import { ACTIONS, type Action, type AppJsonData } from '../constants';
import { ScopeProvider } from '../features/scope/ScopeContext';
import { AppSettingsProvider } from '../features/settings/AppSettingsContext';
import { setDataSources } from './datasources';
import { createFetchBackendSrv } from './fetchBackendSrv';

export const READER: Action[] = [ACTIONS.read, ACTIONS.reportsCreate];
export const ADMIN: Action[] = Object.values(ACTIONS);

/** Gives the signed-in user exactly these RBAC actions. */
export function grant(actions: Action[]): void {
  const user = (config.bootData.user ?? {}) as typeof config.bootData.user;
  user.permissions = Object.fromEntries(actions.map((a) => [a, true]));
  config.bootData.user = user;
}

/**
 * Renders a page as Grafana would: a fresh query cache, app settings, tenant scope, a router at the
 * page's URL (its location is written to `location` after every navigation), and the runtime's
 * backend service doing real HTTP (answered by msw).
 */
export function renderPage(
  element: React.ReactElement,
  {
    actions = ADMIN,
    tenant = 'acme',
    settings = { exporterUrl: 'http://exporter:8080', tenants: ['acme', 'globex'] },
    path = '/a/auditlens-audit-app/page',
    route = '/a/auditlens-audit-app/*',
  }: { actions?: Action[]; tenant?: string; settings?: AppJsonData; path?: string; route?: string } = {},
): RenderResult & { location: () => URL; navigate: NavigateFunction } {
  setBackendSrv(createFetchBackendSrv(window.location.origin + '/'));
  setDataSources();
  grant(actions);
  const url = tenant ? `${path}${path.includes('?') ? '&' : '?'}tenant=${encodeURIComponent(tenant)}` : path;
  window.localStorage.clear();
  const current: Probe = { href: url, navigate: () => undefined };
  const result = render(
    <QueryClientProvider client={createQueryClient()}>
      <MemoryRouter initialEntries={[url]}>
        <LocationProbe current={current} />
        <AppSettingsProvider settings={settings}>
          <ScopeProvider>
            <Routes>
              <Route path={route} element={element} />
            </Routes>
          </ScopeProvider>
        </AppSettingsProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return {
    ...result,
    location: () => new URL(current.href, 'http://grafana.test'),
    navigate: ((to: never, options?: never) => act(() => current.navigate(to, options))) as NavigateFunction,
  };
}

interface Probe {
  href: string;
  navigate: NavigateFunction;
}

/** Keeps the router's current location, and its navigate (back, forward), where a test can use them. */
function LocationProbe({ current }: { current: Probe }) {
  const location = useLocation();
  current.navigate = useNavigate();
  current.href = `${location.pathname}${location.search}`;
  return null;
}

/**
 * Clicks a control in a cell of Grafana's table until `effect` holds: the table remounts its rows
 * once after its first layout, and a click on a row being replaced is lost.
 */
export async function clickInTable(find: () => HTMLElement, effect: () => void): Promise<void> {
  await waitFor(() => {
    fireEvent.click(find());
    effect();
  });
}
