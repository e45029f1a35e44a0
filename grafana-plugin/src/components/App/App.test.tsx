import type { AppRootProps } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';

import type { AppJsonData } from '../../constants';
import { http, ok, readUrl } from '../../testing/api';
import { setDataSources } from '../../testing/datasources';
import { createFetchBackendSrv } from '../../testing/fetchBackendSrv';
import { EMPTY_STATS } from '../../testing/fixtures';
import { ADMIN, grant } from '../../testing/render';
import { server } from '../../testing/server';
import App from './App';

const props = {
  meta: { id: 'auditlens-audit-app', jsonData: { exporterUrl: 'http://exporter:8080', tenants: ['acme'] } },
} as unknown as AppRootProps<AppJsonData>;

function Location() {
  const location = useLocation();
  return <output aria-label="location">{`${location.pathname}${location.search}`}</output>;
}

/** The app as Grafana mounts it: AppRootPage's route `/a/:pluginId/*`. */
function renderAt(path: string) {
  setBackendSrv(createFetchBackendSrv(window.location.origin + '/'));
  setDataSources();
  grant(ADMIN);
  window.localStorage.clear();
  return render(
    <MemoryRouter initialEntries={[`/a/auditlens-audit-app${path}`]}>
      <Location />
      <Routes>
        <Route path="/a/:pluginId/*" element={<App {...props} />} />
      </Routes>
    </MemoryRouter>,
  );
}

const location = () => screen.getByRole('status', { name: 'location' }).textContent ?? '';

describe('App', () => {
  it('lazily loads the page of the route, and names the first configured tenant in the URL', async () => {
    server.use(http.get(readUrl('/search'), ok({ rows: [], nextCursor: null })));
    renderAt('/explore');
    expect(await screen.findByText(/No audit records match/)).toBeInTheDocument();
    await waitFor(() => expect(location()).toBe('/a/auditlens-audit-app/explore?tenant=acme'));
  });

  it('sends unknown paths to the overview', async () => {
    server.use(
      http.get(readUrl('/stats'), ok(EMPTY_STATS)),
      http.get(readUrl('/alerts/incidents'), ok({ incidents: [] })),
    );
    renderAt('/nowhere');
    expect(await screen.findByText('No events in this time range.')).toBeInTheDocument();
  });

  it("follows an alert notification's link to the incident's security event page", async () => {
    const id = '0190c3a2-0000-7000-8000-0000000000cc';
    server.use(
      http.get(
        readUrl(`/security-events/${id}`),
        ok({ event_id: id, event_time: '2025-01-15 10:00:00.000', status: 'PENDING', history: [] }),
      ),
    );
    renderAt(`/alerts?rule=brute-force-ip&tenant=acme&incident=${id}`);
    expect(await screen.findByText('Not triaged yet (PENDING).')).toBeInTheDocument();
    expect(location()).toBe(`/a/auditlens-audit-app/security-events/${id}?tenant=acme`);
  });
});
