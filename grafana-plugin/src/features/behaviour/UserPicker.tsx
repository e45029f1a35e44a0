import { Badge, Button, Card, Field, Icon, Input, Stack, Text } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import type { UserLookup } from '../../api/behaviourSchemas';
import { formatCount } from '../../components/Stat/StatCard';
import { QueryState } from '../../components/QueryState/QueryState';
import { ROUTES } from '../../constants';
import { appUrl } from '../links/links';
import { useScope } from '../scope/ScopeContext';
import { formatApiTime } from '../time/time';
import { useUrlParams } from '../url/useUrlParams';
import { useUserLookup } from './useBehaviour';

/** The matches of a lookup, each opening its user's profile (same tenant, period and peers). */
function UserMatches({ lookup }: { lookup: UserLookup }) {
  const [params] = useUrlParams();
  const { timeZone } = useScope();
  const peers = params.get('peers') ?? '';
  return (
    <ul aria-label="Matching users" style={{ listStyle: 'none', padding: 0, margin: 0, maxWidth: 720 }}>
      {lookup.users.map((user) => (
        <li key={user.id}>
          <Card
            href={appUrl(ROUTES.UserBehaviour, params, { user: user.id, peers })}
            data-testid={`user-match-${user.id}`}
          >
            <Card.Heading>{user.names[0] ? `${user.names[0]} (${user.id})` : user.id}</Card.Heading>
            <Card.Meta>
              {[
                `${formatCount(user.records)} records`,
                `last seen ${formatApiTime(user.lastSeen, timeZone)}`,
                `roles ${user.roles.join(', ') || '(none)'}`,
                ...(user.names.length > 1 ? [`also named ${user.names.slice(1).join(', ')}`] : []),
              ]}
            </Card.Meta>
            {user.exact && (
              <Card.Tags>
                <Badge color="blue" text="exact match" />
              </Card.Tags>
            )}
          </Card>
        </li>
      ))}
      {lookup.truncated && (
        <li>
          <Text color="secondary">More users match: type more of the name or id.</Text>
        </li>
      )}
    </ul>
  );
}

/**
 * Finds a user by a part of a name or id, any case (GET /behaviour/users over the page's tenant
 * and period) and opens the profile. The text searched is in the URL (`find`), so a shared link
 * shows the same matches; when one user alone has exactly that id or name, the profile opens.
 * `aside`: the page's own controls, in the form's row (the matches go below it).
 */
export function UserPicker({ aside }: { aside?: React.ReactNode }) {
  const [params, update] = useUrlParams();
  const find = params.get('find') ?? '';
  const user = params.get('user') ?? '';
  const [draft, setDraft] = useState(find || user);
  useEffect(() => setDraft(find || user), [find, user]);
  const lookup = useUserLookup(find);
  const matches = lookup.data?.users ?? [];
  const only = find && matches.length === 1 && matches[0]?.exact ? matches[0].id : '';
  useEffect(() => {
    if (only) update({ user: only, find: undefined }, { replace: true });
  }, [only, update]);
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          update({ find: draft.trim(), user: undefined });
        }}
      >
        <Stack gap={2} alignItems="flex-end" wrap="wrap">
          <Field
            label="User"
            description="A name or user id, or a part of one (any case)"
            htmlFor="behaviour-user"
          >
            <Stack gap={1}>
              <Input
                id="behaviour-user"
                value={draft}
                width={40}
                prefix={<Icon name="search" />}
                placeholder="e.g. Wang Wu, zhangsan, u-1042"
                onChange={(e) => setDraft(e.currentTarget.value)}
              />
              <Button type="submit" icon="user">
                Find user
              </Button>
            </Stack>
          </Field>
          {aside}
        </Stack>
      </form>
      {find && (
        <QueryState
          state={lookup}
          what="Users"
          isEmpty={(answer) => answer.users.length === 0}
          emptyMessage={`No user whose id or name contains "${find}" has records in this period`}
        >
          {(answer) => <UserMatches lookup={answer} />}
        </QueryState>
      )}
    </>
  );
}
