import { Alert, EmptyState, LoadingPlaceholder, Text } from '@grafana/ui';
import React from 'react';

import { explainProblem } from '../../api/problems';

/**
 * A failed call, explained: what happened (proxy route missing, exporter unreachable, token
 * refused, permission denied, …) and what to do about it.
 */
export function ApiErrorView({ error, what }: { error: unknown; what: string }) {
  const problem = explainProblem(error);
  return (
    <Alert severity={problem.severity} title={`${what}: ${problem.title}`}>
      <div>{problem.detail}</div>
      {problem.remedy && (
        <Text element="p" color="secondary">
          What to do: {problem.remedy}
        </Text>
      )}
    </Alert>
  );
}

/** Loading / error / empty / data, in that order, for one query's state. */
export function QueryState<T>({
  state,
  what,
  isEmpty,
  emptyMessage,
  children,
}: {
  state: { data?: T; error: unknown; isLoading: boolean };
  what: string;
  isEmpty?: (data: T) => boolean;
  emptyMessage?: string;
  children: (data: T) => React.ReactNode;
}) {
  if (state.error) return <ApiErrorView error={state.error} what={what} />;
  if (state.data === undefined) {
    return state.isLoading ? <LoadingPlaceholder text={`Loading ${what.toLowerCase()}…`} /> : null;
  }
  if (isEmpty?.(state.data)) {
    return <EmptyState variant="not-found" message={emptyMessage ?? `No ${what.toLowerCase()} found`} />;
  }
  return <>{children(state.data)}</>;
}

/** Shown instead of a page (or a control) the user's role does not allow. */
export function PermissionDenied({ action }: { action: string }) {
  return (
    <Alert severity="warning" title="Permission denied">
      Your Grafana role does not include <code>{action}</code>. Ask an administrator for the AuditLens Reader
      or AuditLens Admin role.
    </Alert>
  );
}

/** Asks for a tenant before a page queries anything. */
export function ChooseTenant() {
  return (
    <EmptyState variant="call-to-action" message="Choose a tenant">
      Every AuditLens query is scoped to one tenant. Pick one above (use @system for system-level records).
    </EmptyState>
  );
}

/** Shown instead of every page until an administrator has set the exporter URL. */
export function NotConfigured() {
  return (
    <Alert severity="info" title="AuditLens is not configured yet">
      An administrator sets the exporter URL and API token on the app’s configuration page (Administration →
      Plugins → AuditLens).
    </Alert>
  );
}
