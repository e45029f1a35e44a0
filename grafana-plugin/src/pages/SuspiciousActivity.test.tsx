import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { http, HttpResponse, mutateUrl, ok, readUrl } from '../testing/api';
import { SUSPICIOUS } from '../testing/behaviour';
import { READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import SuspiciousActivity from './SuspiciousActivity';

const PAGE = '/a/auditlens-audit-app/suspicious-activity';

describe('Suspicious activity page', () => {
  it('lists the findings with user links to their profiles, filtered through the URL', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/behaviour/suspicious'), ({ request }) => {
        asked.push(new URL(request.url));
        return ok(SUSPICIOUS)();
      }),
    );
    const page = renderPage(<SuspiciousActivity />, { path: PAGE });
    const table = await screen.findByRole('table', { name: 'Suspicious activity' });
    expect(within(table).getByText('25 exports by alice (up to 25 in one hour)')).toBeInTheDocument();
    expect(within(table).getByText('TA0010 / T1567')).toBeInTheDocument();
    expect(within(table).getByRole('link', { name: 'alice' }).getAttribute('href')).toMatch(
      /\/user-behaviour\?tenant=acme&user=alice$/,
    );
    await userEvent.type(screen.getByLabelText('Minimum score'), '50');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('minScore')).toBe('50'));
    expect(page.location().searchParams.get('minScore')).toBe('50');
  });

  it('opens a finding with its evidence linked to Explore and the trace view', async () => {
    server.use(http.get(readUrl('/behaviour/suspicious'), ok(SUSPICIOUS)));
    renderPage(<SuspiciousActivity />, { path: `${PAGE}?finding=a1b2c3d4e5f60718` });
    const detail = await screen.findByTestId('finding-detail');
    const evidence = within(detail).getByRole('table', { name: 'Evidence of Mass export' });
    expect(within(evidence).getByRole('link', { name: 'export' }).getAttribute('href')).toMatch(
      /\/explore\?tenant=acme&record=request%3A0194a1b2-0000-7000-8000-000000000010$/,
    );
    expect(within(evidence).getByRole('link', { name: 'trace' }).getAttribute('href')).toMatch(
      /\/explore\/trace\/5bf92f3577b34da6a3ce929d0e0e4736\?tenant=acme/,
    );
  });

  it("turns a finding into an alert rule: the rule form opens with the finding's rule and saves it", async () => {
    let created: Record<string, unknown> | undefined;
    server.use(
      http.get(readUrl('/behaviour/suspicious'), ok(SUSPICIOUS)),
      http.get('*/api/v1/provisioning/contact-points', ok([{ name: 'oncall' }])),
      http.post(mutateUrl('/alert-rules'), async ({ request }) => {
        created = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ rule: created, builtIn: false, version: 1, firing: 0 }, { status: 201 });
      }),
    );
    renderPage(<SuspiciousActivity />, { path: `${PAGE}?finding=a1b2c3d4e5f60718` });
    await userEvent.click(await screen.findByRole('button', { name: 'Turn into alert rule' }));
    const form = await screen.findByRole('form', { name: 'Alert rule' });
    expect(within(form).getByLabelText('Name')).toHaveValue('Mass export');
    await userEvent.click(within(form).getByRole('button', { name: 'Create rule' }));
    await waitFor(() => expect(created).toBeDefined());
    expect(created).toMatchObject({
      id: 'suspicious.mass-export',
      kind: 'threshold',
      threshold: 20,
      eventType: 'MASS_EXPORT',
      mitre: { tactic: 'TA0010', technique: 'T1567' },
      groupBy: ['user_id'],
    });
    expect(await screen.findByText('Alert rule created')).toBeInTheDocument();
  });

  it('offers no rule creation to readers', async () => {
    server.use(http.get(readUrl('/behaviour/suspicious'), ok(SUSPICIOUS)));
    renderPage(<SuspiciousActivity />, { actions: READER, path: `${PAGE}?finding=a1b2c3d4e5f60718` });
    await screen.findByTestId('finding-detail');
    expect(screen.queryByRole('button', { name: 'Turn into alert rule' })).not.toBeInTheDocument();
  });
});
