import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import React, { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';

import { ROUTES, type AppJsonData } from '../../constants';
import { AppSettingsProvider } from '../../features/settings/AppSettingsContext';
import { ScopeProvider } from '../../features/tenant/TenantContext';
import { AlertLink } from './AlertLink';

const Overview = lazy(() => import('../../pages/Overview'));
const Explore = lazy(() => import('../../pages/Explore'));
const SecurityEvents = lazy(() => import('../../pages/SecurityEvents'));
const AlertRules = lazy(() => import('../../pages/AlertRules'));
const ComplianceReports = lazy(() => import('../../pages/ComplianceReports'));
const RetentionIntegrity = lazy(() => import('../../pages/RetentionIntegrity'));

/** The app's root: settings and tenant scope for every page, one lazily loaded page per route. */
export default function App({ meta }: AppRootProps<AppJsonData>) {
  return (
    <AppSettingsProvider settings={meta.jsonData ?? {}}>
      <ScopeProvider>
        <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
          <Routes>
            <Route path={ROUTES.Overview} element={<Overview />} />
            <Route path={ROUTES.Explore} element={<Explore />} />
            <Route path={ROUTES.SecurityEvents} element={<SecurityEvents />} />
            <Route path={ROUTES.AlertRules} element={<AlertRules />} />
            <Route path={ROUTES.Compliance} element={<ComplianceReports />} />
            <Route path={ROUTES.Retention} element={<RetentionIntegrity />} />
            <Route path={ROUTES.Alerts} element={<AlertLink />} />
            <Route path="*" element={<Navigate to={ROUTES.Overview} replace />} />
          </Routes>
        </Suspense>
      </ScopeProvider>
    </AppSettingsProvider>
  );
}
