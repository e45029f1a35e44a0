import { screen, within } from '@testing-library/react';
import React from 'react';

import type { TraceChain } from '../api/schemas';
import { http, ok, readUrl } from '../testing/api';
import { row } from '../testing/fixtures';
import { renderPage } from '../testing/render';
import { server } from '../testing/server';
import TraceView from './TraceView';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const id = (n: number) => `0190c3a2-0000-7000-8000-${String(n).padStart(12, '0')}`;
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

const open = (path = `/a/auditlens-audit-app/explore/trace/${traceId}?from=now-7d&to=now`) =>
  renderPage(<TraceView />, { path, route: '/a/auditlens-audit-app/explore/trace/:traceId' });

describe('Trace page', () => {
  it('shows the trace as one chain, as a page under Explore', async () => {
    server.use(http.get(readUrl(`/traces/${traceId}`), ok(chain)));
    open();
    const tree = await screen.findByLabelText('Trace chain');
    const order = within(tree)
      .getAllByTestId(/^chain-/)
      .map((e) => e.getAttribute('data-testid'));
    expect(order).toEqual(['chain-request', 'chain-db_operation', 'chain-field_change', 'chain-security']);
    expect(screen.getByRole('navigation', { name: 'Breadcrumbs' })).toHaveTextContent('Trace 4bf92f35…');
  });

  it('links the trace to the tracing data source and to the same records in Grafana Explore', async () => {
    server.use(http.get(readUrl(`/traces/${traceId}`), ok(chain)));
    open();
    const tempo = await screen.findByRole('link', { name: 'Open in Tempo' });
    const pane = (link: HTMLElement) =>
      JSON.parse(new URL(link.getAttribute('href') ?? '', 'http://g').searchParams.get('panes') ?? '{}')
        .auditlens;
    expect(pane(tempo)).toMatchObject({
      datasource: 'tempo',
      queries: [
        { refId: 'A', queryType: 'traceql', query: traceId, datasource: { uid: 'tempo', type: 'tempo' } },
      ],
      range: { from: 'now-7d', to: 'now' },
    });
    const explore = await screen.findByRole('link', { name: 'Open in Explore' });
    expect(pane(explore).queries[0].rawSql).toContain(`trace=${traceId}`);
  });

  it('says so when the tenant has no record of the trace', async () => {
    server.use(
      http.get(
        readUrl(`/traces/${traceId}`),
        ok({ ...chain, requests: [], dbOperations: [], securityEvents: [], rows: 0 }),
      ),
    );
    open();
    expect(await screen.findByText('No audit records in this trace for this tenant')).toBeInTheDocument();
  });
});
