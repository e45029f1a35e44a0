import { setTimeZoneResolver } from '@grafana/data';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, HttpResponse, ok, pending, readUrl } from '../testing/api';
import { row } from '../testing/fixtures';
import { clickInTable, READER, renderPage } from '../testing/render';
import { server } from '../testing/server';
import Explore from './Explore';

const id = (n: number) => `0190c3a2-0000-7000-8000-${String(n).padStart(12, '0')}`;
const EXPLORE = '/a/auditlens-audit-app/explore';

/** `total` rows served `limit` at a time with keyset cursors, as the exporter does. */
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

const table = () => screen.getByRole('table', { name: 'Audit records' });

describe('Explore page', () => {
  afterEach(() => setTimeZoneResolver(() => 'browser'));

  it('shows a loading state', async () => {
    server.use(http.get(readUrl('/search'), pending()));
    renderPage(<Explore />, { path: EXPLORE });
    expect(await screen.findByText('Loading audit records…')).toBeInTheDocument();
  });

  it("pages through every result with the cursor, without a cap, in Grafana's table", async () => {
    const asked: URL[] = [];
    server.use(pagedSearch(250, asked));
    renderPage(<Explore />, { path: EXPLORE });
    await screen.findByText('event 0');
    expect(screen.getByTestId('result-count')).toHaveTextContent('100 records loaded, more available');
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getByTestId('result-count')).toHaveTextContent('200 records loaded'));
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getByTestId('result-count')).toHaveTextContent('250 records loaded'));
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    expect(asked.map((u) => u.searchParams.get('cursor'))).toEqual([null, '100', '200']);
    expect(asked.every((u) => u.searchParams.get('tenant') === 'acme')).toBe(true);
    // the same time window for every page of one search
    expect(new Set(asked.map((u) => u.searchParams.get('from'))).size).toBe(1);
    // Grafana's table renders only the rows in view (virtualised), not all 250.
    expect(within(table()).queryAllByRole('row').length).toBeLessThan(60);
    expect(within(table()).getAllByText('198.51.100.7').length).toBeGreaterThan(0);
  });

  it('puts the filters in the URL: a reload, a shared link, back and forward show the same search', async () => {
    const asked: URL[] = [];
    server.use(pagedSearch(3, asked));
    const page = renderPage(<Explore />, { path: EXPLORE });
    await screen.findByText('event 0');
    await userEvent.type(screen.getByLabelText('User'), 'alice');
    await userEvent.type(screen.getByLabelText('IP address'), '192.0.2.10');
    await userEvent.type(screen.getByLabelText('Trace id'), 'xyz');
    expect(screen.getByText('a 32-character hex trace id')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Search' })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText('Trace id'));
    await userEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(asked.length).toBe(2));
    expect([asked[1]?.searchParams.get('user'), asked[1]?.searchParams.get('ip')]).toEqual([
      'alice',
      '192.0.2.10',
    ]);
    const shared = page.location();
    expect(shared.searchParams.get('user')).toBe('alice');
    expect(shared.searchParams.get('ip')).toBe('192.0.2.10');
    expect(shared.searchParams.get('tenant')).toBe('acme');

    // Back: the unfiltered search again (from the cache), and its empty form.
    page.navigate(-1);
    await waitFor(() => expect(screen.getByLabelText('User')).toHaveValue(''));
    expect(page.location().searchParams.get('user')).toBeNull();
    // Forward: the filters are back, in the form too.
    page.navigate(1);
    await waitFor(() => expect(screen.getByLabelText('User')).toHaveValue('alice'));
    page.unmount();

    // The shared link, opened afresh (a reload): same form, same request.
    asked.length = 0;
    renderPage(<Explore />, { path: `${shared.pathname}${shared.search}`, tenant: '' });
    expect(await screen.findByLabelText('IP address')).toHaveValue('192.0.2.10');
    await waitFor(() => expect(asked.length).toBe(1));
    expect(asked[0]?.searchParams.get('user')).toBe('alice');
  });

  it("shows times in the Grafana user's time zone, and in the URL's when a link names one", async () => {
    setTimeZoneResolver(() => 'Asia/Shanghai');
    server.use(
      http.get(
        readUrl('/search'),
        ok({ rows: [row({ event_time: '2025-01-15 10:00:00.000' })], nextCursor: null }),
      ),
    );
    const page = renderPage(<Explore />, { path: EXPLORE });
    expect(
      await within(await screen.findByRole('table', { name: 'Audit records' })).findByText(
        '2025-01-15 18:00:00',
      ),
    ).toBeInTheDocument();
    page.unmount();
    renderPage(<Explore />, { path: `${EXPLORE}?timezone=America/New_York` });
    expect(await screen.findByText('2025-01-15 05:00:00')).toBeInTheDocument();
  });

  it('says when nothing matches', async () => {
    server.use(http.get(readUrl('/search'), ok({ rows: [], nextCursor: null })));
    renderPage(<Explore />, { path: EXPLORE });
    expect(await screen.findByText(/No audit records match/)).toBeInTheDocument();
  });

  it("shows the exporter's error message, and what to do", async () => {
    server.use(http.get(readUrl('/search'), fail(400, 'ip: not an IP address')));
    renderPage(<Explore />, { path: EXPLORE });
    expect(await screen.findByText(/Search: the exporter refused the request/)).toBeInTheDocument();
    expect(screen.getByText('ip: not an IP address')).toBeInTheDocument();
  });

  it('opens a record with every column, in the URL; its trace links to the trace page', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    server.use(
      http.get(readUrl('/search'), ok({ rows: [row({ summary: 'the row' })], nextCursor: null })),
      http.get(
        readUrl('/records/security/:eventId'),
        ok({ event_id: id(1), event_type: 'LOGIN_FAILED', mitre_technique: 'T1110', trace_id: traceId }),
      ),
    );
    const page = renderPage(<Explore />, { path: EXPLORE });
    await screen.findByText('the row');
    await clickInTable(
      () => screen.getByText('the row'),
      () => expect(page.location().searchParams.get('record')).toBe(`security:${id(1)}`),
    );
    const detail = await screen.findByRole('table', { name: 'Record detail' });
    expect(await within(detail).findByText('T1110')).toBeInTheDocument();
    expect(page.location().searchParams.get('record')).toBe(`security:${id(1)}`);
    const trace = screen.getByRole('link', { name: `Show trace ${traceId}` });
    expect(trace.getAttribute('href')).toBe(`/a/auditlens-audit-app/explore/trace/${traceId}?tenant=acme`);
    const inTable = within(table()).getByRole('link', { name: traceId.slice(0, 8) });
    expect(inTable.getAttribute('href')).toBe(trace.getAttribute('href'));
  });

  it("links a record about a resource to the resource's history: everything that happened to it, oldest first", async () => {
    server.use(
      http.get(
        readUrl('/search'),
        ok({ rows: [row({ kind: 'admin', summary: 'DISABLE_USER' })], nextCursor: null }),
      ),
      http.get(
        readUrl('/records/admin/:eventId'),
        ok({ event_id: id(1), operation_name: 'DISABLE_USER', target_type: 'sys_user', target_id: '1001' }),
      ),
    );
    const page = renderPage(<Explore />, { path: EXPLORE });
    await screen.findByText('DISABLE_USER');
    await clickInTable(
      () => screen.getByText('DISABLE_USER'),
      () => expect(page.location().searchParams.get('record')).toBe(`admin:${id(1)}`),
    );
    const history = await screen.findByRole('link', { name: 'History of sys_user#1001' });
    expect(history.getAttribute('href')).toBe(
      '/a/auditlens-audit-app/explore?tenant=acme&resourceType=sys_user&resourceId=1001&order=asc',
    );
  });

  it('searches by resource, oldest first, with the parameters the exporter takes', async () => {
    const asked: URL[] = [];
    server.use(pagedSearch(3, asked));
    renderPage(<Explore />, { path: `${EXPLORE}?resourceType=sys_user&resourceId=1001&order=asc` });
    await screen.findByText('event 0');
    const sent = asked[0]?.searchParams;
    expect([sent?.get('resourceType'), sent?.get('resourceId'), sent?.get('order')]).toEqual([
      'sys_user',
      '1001',
      'asc',
    ]);
    expect(screen.getByLabelText('Resource type')).toHaveValue('sys_user');
  });

  it('labels every row with its tenant when the search reads all tenants, and opens a record in its own tenant', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/search'), ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json({
          rows: [
            row({ tenant_id: 'globex', summary: 'from globex' }),
            row({ event_id: id(2), tenant_id: '', summary: 'system' }),
          ],
          nextCursor: null,
        });
      }),
      http.get(readUrl('/records/security/:eventId'), ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json({ event_id: id(1) });
      }),
    );
    const page = renderPage(<Explore />, { path: EXPLORE, tenant: '*' });
    await screen.findByText('from globex');
    expect(asked[0]?.searchParams.get('tenant')).toBe('*');
    expect(within(table()).getByText('globex')).toBeInTheDocument();
    expect(within(table()).getByText('@system')).toBeInTheDocument();
    await clickInTable(
      () => screen.getByText('from globex'),
      () => expect(page.location().searchParams.get('record')).toBe(`security:${id(1)}:globex`),
    );
    await screen.findByRole('table', { name: 'Record detail' });
    expect(asked.at(-1)?.searchParams.get('tenant')).toBe('globex');
    // A user name opens the user's profile in the row's own tenant.
    const [profile] = within(table()).getAllByRole('link', { name: 'Alice' });
    const href = new URL(profile?.getAttribute('href') ?? '', 'http://grafana');
    expect(href.pathname).toBe('/a/auditlens-audit-app/user-behaviour');
    expect([href.searchParams.get('user'), href.searchParams.get('tenant')]).toEqual(['alice', 'globex']);
  });

  it('sends ?trace=<id> (the dashboards’ trace links) to the trace page', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const page = renderPage(<Explore />, { path: `${EXPLORE}?trace=${traceId}&from=now-7d&to=now` });
    await waitFor(() => expect(page.location().pathname).toBe(`${EXPLORE}/trace/${traceId}`));
    expect(page.location().searchParams.get('from')).toBe('now-7d');
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
    renderPage(<Explore />, { path: EXPLORE });
    await screen.findByText('event 0');
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV (all matches)' }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    const lines = ((await blob?.text()) ?? '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^event_time,kind,event_id/);
    expect(lines).toHaveLength(2501);
    click.mockRestore();
  });

  it('opens the same search in Grafana Explore', async () => {
    server.use(pagedSearch(1));
    renderPage(<Explore />, { path: `${EXPLORE}?user=alice&kinds=security` });
    const link = await screen.findByRole('link', { name: 'Open in Explore' });
    const pane = JSON.parse(
      new URL(link.getAttribute('href') ?? '', 'http://g').searchParams.get('panes') ?? '{}',
    ).auditlens;
    expect(pane.queries[0].rawSql).toMatch(/\/search\/sql .*kinds=security.*user=alice.*limit=1000/);
  });

  it('denies the page without the read action', async () => {
    renderPage(<Explore />, { actions: [], path: EXPLORE });
    expect(await screen.findByText('Permission denied')).toBeInTheDocument();
  });

  it('is available to a reader', async () => {
    server.use(pagedSearch(1));
    renderPage(<Explore />, { actions: READER, path: EXPLORE });
    await screen.findByText('event 0');
  });
});
