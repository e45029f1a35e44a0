import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import {
  Alert,
  Badge,
  Field,
  LinkButton,
  RadioButtonGroup,
  Stack,
  Text,
  TextLink,
  useStyles2,
} from '@grafana/ui';
import React, { useMemo } from 'react';

import type { Profile, ProfileClient } from '../api/behaviourSchemas';
import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { formatCount, formatRate, StatCard, StatGrid } from '../components/Stat/StatCard';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, ROUTES } from '../constants';
import { ActivityHeatmap } from '../features/behaviour/ActivityHeatmap';
import { traceColumn } from '../features/behaviour/traceColumn';
import { UserPicker } from '../features/behaviour/UserPicker';
import { useProfile } from '../features/behaviour/useBehaviour';
import { appUrl, dashboardUrl } from '../features/links/links';
import { useScope } from '../features/scope/ScopeContext';
import { RiskBadge } from '../features/search/Badges';
import { formatIp, riskLabel } from '../features/search/format';
import { parseApiTime } from '../features/time/time';
import { useUrlParams } from '../features/url/useUrlParams';

type Row = { name: string; events: number };
const counted = (label: string): Array<Column<Row>> => [
  { name: label, value: (r) => r.name || '(none)' },
  { name: 'Records', type: 'number', value: (r) => r.events, gauge: true },
];

/** "12 (previous 3, peers 4)": the figure against the previous period and the peers' median. */
function compared(value: number, baseline: number, peers: number): string {
  return `${formatCount(value)} (prev. ${formatCount(baseline)}, peers ${formatCount(Math.round(peers))})`;
}

function ProfileView({ profile }: { profile: Profile }) {
  const styles = useStyles2(getStyles);
  const [params] = useUrlParams();
  const { tenant, range } = useScope();
  const t = profile.totals;
  const b = profile.baseline;
  const p = profile.peers.median;
  const actions = useMemo<Array<Column<Profile['byAction'][number]>>>(
    () => [
      { name: 'Kind', value: (a) => a.kind, width: 110 },
      { name: 'Action', value: (a) => a.action || '(none)' },
      { name: 'Records', type: 'number', value: (a) => a.events, gauge: true },
      { name: 'Failed or denied', type: 'number', value: (a) => a.failed, width: 130 },
      { name: 'Sensitive', type: 'number', value: (a) => a.sensitive, width: 100 },
    ],
    [],
  );
  const clients = useMemo<Array<Column<ProfileClient>>>(
    () => [
      {
        name: 'IP',
        value: (c) => formatIp(c.ip) || '(none)',
        cell: (c) => (
          <Stack gap={1} alignItems="center">
            {formatIp(c.ip) || '(none)'}
            {c.isNew && <Badge color="orange" text="new" />}
          </Stack>
        ),
        width: 200,
      },
      { name: 'User agent', value: (c) => c.userAgent || '(none)' },
      { name: 'Records', type: 'number', value: (c) => c.events, width: 100 },
      { name: 'First seen', type: 'time', value: (c) => parseApiTime(c.firstSeen), width: 190 },
      { name: 'Last seen', type: 'time', value: (c) => parseApiTime(c.lastSeen), width: 190 },
    ],
    [],
  );
  const sessions = useMemo<Array<Column<Profile['sessions'][number]>>>(
    () => [
      { name: 'Session', value: (s) => s.id },
      { name: 'IP', value: (s) => formatIp(s.ip), width: 180 },
      { name: 'Records', type: 'number', value: (s) => s.events, width: 100 },
      { name: 'First', type: 'time', value: (s) => parseApiTime(s.firstSeen), width: 190 },
      { name: 'Last', type: 'time', value: (s) => parseApiTime(s.lastSeen), width: 190 },
    ],
    [],
  );
  const resources = useMemo<Array<Column<Profile['resources'][number]>>>(
    () => [
      { name: 'Kind', value: (r) => r.kind, width: 110 },
      { name: 'Resource', value: (r) => r.resource },
      { name: 'Records', type: 'number', value: (r) => r.events, gauge: true },
      { name: 'Sensitive', type: 'number', value: (r) => r.sensitive, width: 100 },
    ],
    [],
  );
  const sensitive = useMemo<Array<Column<Profile['sensitiveOperations'][number]>>>(
    () => [
      { name: 'Kind', value: (s) => s.kind, width: 110 },
      { name: 'Action', value: (s) => s.action || '(none)' },
      { name: 'Resource', value: (s) => s.resource || '(none)' },
      { name: 'Sensitive records', type: 'number', value: (s) => s.events, gauge: true },
    ],
    [],
  );
  const security = useMemo<Array<Column<Profile['securityEvents'][number]>>>(
    () => [
      { name: 'Time', type: 'time', value: (e) => parseApiTime(e.event_time), width: 190 },
      {
        name: 'Event',
        value: (e) => e.event_type,
        cell: (e) => (
          <TextLink href={appUrl(`${ROUTES.SecurityEvents}/${e.event_id}`, params)} inline={false}>
            {e.event_type}
          </TextLink>
        ),
        width: 220,
      },
      { name: 'Alert rule', value: (e) => e.rule_name || (e.detection_method ? e.detection_method : '') },
      {
        name: 'Risk',
        type: 'number',
        value: (e) => e.risk_level,
        cell: (e) => <RiskBadge level={e.risk_level} />,
        width: 100,
      },
      { name: 'IP', value: (e) => formatIp(e.ip_address), width: 160 },
      traceColumn(params),
    ],
    [params],
  );
  const risk = profile.riskDistribution.map((r) => ({ name: riskLabel(r.level), events: r.events }));
  return (
    <>
      <Text color="secondary" data-testid="profile-scope">
        {profile.user} · roles {profile.roles.join(', ') || '(none)'} · compared with{' '}
        {profile.peers.basis === 'role' ? 'users sharing a role' : 'all users of the tenant'} (
        {formatCount(profile.peers.users)}) and the previous period · hours in UTC
      </Text>
      <StatGrid>
        <StatCard label="Records" value={compared(t.events, b.events, p.events)} />
        <StatCard
          label="Success rate"
          value={`${formatRate(t.successRate)} (prev. ${formatRate(b.successRate)})`}
          tone={t.failureRate > 0.2 ? 'warning' : undefined}
        />
        <StatCard
          label="Failed"
          value={compared(t.failed, b.failed, p.failed)}
          tone={t.failed > 0 ? 'error' : undefined}
        />
        <StatCard label="Denied" value={formatCount(t.denied)} tone={t.denied > 0 ? 'error' : undefined} />
        <StatCard label="High risk" value={compared(t.highRisk, b.highRisk, p.highRisk)} />
        <StatCard label="Sensitive" value={compared(t.sensitive, b.sensitive, p.sensitive)} />
        <StatCard label="Off-hours" value={compared(t.offHoursEvents, b.offHoursEvents, p.offHoursEvents)} />
        <StatCard label="Sessions" value={`${formatCount(t.sessions)} (prev. ${formatCount(b.sessions)})`} />
        <StatCard
          label="Alerts"
          value={formatCount(profile.alerts)}
          tone={profile.alerts > 0 ? 'error' : undefined}
        />
        <StatCard label="More active than peers" value={formatRate(profile.peers.eventsPercentile)} />
      </StatGrid>
      {profile.deviations.length > 0 && (
        <Alert severity="warning" title="Deviations from the previous period and peers">
          <ul className={styles.list}>
            {profile.deviations.map((d) => (
              <li key={d.metric}>{d.message}</li>
            ))}
          </ul>
        </Alert>
      )}
      <Stack gap={1}>
        <LinkButton
          variant="secondary"
          icon="search"
          href={appUrl(ROUTES.Explore, params, { user: profile.user })}
        >
          Records in Explore
        </LinkButton>
        <LinkButton
          variant="secondary"
          icon="exclamation-triangle"
          href={appUrl(ROUTES.SuspiciousActivity, params, { user: profile.user })}
        >
          Suspicious activity
        </LinkButton>
        <LinkButton
          variant="secondary"
          icon="apps"
          href={`${dashboardUrl('auditlens-user-behaviour', tenant, range)}&var-user=${encodeURIComponent(profile.user)}`}
        >
          Dashboard
        </LinkButton>
      </Stack>
      <section className={styles.section}>
        <Text element="h3">Activity by weekday and hour</Text>
        <ActivityHeatmap cells={profile.heatmap} />
      </section>
      <div className={styles.columns}>
        <DataTable ariaLabel="By kind" rows={profile.byKind} columns={counted('Kind')} maxHeight={260} />
        <DataTable
          ariaLabel="By result"
          rows={profile.byResult}
          columns={counted('Result')}
          maxHeight={260}
        />
        <DataTable ariaLabel="Risk distribution" rows={risk} columns={counted('Risk')} maxHeight={260} />
        <DataTable
          ariaLabel="Services"
          rows={profile.services}
          columns={counted('Service')}
          maxHeight={260}
        />
      </div>
      <section className={styles.section}>
        <Text element="h3">Actions</Text>
        <DataTable ariaLabel="Actions" rows={profile.byAction} columns={actions} maxHeight={360} />
      </section>
      <section className={styles.section}>
        <Text element="h3">IPs and user agents</Text>
        <DataTable ariaLabel="Clients" rows={profile.clients} columns={clients} maxHeight={300} />
      </section>
      <section className={styles.section}>
        <Text element="h3">Sessions</Text>
        <DataTable ariaLabel="Sessions" rows={profile.sessions} columns={sessions} maxHeight={300} />
      </section>
      <div className={styles.columns}>
        <DataTable ariaLabel="Resources" rows={profile.resources} columns={resources} maxHeight={300} />
        <DataTable
          ariaLabel="Sensitive-data operations"
          rows={profile.sensitiveOperations}
          columns={sensitive}
          maxHeight={300}
        />
      </div>
      <section className={styles.section}>
        <Text element="h3">Security events and alerts</Text>
        <DataTable
          ariaLabel="Security events"
          rows={profile.securityEvents}
          columns={security}
          maxHeight={360}
        />
      </section>
    </>
  );
}

const PEERS = [
  { label: 'Same role', value: 'role' },
  { label: 'Whole tenant', value: 'tenant' },
];

function UserBehaviourBody() {
  const [params, update] = useUrlParams();
  const user = params.get('user') ?? '';
  const peers = params.get('peers') ?? 'role';
  const profile = useProfile(user, peers);
  return (
    <>
      <UserPicker
        aside={
          <Field label="Peers">
            <RadioButtonGroup options={PEERS} value={peers} onChange={(value) => update({ peers: value })} />
          </Field>
        }
      />
      {user ? (
        <QueryState
          state={profile}
          what="User profile"
          isEmpty={(p) => p.totals.events === 0 && p.baseline.events === 0}
          emptyMessage={`No records of ${user} in this period or the one before`}
        >
          {(p) => <ProfileView profile={p} />}
        </QueryState>
      ) : (
        !params.get('find') && (
          <Text color="secondary">
            Find a user by name or id, or follow a user name from Explore, Security events or Suspicious
            activity.
          </Text>
        )
      )}
    </>
  );
}

export default function UserBehaviour() {
  return (
    <AppPage action={ACTIONS.read}>
      <UserBehaviourBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(2), marginBottom: theme.spacing(2) }),
  list: css({ margin: 0, paddingLeft: theme.spacing(2) }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))',
    gap: theme.spacing(2),
    marginTop: theme.spacing(2),
  }),
});
