import { Alert, EmptyState, LoadingPlaceholder } from '@grafana/ui';
import React from 'react';

import { ApiError } from '../../api/client';

/** An API failure, explained: not available (404), permission denied (403), or the error itself. */
export function ApiErrorView({ error, what }: { error: unknown; what: string }) {
  if (error instanceof ApiError && error.notAvailable) {
    return (
      <Alert severity="info" title={`${what}: not available on this exporter`}>
        The exporter answered {error.status}: {error.message}. This feature arrives with a newer exporter
        version; no data is shown until it answers.
      </Alert>
    );
  }
  if (error instanceof ApiError && error.forbidden) {
    return (
      <Alert severity="warning" title={`${what}: permission denied`}>
        {error.message}
      </Alert>
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return (
    <Alert severity="error" title={`${what} could not be loaded${status}`}>
      {message}
    </Alert>
  );
}

/** Loading / error / empty / data, in that order, for one data hook's state. */
export function QueryState<T>({
  state,
  what,
  isEmpty,
  emptyMessage,
  children,
}: {
  state: { loading: boolean; error: unknown; data: T | undefined };
  what: string;
  isEmpty?: (data: T) => boolean;
  emptyMessage?: string;
  children: (data: T) => React.ReactNode;
}) {
  if (state.error) return <ApiErrorView error={state.error} what={what} />;
  if (state.data === undefined) {
    return state.loading ? <LoadingPlaceholder text={`Loading ${what.toLowerCase()}…`} /> : null;
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
