import { config, setBackendSrv } from '@grafana/runtime';
import { render, type RenderResult } from '@testing-library/react';
import React from 'react';
import { MemoryRouter } from 'react-router-dom';

import { ACTIONS, type Action, type AppJsonData } from '../constants';
import { AppSettingsProvider } from '../features/settings/AppSettingsContext';
import { ScopeProvider } from '../features/tenant/TenantContext';
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
 * Renders a page as Grafana would: app settings, tenant scope, a router at the page's URL, and the
 * runtime's backend service doing real HTTP (answered by msw).
 */
export function renderPage(
  element: React.ReactElement,
  {
    actions = ADMIN,
    tenant = 'acme',
    settings = { exporterUrl: 'http://exporter:8080', tenants: ['acme', 'globex'] },
    path = '/a/auditlens-audit-app/page',
  }: { actions?: Action[]; tenant?: string; settings?: AppJsonData; path?: string } = {},
): RenderResult {
  setBackendSrv(createFetchBackendSrv(window.location.origin + '/'));
  grant(actions);
  const url = tenant ? `${path}${path.includes('?') ? '&' : '?'}tenant=${encodeURIComponent(tenant)}` : path;
  window.localStorage.clear();
  return render(
    <MemoryRouter initialEntries={[url]}>
      <AppSettingsProvider settings={settings}>
        <ScopeProvider>{element}</ScopeProvider>
      </AppSettingsProvider>
    </MemoryRouter>,
  );
}
