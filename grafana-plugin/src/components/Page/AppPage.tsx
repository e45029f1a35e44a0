import type { NavModelItem } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Stack } from '@grafana/ui';
import React, { useEffect } from 'react';

import type { Action } from '../../constants';
import { hasPermission } from '../../features/permissions/permissions';
import { ScopeToolbar } from '../../features/scope/ScopeToolbar';
import { useScope } from '../../features/scope/ScopeContext';
import { useAppSettings } from '../../features/settings/AppSettingsContext';
import { useUrlParams } from '../../features/url/useUrlParams';
import { ChooseTenant, NotConfigured, PermissionDenied } from '../QueryState/QueryState';

/**
 * Frame of every app page: Grafana's page chrome (its breadcrumbs end with `pageNav` on a
 * drill-in page), the permission gate, the tenant / time / refresh pickers and the page's own
 * actions, and a prompt for a tenant until one is chosen.
 */
export function AppPage({
  action,
  showRange = true,
  pageNav,
  actions,
  children,
}: {
  action: Action;
  showRange?: boolean;
  pageNav?: NavModelItem;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  const { tenant } = useScope();
  const settings = useAppSettings();
  const [params, update] = useUrlParams();
  const urlTenant = params.get('tenant');
  // The URL always names the tenant a page shows (a default is filled in, not a history entry).
  useEffect(() => {
    if (urlTenant === null && tenant) update({ tenant }, { replace: true });
  }, [urlTenant, tenant, update]);
  if (!hasPermission(action)) {
    return (
      <PluginPage pageNav={pageNav}>
        <PermissionDenied action={action} />
      </PluginPage>
    );
  }
  if (!settings.exporterUrl) {
    return (
      <PluginPage pageNav={pageNav}>
        <NotConfigured />
      </PluginPage>
    );
  }
  return (
    <PluginPage
      pageNav={pageNav}
      actions={
        <Stack gap={1} alignItems="center" wrap="wrap">
          {tenant && actions}
          <ScopeToolbar showRange={showRange} />
        </Stack>
      }
    >
      {tenant ? children : <ChooseTenant />}
    </PluginPage>
  );
}
