import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, notAvailable, ok, pending, readUrl } from '../testing/api';
import { clickInTable, READER, renderPage } from '../testing/render';
import { EVENT_ID, SECURITY_EVENT } from '../testing/securityEvents';
import { server } from '../testing/server';
import SecurityEvents from './SecurityEvents';

const PAGE = '/a/auditlens-audit-app/security-events';

const group = (eventType: string, ruleId: string, events: number, open: number, maxRisk = 3) => ({
  eventType,
  ruleId,
  ruleName: ruleId ? `Rule ${ruleId}` : '',
  events,
  open,
  maxRisk,
  newest: '2025-01-15T10:00:00.000Z',
  oldest: '2025-01-15T08:00:00.000Z',
  users: 3,
  ips: 2,
  mitreTactic: '',
  mitreTechnique: '',
});

const QUEUE = {
  groups: [
    group('PRIVILEGE_CHANGE', 'builtin.privilege-change', 193, 193),
    group('LOGIN_FAILED', '', 400, 400, 2),
    group('MALWARE', '', 3, 0, 4),
  ],
};

describe('Security events page', () => {
  it('shows a loading state', async () => {
    server.use(
      http.get(readUrl('/security-events'), pending()),
      http.get(readUrl('/security-events/queue'), pending()),
    );
    renderPage(<SecurityEvents />, { path: PAGE });
    expect(await screen.findByText('Loading security events…')).toBeInTheDocument();
  });

  it('is a triage queue: one row per type and rule, as the exporter orders them (open first)', async () => {
    server.use(
      http.get(readUrl('/security-events/queue'), ok(QUEUE)),
      http.get(readUrl('/security-events'), ok({ rows: [SECURITY_EVENT], nextCursor: null })),
    );
    renderPage(<SecurityEvents />, { path: PAGE });
    const queue = await screen.findByRole('table', { name: 'Triage queue' });
    const types = await within(queue).findAllByRole('button', { name: /^Show / });
    expect(types.map((b) => b.textContent)).toEqual(['PRIVILEGE_CHANGE', 'LOGIN_FAILED', 'MALWARE']);
    expect(within(queue).getByText('Rule builtin.privilege-change')).toBeInTheDocument();
    expect(within(queue).getAllByText('recorded by apps')).toHaveLength(2);
  });

  it('lists the events of a group of the queue, still to handle, with the choice in the URL', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/security-events/queue'), ok(QUEUE)),
      http.get(readUrl('/security-events'), ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json({ rows: [SECURITY_EVENT], nextCursor: null });
      }),
    );
    const page = renderPage(<SecurityEvents />, { path: PAGE });
    // By default the list holds what is still to handle.
    await waitFor(() => expect(asked[0]?.searchParams.get('open')).toBe('true'));
    await screen.findByRole('button', { name: 'Show LOGIN_FAILED recorded by apps' });
    await clickInTable(
      () => screen.getByRole('button', { name: 'Show LOGIN_FAILED recorded by apps' }),
      () => expect(page.location().searchParams.get('eventType')).toBe('LOGIN_FAILED'),
    );
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('eventType')).toBe('LOGIN_FAILED'));
    expect(asked.at(-1)?.searchParams.get('detected')).toBe('false');
    expect(page.location().searchParams.get('eventType')).toBe('LOGIN_FAILED');
    await clickInTable(
      () => screen.getByRole('button', { name: 'Show PRIVILEGE_CHANGE builtin.privilege-change' }),
      () => expect(page.location().searchParams.get('rule')).toBe('builtin.privilege-change'),
    );
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('rule')).toBe('builtin.privilege-change'));
    expect(asked.at(-1)?.searchParams.get('detected')).toBeNull();
    // The event opens its own page.
    const table = await screen.findByRole('table', { name: 'Security events' });
    expect(within(table).getByRole('link', { name: 'BRUTE_FORCE' }).getAttribute('href')).toMatch(
      new RegExp(`/security-events/${EVENT_ID}\\?tenant=acme$`),
    );
    expect(within(table).getByText('TA0006 / T1110')).toBeInTheDocument();
    expect(within(table).getByText('198.51.100.1')).toBeInTheDocument();
  });

  it("read across tenants, names each event's tenant and opens it, and its triage, in that tenant", async () => {
    server.use(
      http.get(readUrl('/security-events/queue'), ok(QUEUE)),
      http.get(
        readUrl('/security-events'),
        ok({ rows: [{ ...SECURITY_EVENT, tenant_id: 'globex' }], nextCursor: null }),
      ),
    );
    renderPage(<SecurityEvents />, { path: PAGE, tenant: '*' });
    const table = await screen.findByRole('table', { name: 'Security events' });
    expect(await within(table).findByText('globex')).toBeInTheDocument();
    const href = new URL(
      within(table).getByRole('link', { name: 'BRUTE_FORCE' }).getAttribute('href') ?? '',
      'http://grafana',
    );
    expect(href.pathname).toMatch(new RegExp(`/security-events/${EVENT_ID}$`));
    expect(href.searchParams.get('tenant')).toBe('globex');
    const profile = new URL(
      within(table).getByRole('link', { name: 'alice' }).getAttribute('href') ?? '',
      'http://grafana',
    );
    expect(profile.searchParams.get('tenant')).toBe('globex');
  });

  it('filters by status, from the URL of a shared link and from the form', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/security-events/queue'), ok({ groups: [] })),
      http.get(readUrl('/security-events'), ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json({ rows: [SECURITY_EVENT], nextCursor: null });
      }),
    );
    const page = renderPage(<SecurityEvents />, { path: `${PAGE}?open=all&user=alice` });
    await waitFor(() => expect(asked[0]?.searchParams.get('user')).toBe('alice'));
    expect(asked[0]?.searchParams.get('open')).toBeNull();
    expect(screen.getByLabelText('User')).toHaveValue('alice');
    await userEvent.click(screen.getByLabelText('Status filter'));
    await userEvent.click(await screen.findByText('ESCALATED'));
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('status')).toBe('ESCALATED'));
    expect(page.location().searchParams.get('status')).toBe('ESCALATED');
  });

  it('says when there are none', async () => {
    server.use(
      http.get(readUrl('/security-events/queue'), ok({ groups: [] })),
      http.get(readUrl('/security-events'), ok({ rows: [], nextCursor: null })),
    );
    renderPage(<SecurityEvents />, { path: PAGE });
    expect(await screen.findByText('No security events in this period')).toBeInTheDocument();
    expect(await screen.findByText('No security events match in this period.')).toBeInTheDocument();
  });

  it('explains an exporter without the queue, and a token not allowed for the tenant', async () => {
    server.use(
      http.get(readUrl('/security-events/queue'), notAvailable),
      http.get(readUrl('/security-events'), () =>
        HttpResponse.json(
          { error: 'this token may not access tenant "acme"', reason: 'tenant-not-allowed' },
          { status: 403 },
        ),
      ),
    );
    renderPage(<SecurityEvents />, { path: PAGE });
    expect(await screen.findByText(/Triage queue: this exporter does not have this API/)).toBeInTheDocument();
    expect(
      await screen.findByText(/Security events: the API token may not read this tenant/),
    ).toBeInTheDocument();
    expect(screen.getByText(/bind the token of the app’s configuration page/)).toBeInTheDocument();
  });

  it('sends ?event=<id> (older links) to the event’s page', async () => {
    const page = renderPage(<SecurityEvents />, { path: `${PAGE}?event=${EVENT_ID}` });
    await waitFor(() => expect(page.location().pathname).toBe(`${PAGE}/${EVENT_ID}`));
    expect(page.location().searchParams.get('tenant')).toBe('acme');
  });

  it('is available to a reader; denied without the read action', async () => {
    server.use(
      http.get(readUrl('/security-events/queue'), ok(QUEUE)),
      http.get(readUrl('/security-events'), fail(500, 'internal error')),
    );
    const page = renderPage(<SecurityEvents />, { actions: READER, path: PAGE });
    expect(await screen.findByRole('table', { name: 'Triage queue' })).toBeInTheDocument();
    expect(await screen.findByText(/Security events: the exporter failed \(HTTP 500\)/)).toBeInTheDocument();
    page.unmount();
    renderPage(<SecurityEvents />, { actions: [], path: PAGE });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });
});
