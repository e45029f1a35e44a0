import { TextLink } from '@grafana/ui';
import React from 'react';

import { ROUTES } from '../../constants';
import { appUrl } from '../links/links';
import { useUrlParams } from '../url/useUrlParams';

/**
 * A user name that opens the user's behaviour profile (same tenant and period). Clicks stop here,
 * so a link inside a clickable row opens the profile, not the row.
 */
export function UserLink({ userId, label }: { userId: string; label?: string }) {
  const [params] = useUrlParams();
  if (!userId) return <>{label ?? ''}</>;
  return (
    <span onClick={(event) => event.stopPropagation()}>
      <TextLink href={appUrl(ROUTES.UserBehaviour, params, { user: userId })} inline={false}>
        {label || userId}
      </TextLink>
    </span>
  );
}
