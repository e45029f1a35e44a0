import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, mutateUrl, notAvailable, ok, pending, readUrl } from '../testing/api';
import { READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import SecurityEvents from './SecurityEvents';

const EVENT_ID = '0190c3a2-0000-7000-8000-0000000000aa';
const event = {
  event_id: EVENT_ID,
  event_time: '2025-01-15 10:00:00.000',
  tenant_id: 'acme',
  user_id: 'alice',
  username: 'alice',
  ip_address: '::ffff:198.51.100.1',
  risk_level: 3,
  event_type: 'BRUTE_FORCE',
  mitre_tactic: 'TA0006',
  mitre_technique: 'T1110',
  detection_method: 'brute-force-ip',
  rule_name: 'Brute force per IP',
  description: '61 failed logins',
  status: 'PENDING',
  handler: '',
  result: '',
  falsePositive: false,
  changedAt: null,
  changedBy: '',
};

describe('Security events page', () => {
  it('shows a loading state', async () => {
    server.use(http.get(readUrl('/security-events'), pending()));
    renderPage(<SecurityEvents />);
    expect(await screen.findByText('Loading security events…')).toBeInTheDocument();
  });

  it('lists events with their status and filters by status', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/security-events'), ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json({ rows: [event], nextCursor: null });
      }),
    );
    renderPage(<SecurityEvents />);
    const table = await screen.findByRole('table', { name: 'Security events' });
    expect(within(table).getByText('BRUTE_FORCE')).toBeInTheDocument();
    expect(within(table).getByText('TA0006 / T1110')).toBeInTheDocument();
    expect(within(table).getByText('198.51.100.1')).toBeInTheDocument();
    expect(within(table).getByText('PENDING')).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText('Status filter'));
    await userEvent.click(await screen.findByText('ESCALATED'));
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('status')).toBe('ESCALATED'));
    expect(asked.at(-1)?.searchParams.get('tenant')).toBe('acme');
  });

  it('says when there are none', async () => {
    server.use(http.get(readUrl('/security-events'), ok({ rows: [], nextCursor: null })));
    renderPage(<SecurityEvents />);
    expect(await screen.findByText('No security events')).toBeInTheDocument();
  });

  it('shows "not available" while the exporter has no triage API, and other errors as errors', async () => {
    server.use(http.get(readUrl('/security-events'), notAvailable));
    const { unmount } = renderPage(<SecurityEvents />);
    expect(await screen.findByText(/Security events: not available on this exporter/)).toBeInTheDocument();
    unmount();
    server.use(http.get(readUrl('/security-events'), fail(403, 'this token may not access tenant "acme"')));
    renderPage(<SecurityEvents />);
    expect(await screen.findByText(/Security events: permission denied/)).toBeInTheDocument();
  });

  it('lets an admin append a status with handler, result and false positive; the history is kept', async () => {
    const history: Record<string, unknown>[] = [];
    let posted: Record<string, unknown> | undefined;
    server.use(
      http.get(readUrl('/security-events'), ok({ rows: [event], nextCursor: null })),
      http.get(readUrl(`/security-events/${EVENT_ID}`), () =>
        HttpResponse.json({ ...event, ...(history.at(-1) ?? {}), history }),
      ),
      http.post(mutateUrl(`/security-events/${EVENT_ID}/status`), async ({ request }) => {
        posted = (await request.json()) as Record<string, unknown>;
        history.push({ ...posted, changedAt: '2025-01-15T10:05:00.000Z', changedBy: 'admin' });
        return HttpResponse.json({ eventId: EVENT_ID, status: posted.status, history }, { status: 201 });
      }),
    );
    renderPage(<SecurityEvents />);
    await userEvent.click(await screen.findByText('BRUTE_FORCE'));
    expect(await screen.findByText('Not triaged yet (PENDING).')).toBeInTheDocument();
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

  it('shows the exporter refusing a status change', async () => {
    server.use(
      http.get(readUrl('/security-events'), ok({ rows: [event], nextCursor: null })),
      http.get(readUrl(`/security-events/${EVENT_ID}`), ok({ ...event, history: [] })),
      http.post(
        mutateUrl(`/security-events/${EVENT_ID}/status`),
        fail(403, 'this call needs an admin token'),
      ),
    );
    renderPage(<SecurityEvents />);
    await userEvent.click(await screen.findByText('BRUTE_FORCE'));
    await screen.findByText('Not triaged yet (PENDING).');
    await userEvent.click(screen.getByRole('button', { name: 'Append status' }));
    expect(await screen.findByText('this call needs an admin token')).toBeInTheDocument();
  });

  it('gives a reader the event and its history but no triage form', async () => {
    server.use(
      http.get(readUrl('/security-events'), ok({ rows: [event], nextCursor: null })),
      http.get(readUrl(`/security-events/${EVENT_ID}`), ok({ ...event, history: [] })),
    );
    renderPage(<SecurityEvents />, { actions: READER });
    await userEvent.click(await screen.findByText('BRUTE_FORCE'));
    expect(await screen.findByText('Read only')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Append status' })).not.toBeInTheDocument();
  });

  it('denies the page without the read action', async () => {
    renderPage(<SecurityEvents />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });
});
