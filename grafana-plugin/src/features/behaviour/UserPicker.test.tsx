import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { fail, http, ok, readUrl } from '../../testing/api';
import { USERS_WANG } from '../../testing/behaviour';
import { renderPage } from '../../testing/render';
import { server } from '../../testing/server';
import { UserPicker } from './UserPicker';

const PAGE = '/a/auditlens-audit-app/user-behaviour';

describe('UserPicker', () => {
  it('searches by a part of a name in the tenant and period, lists the matches with their figures, the text in the URL', async () => {
    const asked: URL[] = [];
    server.use(
      http.get(readUrl('/behaviour/users'), ({ request }) => {
        asked.push(new URL(request.url));
        return ok(USERS_WANG)();
      }),
    );
    const page = renderPage(<UserPicker />, { path: `${PAGE}?from=now-24h&to=now&peers=tenant` });
    await userEvent.type(screen.getByLabelText(/^User/), 'wang');
    await userEvent.click(screen.getByRole('button', { name: 'Find user' }));
    const list = await screen.findByRole('list', { name: 'Matching users' });
    expect(page.location().searchParams.get('find')).toBe('wang');
    const call = asked.at(-1);
    expect(call?.searchParams.get('q')).toBe('wang');
    expect(call?.searchParams.get('tenant')).toBe('acme');
    expect(Number(call?.searchParams.get('to')) - Number(call?.searchParams.get('from'))).toBe(86_400_000);
    const first = within(list).getByTestId('user-match-u-1042');
    expect(first).toHaveTextContent('Wang Wu (u-1042)');
    expect(first).toHaveTextContent('1,234 records');
    expect(first).toHaveTextContent('roles analyst');
    expect(first).toHaveTextContent('also named wangwu');
    expect(within(list).getByText(/More users match/)).toBeInTheDocument();
    // Each match opens that user's profile in the same tenant, period and peer group.
    const link = within(first).getByRole('link', { name: 'Wang Wu (u-1042)' });
    expect(link.getAttribute('href')).toMatch(
      /\/user-behaviour\?tenant=acme&from=now-24h&to=now&user=u-1042&peers=tenant$/,
    );
  });

  it('opens the profile at once when one user alone has exactly that id or name', async () => {
    server.use(
      http.get(readUrl('/behaviour/users'), ({ request }) => {
        const q = new URL(request.url).searchParams.get('q');
        const [wangwu] = USERS_WANG.users;
        return ok({ ...USERS_WANG, users: [{ ...wangwu, exact: q === 'wang wu' }], truncated: false })();
      }),
    );
    const page = renderPage(<UserPicker />, { path: PAGE });
    await userEvent.type(screen.getByLabelText(/^User/), 'wang wu');
    await userEvent.click(screen.getByRole('button', { name: 'Find user' }));
    await waitFor(() => expect(page.location().searchParams.get('user')).toBe('u-1042'));
    expect(page.location().searchParams.has('find')).toBe(false);
    expect(screen.getByLabelText(/^User/)).toHaveValue('u-1042');
  });

  it('says when no user matches, and explains a refused lookup', async () => {
    server.use(http.get(readUrl('/behaviour/users'), ok({ ...USERS_WANG, users: [], truncated: false })));
    renderPage(<UserPicker />, { path: `${PAGE}?find=nobody` });
    expect(
      await screen.findByText('No user whose id or name contains "nobody" has records in this period'),
    ).toBeInTheDocument();
    server.use(http.get(readUrl('/behaviour/users'), fail(403, 'this token may not access tenant "acme"')));
    renderPage(<UserPicker />, { path: `${PAGE}?find=wang` });
    expect(await screen.findByText(/^Users: /)).toBeInTheDocument();
  });
});
