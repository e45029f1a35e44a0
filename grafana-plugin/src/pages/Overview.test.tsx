import { screen, within } from '@testing-library/react';
import React from 'react';

import { fail, http, notAvailable, ok, pending, readUrl } from '../testing/api';
import { EMPTY_STATS, STATS } from '../testing/fixtures';
import { renderPage } from '../testing/render';
import { server } from '../testing/server';
import Overview from './Overview';

describe('Overview page', () => {
  it('shows a loading state while the statistics load', async () => {
    server.use(http.get(readUrl('/stats'), pending()), http.get(readUrl('/alerts'), pending()));
    renderPage(<Overview />);
    expect(await screen.findByText(/Loading audit statistics/)).toBeInTheDocument();
  });

  it('shows the figures, trend, firing alerts and dashboard links', async () => {
    let asked: URL | undefined;
    server.use(
      http.get(readUrl('/stats'), ({ request }) => {
        asked = new URL(request.url);
        return ok(STATS)();
      }),
      http.get(
        readUrl('/alerts'),
        ok({
          instances: [
            {
              tenant: 'acme',
              ruleId: 'brute-force-ip',
              ruleName: 'Brute force per IP',
              groupKey: 'ip_address=198.51.100.1',
              state: 'firing',
              severity: 3,
              mitreTechnique: 'T1110',
              matchCount: 61,
              summary: '61 failed logins in 1h',
              firedAt: '2025-01-15T09:59:00.000Z',
            },
          ],
          history: [],
        }),
      ),
    );
    renderPage(<Overview />);
    expect(await screen.findByTestId('stat-Total events')).toHaveTextContent('1,234');
    expect(screen.getByTestId('stat-Failed')).toHaveTextContent('56');
    expect(screen.getByTestId('stat-Unique IPs')).toHaveTextContent('17');
    expect(screen.getByTestId('stat-Error rate')).toHaveTextContent('4.5%');
    expect(screen.getByRole('img', { name: 'Event trend' })).toBeInTheDocument();
    expect(await screen.findByText('Brute force per IP')).toBeInTheDocument();
    expect(screen.getByText('61 failed logins in 1h')).toBeInTheDocument();
    const link = screen.getByRole('link', { name: /Security/ });
    expect(link.getAttribute('href')).toContain('/d/auditlens-security?var-datasource=AuditLens%3A+acme');
    expect(asked?.searchParams.get('tenant')).toBe('acme');
    expect(Number(asked?.searchParams.get('to')) - Number(asked?.searchParams.get('from'))).toBe(86_400_000);
  });

  it('says so when nothing happened in the range', async () => {
    server.use(
      http.get(readUrl('/stats'), ok(EMPTY_STATS)),
      http.get(readUrl('/alerts'), ok({ instances: [], history: [] })),
    );
    renderPage(<Overview />);
    expect(await screen.findByText('No events in this time range.')).toBeInTheDocument();
    expect(await screen.findByText('No alert is firing')).toBeInTheDocument();
  });

  it('shows the API error, and "not available" for the alert API the exporter lacks', async () => {
    server.use(
      http.get(readUrl('/stats'), fail(503, 'audit store unavailable, retry later')),
      http.get(readUrl('/alerts'), notAvailable),
    );
    renderPage(<Overview />);
    const error = await screen.findByText(/Audit statistics could not be loaded/);
    expect(
      within(error.closest('[role="alert"]') as HTMLElement).getByText(/audit store unavailable/),
    ).toBeInTheDocument();
    expect(await screen.findByText(/Firing alerts: not available on this exporter/)).toBeInTheDocument();
  });

  it('asks for a tenant before querying', async () => {
    renderPage(<Overview />, { tenant: '', settings: {} });
    expect(await screen.findByText(/Every AuditLens query is scoped to one tenant/)).toBeInTheDocument();
  });

  it('denies the page to a user without the read action', async () => {
    renderPage(<Overview />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
    expect(screen.getByText('auditlens-audit-app.audit:read')).toBeInTheDocument();
  });
});
