import type { AppRootProps } from '@grafana/data';
import { setBackendSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import React from 'react';
import { MemoryRouter } from 'react-router-dom';

import type { AppJsonData } from '../../constants';
import { http, ok, readUrl } from '../../testing/api';
import { createFetchBackendSrv } from '../../testing/fetchBackendSrv';
import { EMPTY_STATS } from '../../testing/fixtures';
import { ADMIN, grant } from '../../testing/render';
import { server } from '../../testing/server';
import App from './App';

const props = {
  meta: { id: 'auditlens-audit-app', jsonData: { tenants: ['acme'] } },
} as unknown as AppRootProps<AppJsonData>;

function renderAt(path: string) {
  setBackendSrv(createFetchBackendSrv(window.location.origin + '/'));
  grant(ADMIN);
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App {...props} />
    </MemoryRouter>,
  );
}

describe('App', () => {
  it('lazily loads the page of the route, with the first configured tenant', async () => {
    server.use(http.get(readUrl('/search'), ok({ rows: [], nextCursor: null })));
    renderAt('/explore');
    expect(await screen.findByText('No audit records match')).toBeInTheDocument();
  });

  it('sends unknown paths to the overview', async () => {
    server.use(
      http.get(readUrl('/stats'), ok(EMPTY_STATS)),
      http.get(readUrl('/alerts'), ok({ instances: [] })),
    );
    renderAt('/nowhere');
    expect(await screen.findByText('No events in this time range.')).toBeInTheDocument();
  });

  it("follows an alert notification's link to the incident's security event", async () => {
    const id = '0190c3a2-0000-7000-8000-0000000000cc';
    server.use(
      http.get(readUrl('/security-events'), ok({ rows: [], nextCursor: null })),
      http.get(
        readUrl(`/security-events/${id}`),
        ok({ event_id: id, event_time: 't', status: 'PENDING', history: [] }),
      ),
    );
    renderAt(`/alerts?rule=brute-force-ip&tenant=acme&incident=${id}`);
    expect(await screen.findByText(`Security event ${id}`)).toBeInTheDocument();
  });
});
