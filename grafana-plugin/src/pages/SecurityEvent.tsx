import React from 'react';
import { useParams } from 'react-router-dom';

import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { ACTIONS } from '../constants';
import { useScope } from '../features/scope/ScopeContext';
import { SecurityEventDetail } from '../features/security-events/SecurityEventDetail';
import { useSecurityEvent } from '../features/security-events/useSecurityEvents';

/**
 * One security event as a page under Security events (breadcrumb: AuditLens › Security events ›
 * the event): its fields, status history and triage form. Alert notifications link here.
 */
export default function SecurityEvent() {
  const { eventId = '' } = useParams();
  const { tenant } = useScope();
  const event = useSecurityEvent(tenant, eventId);
  const title = event.data?.event_type
    ? `${event.data.event_type} ${eventId.slice(0, 8)}`
    : `Event ${eventId.slice(0, 8)}`;
  return (
    <AppPage
      action={ACTIONS.read}
      showRange={false}
      pageNav={{ text: title, subTitle: `Security event ${eventId}` }}
    >
      <QueryState state={event} what="Security event">
        {(e) => <SecurityEventDetail event={e} tenant={tenant} />}
      </QueryState>
    </AppPage>
  );
}
