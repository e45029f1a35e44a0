import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { QueryClientProvider } from '@tanstack/react-query';
import React, { lazy, Suspense, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';

import { createQueryClient } from '../../api/queryClient';
import { PLUGIN_BASE_URL, ROUTES, TRACE_PATH, type AppJsonData } from '../../constants';
import { ScopeProvider } from '../../features/scope/ScopeContext';
import { AppSettingsProvider } from '../../features/settings/AppSettingsContext';
import { AlertLink } from './AlertLink';

const Overview = lazy(() => import('../../pages/Overview'));
const Explore = lazy(() => import('../../pages/Explore'));
const TraceView = lazy(() => import('../../pages/TraceView'));
const SecurityEvents = lazy(() => import('../../pages/SecurityEvents'));
const SecurityEvent = lazy(() => import('../../pages/SecurityEvent'));
const AlertRules = lazy(() => import('../../pages/AlertRules'));
const ComplianceReports = lazy(() => import('../../pages/ComplianceReports'));
const RetentionIntegrity = lazy(() => import('../../pages/RetentionIntegrity'));

/**
 * The app's root: the query cache, settings and scope (tenant, period) for every page, one lazily
 * loaded page per route, and the drill-in pages (a trace, a security event) under their page.
 */
export default function App({ meta }: AppRootProps<AppJsonData>) {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AppSettingsProvider settings={meta.jsonData ?? {}}>
        <ScopeProvider>
          <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
            <Routes>
              <Route path={ROUTES.Overview} element={<Overview />} />
              <Route path={ROUTES.Explore} element={<Explore />} />
              <Route path={`${TRACE_PATH}/:traceId`} element={<TraceView />} />
              <Route path={ROUTES.SecurityEvents} element={<SecurityEvents />} />
              <Route path={`${ROUTES.SecurityEvents}/:eventId`} element={<SecurityEvent />} />
              <Route path={ROUTES.AlertRules} element={<AlertRules />} />
              <Route path={ROUTES.Compliance} element={<ComplianceReports />} />
              <Route path={ROUTES.Retention} element={<RetentionIntegrity />} />
              <Route path={ROUTES.Alerts} element={<AlertLink />} />
              <Route path="*" element={<Navigate to={`${PLUGIN_BASE_URL}/${ROUTES.Overview}`} replace />} />
            </Routes>
          </Suspense>
        </ScopeProvider>
      </AppSettingsProvider>
    </QueryClientProvider>
  );
}
