import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, mutateUrl, notAvailable, ok, pending, readUrl } from '../testing/api';
import { READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import ComplianceReports from './ComplianceReports';

const REPORT_ID = '0190c3a2-0000-7000-8000-0000000000bb';
const listItem = {
  id: REPORT_ID,
  tenant: 'acme',
  framework: 'mlps3',
  frameworkName: 'MLPS 2.0 level 3',
  periodType: 'daily',
  periodLabel: '2025-01-14',
  periodStart: '2025-01-14T00:00:00.000Z',
  periodEnd: '2025-01-15T00:00:00.000Z',
  generatedAt: '2025-01-15T01:00:00.000Z',
  generatedBy: 'auditor',
  status: 'gap',
  sha256: 'ab'.repeat(32),
};
const content = {
  id: REPORT_ID,
  tenant: 'acme',
  framework: { id: 'mlps3', name: 'MLPS 2.0 level 3', version: 'GB/T 22239-2019' },
  period: { type: 'daily', label: '2025-01-14', start: listItem.periodStart, end: listItem.periodEnd },
  generatedAt: listItem.generatedAt,
  generatedBy: 'auditor',
  status: 'gap',
  summary: {
    total: 900,
    failed: 12,
    highRisk: 3,
    uniqueUsers: 8,
    uniqueIps: 5,
    errorRate: 0.0133,
    riskRate: 0.0033,
  },
  controls: [
    {
      id: '8.1.4.3 a)',
      title: 'Audit coverage',
      requirement: 'audit every user',
      status: 'met',
      evidence: ['900 records'],
    },
    {
      id: '8.1.4.3 c)',
      title: 'Record protection',
      requirement: 'protect records',
      status: 'gap',
      evidence: ['integrity not verified'],
    },
  ],
};

describe('Compliance reports page', () => {
  it('shows a loading state', async () => {
    server.use(http.get(readUrl('/reports'), pending()));
    renderPage(<ComplianceReports />);
    expect(await screen.findByText('Loading compliance reports…')).toBeInTheDocument();
  });

  it('lists the report history with PDF and CSV exports through the proxy, and opens a report', async () => {
    server.use(
      http.get(readUrl('/reports'), ok({ reports: [listItem], nextCursor: null })),
      http.get(readUrl(`/reports/${REPORT_ID}`), ok({ id: REPORT_ID, sha256: listItem.sha256, content })),
    );
    renderPage(<ComplianceReports />);
    const table = await screen.findByRole('table', { name: 'Report history' });
    expect(within(table).getByText('MLPS 2.0 level 3')).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: /^PDF$/ }).getAttribute('href')).toBe(
      `/api/plugin-proxy/auditlens-audit-app/exporter/api/v1/reports/${REPORT_ID}.pdf?tenant=acme`,
    );
    // The MLPS report also in Chinese, for the auditors who read it.
    expect(
      within(table)
        .getByRole('link', { name: /PDF 中文/ })
        .getAttribute('href'),
    ).toBe(
      `/api/plugin-proxy/auditlens-audit-app/exporter/api/v1/reports/${REPORT_ID}.pdf?tenant=acme&lang=zh-CN`,
    );
    expect(within(table).getByRole('link', { name: /CSV/ }).getAttribute('href')).toContain(
      `${REPORT_ID}.csv?tenant=acme`,
    );
    await userEvent.click(within(table).getByRole('button', { name: 'View' }));
    const controls = await screen.findByRole('table', { name: 'Controls' });
    expect(within(controls).getByText('integrity not verified')).toBeInTheDocument();
  });

  it('generates a report for the chosen framework and period', async () => {
    let body: Record<string, unknown> | undefined;
    server.use(
      http.get(readUrl('/reports'), ok({ reports: [], nextCursor: null })),
      http.post(mutateUrl('/reports'), async ({ request }) => {
        body = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ id: REPORT_ID, sha256: listItem.sha256, content }, { status: 201 });
      }),
      http.get(readUrl(`/reports/${REPORT_ID}`), ok({ id: REPORT_ID, sha256: listItem.sha256, content })),
    );
    renderPage(<ComplianceReports />, { actions: READER });
    expect(await screen.findByText('No reports generated for this tenant yet')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('combobox', { name: 'Framework' }));
    await userEvent.click(await screen.findByText('PCI DSS v4.0 req. 10'));
    await userEvent.click(screen.getByRole('button', { name: 'Generate report' }));
    await waitFor(() => expect(body).toEqual({ tenant: 'acme', framework: 'pci-dss-4', period: 'daily' }));
    expect(await screen.findByRole('table', { name: 'Controls' })).toBeInTheDocument();
  });

  it('shows the API\'s "not available" answer and generation errors', async () => {
    server.use(
      http.get(readUrl('/reports'), notAvailable),
      http.post(mutateUrl('/reports'), fail(400, 'from: required for a custom period')),
    );
    renderPage(<ComplianceReports />);
    expect(
      await screen.findByText(/Compliance reports: this exporter does not have this API/),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Generate report' }));
    expect(await screen.findByText('from: required for a custom period')).toBeInTheDocument();
  });

  it('hides generation from users without the report action', async () => {
    server.use(http.get(readUrl('/reports'), ok({ reports: [listItem], nextCursor: null })));
    renderPage(<ComplianceReports />, { actions: ['auditlens-audit-app.audit:read'] });
    await screen.findByRole('table', { name: 'Report history' });
    expect(screen.queryByRole('button', { name: 'Generate report' })).not.toBeInTheDocument();
  });

  it('denies the page without the read action', async () => {
    renderPage(<ComplianceReports />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });
});
