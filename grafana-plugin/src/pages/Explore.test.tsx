import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type { TraceChain } from '../api/schemas';
import { fail, http, HttpResponse, ok, pending, readUrl } from '../testing/api';
import { row } from '../testing/fixtures';
import { READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import Explore from './Explore';

const id = (n: number) => `0190c3a2-0000-7000-8000-${String(n).padStart(12, '0')}`;

/** 250 rows served 100 at a time with keyset cursors, as the exporter does. */
function pagedSearch(total = 250, asked: URL[] = []) {
  const all = Array.from({ length: total }, (_, i) =>
    row({ event_id: id(i), summary: `event ${i}`, ip_address: '::ffff:198.51.100.7' }),
  );
  return http.get(readUrl('/search'), ({ request }) => {
    const url = new URL(request.url);
    asked.push(url);
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const rows = all.slice(start, start + limit);
    return HttpResponse.json({ rows, nextCursor: start + limit < total ? String(start + limit) : null });
  });
}

describe('Explore page', () => {
  it('shows a loading state', async () => {
    server.use(http.get(readUrl('/search'), pending()));
    renderPage(<Explore />);
    expect(await screen.findByText('Loading audit records…')).toBeInTheDocument();
  });

  it('pages through every result with the cursor, without a cap', async () => {
    const asked: URL[] = [];
    server.use(pagedSearch(250, asked));
    renderPage(<Explore />);
    expect(await screen.findByText('event 0')).toBeInTheDocument();
    expect(screen.getByTestId('result-count')).toHaveTextContent('100 records loaded, more available');
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('event 199')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('event 249')).toBeInTheDocument();
    expect(screen.getByTestId('result-count')).toHaveTextContent('250 records loaded');
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(asked.map((u) => u.searchParams.get('cursor'))).toEqual([null, '100', '200']);
    expect(asked.every((u) => u.searchParams.get('tenant') === 'acme')).toBe(true);
    // the same time window for every page of one search
    expect(new Set(asked.map((u) => u.searchParams.get('from'))).size).toBe(1);
    expect(screen.getAllByText('198.51.100.7').length).toBeGreaterThan(0);
  });

  it('sends the filters and refuses a malformed trace id', async () => {
    const asked: URL[] = [];
    server.use(pagedSearch(3, asked));
    renderPage(<Explore />);
    await screen.findByText('event 0');
    await userEvent.type(screen.getByLabelText('User'), 'alice');
    await userEvent.type(screen.getByLabelText('IP address'), '192.0.2.10');
    await userEvent.type(screen.getByLabelText('Action'), 'login');
    await userEvent.type(screen.getByLabelText('Trace id'), 'xyz');
    expect(screen.getByText('a 32-character hex trace id')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Search' })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText('Trace id'));
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(asked.length).toBe(2));
    const last = asked[1]?.searchParams;
    expect([last?.get('user'), last?.get('ip'), last?.get('action'), last?.get('trace')]).toEqual([
      'alice',
      '192.0.2.10',
      'login',
      null,
    ]);
  });

  it('says when nothing matches', async () => {
    server.use(http.get(readUrl('/search'), ok({ rows: [], nextCursor: null })));
    renderPage(<Explore />);
    expect(await screen.findByText('No audit records match')).toBeInTheDocument();
  });

  it("shows the exporter's error message", async () => {
    server.use(http.get(readUrl('/search'), fail(400, 'ip: not an IP address')));
    renderPage(<Explore />);
    expect(await screen.findByText(/Search could not be loaded \(HTTP 400\)/)).toBeInTheDocument();
    expect(screen.getByText('ip: not an IP address')).toBeInTheDocument();
  });

  it('opens a record with every column, then its trace as one chain', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const chain: TraceChain = {
      traceId,
      requests: [{ ...row({ kind: 'request', summary: 'PUT /users/7 → 200' }), parent_span_id: '' }],
      dbOperations: [
        {
          ...row({ kind: 'db_operation', event_id: id(2), summary: 'UPDATE users (1 rows)' }),
          changes: [
            {
              ...row({ kind: 'field_change', event_id: id(3), summary: 'UPDATE users#7.email' }),
              db_event_id: id(2),
            },
          ],
        },
      ],
      orphanChanges: [],
      securityEvents: [row({ event_id: id(4), summary: 'PRIVILEGE_CHANGE T1098' })],
      adminOperations: [],
      rows: 4,
    };
    server.use(
      http.get(readUrl('/search'), ok({ rows: [row({ summary: 'the row' })], nextCursor: null })),
      http.get(
        readUrl('/records/security/:eventId'),
        ok({ event_id: id(1), event_type: 'LOGIN_FAILED', mitre_technique: 'T1110' }),
      ),
      http.get(readUrl(`/traces/${traceId}`), ok(chain)),
    );
    renderPage(<Explore />);
    await userEvent.click(await screen.findByText('the row'));
    const detail = await screen.findByRole('table', { name: 'Record detail' });
    expect(within(detail).getByText('T1110')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: `Show trace ${traceId}` }));
    const tree = await screen.findByLabelText('Trace chain');
    const order = within(tree)
      .getAllByTestId(/^chain-/)
      .map((e) => e.getAttribute('data-testid'));
    expect(order).toEqual(['chain-request', 'chain-db_operation', 'chain-field_change', 'chain-security']);
    expect(within(tree).getByText('UPDATE users#7.email')).toBeInTheDocument();
  });

  it('exports every matching row as CSV, across all pages', async () => {
    let blob: Blob | undefined;
    URL.createObjectURL = jest.fn((b: Blob) => {
      blob = b;
      return 'blob:csv';
    });
    URL.revokeObjectURL = jest.fn();
    const click = jest.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    server.use(pagedSearch(2500));
    renderPage(<Explore />);
    await screen.findByText('event 0');
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV (all matches)' }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    const lines = ((await blob?.text()) ?? '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^event_time,kind,event_id/);
    expect(lines).toHaveLength(2501);
    click.mockRestore();
  });

  it('denies the page without the read action', async () => {
    renderPage(<Explore />, { actions: [] });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });

  it('is available to a reader', async () => {
    server.use(pagedSearch(1));
    renderPage(<Explore />, { actions: READER });
    expect(await screen.findByText('event 0')).toBeInTheDocument();
  });
});

describe('Explore page links', () => {
  it('opens the trace chain named in the URL (dashboard trace links)', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    server.use(
      http.get(readUrl('/search'), ok({ rows: [], nextCursor: null })),
      http.get(
        readUrl(`/traces/${traceId}`),
        ok({
          traceId,
          requests: [],
          dbOperations: [],
          orphanChanges: [],
          securityEvents: [],
          adminOperations: [],
          rows: 0,
        }),
      ),
    );
    renderPage(<Explore />, { path: `/a/auditlens-audit-app/explore?trace=${traceId}&x=1` });
    expect(await screen.findByText('No audit records in this trace for this tenant')).toBeInTheDocument();
  });
});
