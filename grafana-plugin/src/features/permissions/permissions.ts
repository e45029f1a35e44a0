import { config } from '@grafana/runtime';

import type { Action } from '../../constants';

/**
 * Whether the signed-in user holds an RBAC action. Grafana computes the user's permissions from
 * their roles (plugin.json `roles` grant AuditLens Reader/Admin) and ships them in bootData.
 * The UI check is a convenience: the plugin proxy route enforces the same action server-side.
 */
export function hasPermission(action: Action): boolean {
  const permissions = config.bootData?.user?.permissions as Record<string, boolean> | undefined;
  return Boolean(permissions?.[action]);
}
