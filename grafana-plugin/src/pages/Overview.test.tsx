import { screen, within } from '@testing-library/react';
import React from 'react';

import { fail, http, ok, pending, readUrl } from '../testing/api';
import { EMPTY_STATS, STATS } from '../testing/fixtures';
import { renderedPanels } from '../testing/grafanaDoubles';
import { renderPage } from '../testing/render';
import { server } from '../testing/server';
import Overview from './Overview';

const incident = (ruleId: string, ruleName: string, firing: number, newestFiredAt: string) => ({
  tenant: 'acme',
  ruleId,
  ruleName,
  severity: 3,
  firing,
  matches: firing,
  newestFiredAt,
  oldestFiredAt: '2025-01-15T08:00:00.000Z',
  mitreTactic: 'TA0004',
  mitreTechnique: 'T1098',
  newestGroupKeys: ['target_id="u-199",user_id="root"', 'target_id="u-198",user_id="root"'],
});

describe('Overview page', () => {
  beforeEach(() => {
    renderedPanels.length = 0;
  });

  it('shows a loading state while the statistics load', async () => {
    server.use(http.get(readUrl('/stats'), pending()), http.get(readUrl('/alerts/incidents'), pending()));
    renderPage(<Overview />);
    expect(await screen.findByText(/Loading audit statistics/)).toBeInTheDocument();
  });

  it("shows the figures, the trend as Grafana's time series panel, incidents and dashboard links", async () => {
    let asked: URL | undefined;
    server.use(
      http.get(readUrl('/stats'), ({ request }) => {
        asked = new URL(request.url);
        return ok(STATS)();
      }),
      http.get(
        readUrl('/alerts/incidents'),
        ok({
          incidents: [
            incident('builtin.brute-force-ip', 'Brute force per IP', 7, '2025-01-15T10:00:00.000Z'),
            incident('builtin.privilege-change', 'Privilege change', 193, '2025-01-15T09:00:00.000Z'),
          ],
        }),
      ),
    );
    renderPage(<Overview />);
    expect(await screen.findByTestId('stat-Total events')).toHaveTextContent('1,234');
    expect(screen.getByTestId('stat-Failed')).toHaveTextContent('56');
    expect(screen.getByTestId('stat-Error rate')).toHaveTextContent('4.5%');
    // The trend: Grafana's time series panel, bucket times in epoch ms, the bucket width on the time field.
    await screen.findByTestId('panel-timeseries');
    const panel = renderedPanels.at(-1);
    const [time, records] = panel?.data?.series[0]?.fields ?? [];
    expect(time?.values).toEqual([Date.UTC(2025, 0, 15, 9), Date.UTC(2025, 0, 15, 10)]);
    expect(time?.config.interval).toBe(3_600_000);
    expect(records?.values).toEqual([600, 634]);
    // Hundreds of firing instances read as one row per rule, with the count.
    expect(await screen.findByTestId('incident-summary')).toHaveTextContent(
      '200 firing instances of 2 rules',
    );
    const incidents = screen.getByRole('table', { name: 'Firing alerts' });
    const link = within(incidents).getByRole('link', { name: 'Privilege change' });
    expect(link.getAttribute('href')).toMatch(
      /\/security-events\?tenant=acme&rule=builtin.privilege-change&open=true$/,
    );
    expect(within(incidents).getByText('193')).toBeInTheDocument();
    const dashboard = screen.getByRole('link', { name: /Security/ });
    expect(dashboard.getAttribute('href')).toContain(
      '/d/auditlens-security?var-datasource=AuditLens:%20acme&from=now-24h&to=now',
    );
    expect(asked?.searchParams.get('tenant')).toBe('acme');
    expect(Number(asked?.searchParams.get('to')) - Number(asked?.searchParams.get('from'))).toBe(86_400_000);
  });

  it('opens the trend query in Grafana Explore on the tenant’s ClickHouse data source', async () => {
    server.use(
      http.get(readUrl('/stats'), ok(STATS)),
      http.get(readUrl('/alerts/incidents'), ok({ incidents: [] })),
    );
    renderPage(<Overview />);
    const link = await screen.findByRole('link', { name: 'Open in Explore' });
    const url = new URL(link.getAttribute('href') ?? '', 'http://grafana.test');
    expect(url.pathname).toBe('/explore');
    const pane = JSON.parse(url.searchParams.get('panes') ?? '{}').auditlens;
    expect(pane.datasource).toBe('auditlens-acme');
    expect(pane.range).toEqual({ from: 'now-24h', to: 'now' });
    expect(pane.queries[0]).toMatchObject({
      rawSql: expect.stringMatching(/\/stats\/sql tenant=acme/),
      format: 0,
    });
  });

  it('says so when nothing happened in the range', async () => {
    server.use(
      http.get(readUrl('/stats'), ok(EMPTY_STATS)),
      http.get(readUrl('/alerts/incidents'), ok({ incidents: [] })),
    );
    renderPage(<Overview />);
    expect(await screen.findByText('No events in this time range.')).toBeInTheDocument();
    expect(await screen.findByText('No alert is firing')).toBeInTheDocument();
  });

  it('says what happened and what to do when a call fails', async () => {
    server.use(
      http.get(readUrl('/stats'), fail(503, 'audit store unavailable, retry later')),
      http.get(readUrl('/alerts/incidents'), () =>
        Response.json({ message: 'plugin route match not found' }, { status: 404 }),
      ),
    );
    renderPage(<Overview />);
    const store = await screen.findByText(/Audit statistics: the exporter’s audit store is not ready/);
    const alert = within(store.closest('[role="status"], [role="alert"]') as HTMLElement);
    expect(alert.getByText(/audit store unavailable/)).toBeInTheDocument();
    expect(alert.getByText(/What to do: .*check ClickHouse/)).toBeInTheDocument();
    expect(await screen.findByText(/Firing alerts: Grafana has no plugin proxy route/)).toBeInTheDocument();
    expect(screen.getByText(/restart Grafana after installing or upgrading the plugin/)).toBeInTheDocument();
  });

  it('asks for a tenant before querying', async () => {
    renderPage(<Overview />, { tenant: '', settings: { exporterUrl: 'http://exporter:8080' } });
    expect(await screen.findByText(/Every AuditLens query is scoped to one tenant/)).toBeInTheDocument();
  });

  it('says the app is not configured before an exporter URL is set', async () => {
    renderPage(<Overview />, { settings: {} });
    expect(await screen.findByText('AuditLens is not configured yet')).toBeInTheDocument();
  });

  it('denies the page to a user without the read action', async () => {
    renderPage(<Overview />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
    expect(screen.getByText('auditlens-audit-app.audit:read')).toBeInTheDocument();
  });
});
