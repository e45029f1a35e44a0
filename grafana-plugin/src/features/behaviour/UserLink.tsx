import { TextLink } from '@grafana/ui';
import React from 'react';

import { ROUTES } from '../../constants';
import { appUrl } from '../links/links';
import { useUrlParams } from '../url/useUrlParams';

/**
 * A user name that opens the user's behaviour profile (same period; the page's tenant, or the
 * row's own when a page reads several). Clicks stop here, so a link inside a clickable row opens
 * the profile, not the row.
 */
export function UserLink({ userId, label, tenant }: { userId: string; label?: string; tenant?: string }) {
  const [params] = useUrlParams();
  if (!userId) return <>{label ?? ''}</>;
  return (
    <span onClick={(event) => event.stopPropagation()}>
      <TextLink
        href={appUrl(ROUTES.UserBehaviour, params, {
          user: userId,
          ...(tenant !== undefined ? { tenant } : {}),
        })}
        inline={false}
      >
        {label || userId}
      </TextLink>
    </span>
  );
}
