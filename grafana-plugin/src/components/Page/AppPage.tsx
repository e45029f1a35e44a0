import { PluginPage } from '@grafana/runtime';
import React from 'react';

import type { Action } from '../../constants';
import { hasPermission } from '../../features/permissions/permissions';
import { ScopeToolbar } from '../../features/tenant/ScopeToolbar';
import { useScope } from '../../features/tenant/TenantContext';
import { ChooseTenant, PermissionDenied } from '../QueryState/QueryState';

/**
 * Frame of every app page: Grafana's page chrome, the permission gate, the tenant/time toolbar,
 * and a prompt for a tenant until one is chosen.
 */
export function AppPage({
  action,
  showRange = true,
  children,
}: {
  action: Action;
  showRange?: boolean;
  children: React.ReactNode;
}) {
  const { tenant } = useScope();
  if (!hasPermission(action)) {
    return (
      <PluginPage>
        <PermissionDenied action={action} />
      </PluginPage>
    );
  }
  return (
    <PluginPage>
      <ScopeToolbar showRange={showRange} />
      {tenant ? children : <ChooseTenant />}
    </PluginPage>
  );
}
