import { fireEvent, screen, within } from '@testing-library/react';
import React from 'react';

import { http, ok, readUrl } from '../testing/api';
import { renderPage } from '../testing/render';
import { server } from '../testing/server';
import AiUsage from './AiUsage';

const row = (key: string, calls: number, cost: number, currency = 'USD') => ({
  key,
  calls,
  failed: 0,
  inputTokens: calls * 1000,
  outputTokens: calls * 100,
  cost,
  currency,
});

const USAGE = {
  from: '2025-01-14T10:00:00.000Z',
  to: '2025-01-15T10:00:00.000Z',
  totals: [
    { calls: 12, failed: 1, inputTokens: 12000, outputTokens: 1200, cost: 61.5, currency: 'USD' },
    { calls: 2, failed: 0, inputTokens: 2000, outputTokens: 200, cost: 0.4, currency: 'EUR' },
  ],
  byUser: [row('mallory', 10, 60), row('alice', 2, 1.5), row('bob', 2, 0.4, 'EUR')],
  byModel: [row('o1-pro', 10, 60), row('gpt-4o', 4, 1.9)],
  byProvider: [row('openai', 14, 61.9)],
  byTenant: [row('acme', 14, 61.9)],
  // ClickHouse's 64-bit integers arrive as strings: the contract reads them as numbers.
  byDay: [{ ...row('2025-01-15', 14, 61.9), calls: '14' }],
};

describe('AI & API usage page', () => {
  it('shows calls, tokens and cost per currency, and the breakdowns with links', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/stats/usage'), ({ request }) => {
        asked.push(new URL(request.url));
        return ok(USAGE)();
      }),
    );
    const { location } = renderPage(<AiUsage />, { path: '/a/auditlens-audit-app/ai-usage' });
    expect(await screen.findByTestId('stat-Calls')).toHaveTextContent('14');
    expect(screen.getByTestId('stat-Failed')).toHaveTextContent('1');
    expect(screen.getByTestId('stat-Input tokens')).toHaveTextContent('14,000');
    expect(screen.getByTestId('stat-Cost USD')).toHaveTextContent('61.5 USD');
    expect(screen.getByTestId('stat-Cost EUR')).toHaveTextContent('0.4 EUR');
    const users = screen.getByRole('table', { name: 'Usage per user' });
    const mallory = within(users).getByRole('link', { name: 'mallory' });
    expect(mallory.getAttribute('href')).toMatch(/\/ai-usage\?tenant=acme&user=mallory$/);
    expect(within(users).getByText('60 USD')).toBeInTheDocument();
    expect(within(users).getAllByRole('link', { name: 'Explore' })[0]?.getAttribute('href')).toMatch(
      /\/explore\?tenant=acme&user=mallory&kinds=request$/,
    );
    expect(
      within(screen.getByRole('table', { name: 'Usage per day' })).getByText('2025-01-15'),
    ).toBeInTheDocument();
    expect(asked[0]?.searchParams.get('tenant')).toBe('acme');

    // A filter goes to the URL and to the exporter.
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'o1-pro' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(await screen.findByDisplayValue('o1-pro')).toBeInTheDocument();
    expect(location().searchParams.get('model')).toBe('o1-pro');
    await screen.findByTestId('stat-Calls');
    expect(asked.at(-1)?.searchParams.get('model')).toBe('o1-pro');
  });

  it('says so when there are no AI or API calls', async () => {
    server.use(
      http.get(
        readUrl('/stats/usage'),
        ok({ ...USAGE, totals: [], byUser: [], byModel: [], byProvider: [], byTenant: [], byDay: [] }),
      ),
    );
    renderPage(<AiUsage />, { path: '/a/auditlens-audit-app/ai-usage' });
    expect(await screen.findByText(/No AI or API calls in this time range/)).toBeInTheDocument();
  });
});
