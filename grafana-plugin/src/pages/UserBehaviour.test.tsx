import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { http, ok, readUrl } from '../testing/api';
import { PROFILE, USERS_WANG } from '../testing/behaviour';
import { renderPage } from '../testing/render';
import { server } from '../testing/server';
import UserBehaviour from './UserBehaviour';

const PAGE = '/a/auditlens-audit-app/user-behaviour';

describe('User behaviour page', () => {
  it('asks for a user, finds them by name, then shows the profile for the user, tenant and period in the URL', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/behaviour/profile'), ({ request }) => {
        asked.push(new URL(request.url));
        return ok(PROFILE)();
      }),
      http.get(
        readUrl('/behaviour/users'),
        ok({
          ...USERS_WANG,
          users: [{ ...USERS_WANG.users[0], id: 'alice', names: ['Alice'], exact: true }],
          truncated: false,
        }),
      ),
    );
    const page = renderPage(<UserBehaviour />, { path: PAGE });
    expect(await screen.findByText(/Find a user by name or id/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^User/), 'ALICE');
    await userEvent.click(screen.getByRole('button', { name: 'Find user' }));
    expect(await screen.findByTestId('stat-Records')).toHaveTextContent('134 (prev. 55, peers 55)');
    expect(page.location().searchParams.get('user')).toBe('alice');
    const call = asked.at(-1);
    expect(call?.searchParams.get('user')).toBe('alice');
    expect(call?.searchParams.get('tenant')).toBe('acme');
    expect(call?.searchParams.get('peers')).toBe('role');
    expect(Number(call?.searchParams.get('to')) - Number(call?.searchParams.get('from'))).toBe(86_400_000);
  });

  it('calls out deviations, marks new clients, draws the heat map and links security events', async () => {
    server.use(http.get(readUrl('/behaviour/profile'), ok(PROFILE)));
    renderPage(<UserBehaviour />, { path: `${PAGE}?user=alice&from=now-7d&to=now` });
    expect(await screen.findByText(/40 sensitive-data operations: over 10×/)).toBeInTheDocument();
    expect(screen.getByTestId('stat-Alerts')).toHaveTextContent('1');
    expect(screen.getByTestId('heat-3-3')).toHaveAttribute('title', 'Wed 03:00 UTC: 79 records');
    expect(screen.getByTestId('heat-2-3')).toHaveAttribute('title', 'Tue 03:00 UTC: 0 records');
    const clients = screen.getByRole('table', { name: 'Clients' });
    expect(within(clients).getByText('new')).toBeInTheDocument();
    expect(within(clients).getByText('203.0.113.9')).toBeInTheDocument();
    // A client of records without an address (stored as ::) reads "(none)", as a missing user agent.
    expect(within(clients).getAllByText('(none)')).toHaveLength(2);
    const security = screen.getByRole('table', { name: 'Security events' });
    expect(within(security).getByRole('link', { name: 'MASS_EXPORT' }).getAttribute('href')).toMatch(
      /\/security-events\/0194a1b2-0000-7000-8000-000000000001\?tenant=acme&from=now-7d&to=now$/,
    );
    expect(within(security).getByRole('link', { name: 'trace' }).getAttribute('href')).toMatch(
      /\/explore\/trace\/4bf92f3577b34da6a3ce929d0e0e4736\?/,
    );
    expect(screen.getByRole('link', { name: /Suspicious activity/ }).getAttribute('href')).toMatch(
      /\/suspicious-activity\?tenant=acme&from=now-7d&to=now&user=alice$/,
    );
  });

  it('switches the peer group through the URL', async () => {
    const peers: string[] = [];
    server.use(
      http.get(readUrl('/behaviour/profile'), ({ request }) => {
        peers.push(new URL(request.url).searchParams.get('peers') ?? '');
        return ok(PROFILE)();
      }),
    );
    const page = renderPage(<UserBehaviour />, { path: `${PAGE}?user=alice` });
    await screen.findByTestId('stat-Records');
    await userEvent.click(screen.getByRole('radio', { name: 'Whole tenant' }));
    await screen.findByTestId('stat-Records');
    expect(page.location().searchParams.get('peers')).toBe('tenant');
    expect(peers).toContain('tenant');
  });

  it('is refused without the read permission', async () => {
    renderPage(<UserBehaviour />, { actions: [], path: PAGE });
    expect(await screen.findByText(/Permission denied/)).toBeInTheDocument();
  });
});
