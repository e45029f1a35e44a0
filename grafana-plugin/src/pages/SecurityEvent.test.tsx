import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { http, HttpResponse, mutateUrl, ok, readUrl } from '../testing/api';
import { READER, renderPage } from '../testing/render';
import { EVENT_ID, SECURITY_EVENT } from '../testing/securityEvents';
import { server } from '../testing/server';
import SecurityEvent from './SecurityEvent';

const open = (actions?: Parameters<typeof renderPage>[1]) =>
  renderPage(<SecurityEvent />, {
    path: `/a/auditlens-audit-app/security-events/${EVENT_ID}`,
    route: '/a/auditlens-audit-app/security-events/:eventId',
    ...actions,
  });

describe('Security event page', () => {
  it('lets an admin append a status with handler, result and false positive; the history is kept', async () => {
    const history: Array<Record<string, unknown>> = [];
    let posted: Record<string, unknown> | undefined;
    server.use(
      http.get(readUrl(`/security-events/${EVENT_ID}`), () =>
        HttpResponse.json({ ...SECURITY_EVENT, ...(history.at(-1) ?? {}), history }),
      ),
      http.post(mutateUrl(`/security-events/${EVENT_ID}/status`), async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        history.push({ ...posted, changedAt: '2025-01-15T10:05:00.000Z', changedBy: 'admin' });
        return HttpResponse.json({ eventId: EVENT_ID, status: posted.status, history }, { status: 201 });
      }),
    );
    open();
    expect(await screen.findByText('Not triaged yet (PENDING).')).toBeInTheDocument();
    expect(screen.getByRole('navigation', { name: 'Breadcrumbs' })).toHaveTextContent('BRUTE_FORCE 0190c3a2');
    const detail = screen.getByRole('table', { name: 'Security event detail' });
    expect(within(detail).getByText('198.51.100.1')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('combobox', { name: 'New status' }));
    await userEvent.click(await screen.findByText('FALSE_POSITIVE', { selector: 'span' }));
    expect(screen.getByRole('button', { name: 'Append status' })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText('Handler'));
    await userEvent.type(screen.getByLabelText('Handler'), 'bob');
    await userEvent.type(screen.getByLabelText(/^Result/), 'load test from the QA subnet');
    await userEvent.click(screen.getByRole('button', { name: 'Append status' }));
    const list = await screen.findByRole('list', { name: 'Status history' });
    expect(within(list).getByText('load test from the QA subnet')).toBeInTheDocument();
    expect(posted).toEqual({
      status: 'FALSE_POSITIVE',
      handler: 'bob',
      result: 'load test from the QA subnet',
      falsePositive: true,
    });
  });

  it('explains the exporter refusing a status change to a reader token', async () => {
    server.use(
      http.get(readUrl(`/security-events/${EVENT_ID}`), ok({ ...SECURITY_EVENT, history: [] })),
      http.post(mutateUrl(`/security-events/${EVENT_ID}/status`), () =>
        HttpResponse.json(
          { error: 'this call needs an admin token', reason: 'admin-required' },
          { status: 403 },
        ),
      ),
    );
    open();
    await screen.findByText('Not triaged yet (PENDING).');
    await userEvent.click(screen.getByRole('button', { name: 'Append status' }));
    expect(await screen.findByText(/Status change: the exporter needs an admin token/)).toBeInTheDocument();
    expect(screen.getByText(/The configured API token is a reader token/)).toBeInTheDocument();
  });

  it('gives a reader the event and its history but no triage form', async () => {
    server.use(http.get(readUrl(`/security-events/${EVENT_ID}`), ok({ ...SECURITY_EVENT, history: [] })));
    open({ actions: READER });
    expect(await screen.findByText('Read only')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Append status' })).not.toBeInTheDocument();
  });

  it('says so when the event is not the tenant’s', async () => {
    server.use(
      http.get(readUrl(`/security-events/${EVENT_ID}`), () =>
        HttpResponse.json({ error: `no security event ${EVENT_ID} for this tenant` }, { status: 404 }),
      ),
    );
    open();
    expect(await screen.findByText(/Security event: not found/)).toBeInTheDocument();
  });
});
