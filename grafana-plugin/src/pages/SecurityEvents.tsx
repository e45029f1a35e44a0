import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Badge, Button, Field, Input, Select, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';
import { Navigate } from 'react-router-dom';

import { SECURITY_EVENT_STATUSES, type SecurityEvent, type SecurityQueueGroup } from '../api/alertSchemas';
import { AppPage } from '../components/Page/AppPage';
import { PagedListFooter } from '../components/QueryState/PagedListFooter';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, PLUGIN_BASE_URL, ROUTES, SYSTEM_TENANT } from '../constants';
import { appUrl } from '../features/links/links';
import { OpenInExplore } from '../features/links/OpenInExplore';
import { useScope } from '../features/scope/ScopeContext';
import { RiskBadge } from '../features/search/Badges';
import { formatIp } from '../features/search/format';
import { readsSeveralTenants } from '../features/search/useSearch';
import { STATUS_COLORS } from '../features/security-events/SecurityEventDetail';
import {
  eventFiltersFromUrl,
  eventFiltersToUrl,
  NO_EVENT_FILTERS,
  useSecurityEvents,
  useSecurityQueue,
  type SecurityEventFilters,
} from '../features/security-events/useSecurityEvents';
import { parseApiTime } from '../features/time/time';
import { useUrlParams, type UrlChanges } from '../features/url/useUrlParams';
import { UserLink } from '../features/behaviour/UserLink';

const ANY = { label: 'any', value: '' };
/** The list shows the events still to handle unless the URL asks otherwise (`open=all|false`). */
const OPEN_OPTIONS: Array<SelectableValue<string>> = [
  { label: 'still to handle', value: '' },
  { label: 'closed', value: 'false' },
  { label: 'all', value: 'all' },
];

/** The exporter's parameters for the URL's filters (`open` defaults to the events still to handle). */
function listParams(filters: SecurityEventFilters) {
  const { open, ...rest } = filters;
  return { ...rest, open: open === '' ? 'true' : open === 'all' ? '' : open };
}

/** The filters that select one group of the queue. */
function groupFilters(group: SecurityQueueGroup): UrlChanges {
  return {
    ...eventFiltersToUrl(NO_EVENT_FILTERS),
    eventType: group.eventType,
    rule: group.ruleId,
    detected: group.ruleId ? '' : 'false',
  };
}

/** The triage queue: one row per event type and raising rule, those with events to handle first. */
function Queue({ params }: { params: Record<string, string | number> }) {
  const [, update] = useUrlParams();
  const queue = useSecurityQueue(params);
  const columns = useMemo<Array<Column<SecurityQueueGroup>>>(
    () => [
      {
        name: 'Type',
        value: (g) => g.eventType,
        cell: (g) => (
          <Button
            fill="text"
            size="sm"
            onClick={() => update(groupFilters(g))}
            aria-label={`Show ${g.eventType} ${g.ruleId || 'recorded by apps'}`}
          >
            {g.eventType || '—'}
          </Button>
        ),
        width: 200,
      },
      {
        name: 'Raised by',
        value: (g) => (g.ruleId ? g.ruleName || g.ruleId : 'recorded by apps'),
        width: 260,
      },
      { name: 'To handle', type: 'number', value: (g) => Number(g.open), width: 100 },
      { name: 'Events', type: 'number', value: (g) => Number(g.events), width: 90 },
      {
        name: 'Risk',
        type: 'number',
        value: (g) => Number(g.maxRisk),
        cell: (g) => <RiskBadge level={Number(g.maxRisk)} />,
        width: 90,
      },
      { name: 'Users', type: 'number', value: (g) => Number(g.users), width: 80 },
      { name: 'IPs', type: 'number', value: (g) => Number(g.ips), width: 80 },
      { name: 'Newest', type: 'time', value: (g) => parseApiTime(g.newest), width: 180 },
      { name: 'MITRE', value: (g) => [g.mitreTactic, g.mitreTechnique].filter(Boolean).join(' / ') },
    ],
    [update],
  );
  return (
    <QueryState
      state={queue}
      what="Triage queue"
      isEmpty={(g) => g.length === 0}
      emptyMessage="No security events in this period"
    >
      {(groups) => <DataTable ariaLabel="Triage queue" rows={groups} columns={columns} maxHeight={330} />}
    </QueryState>
  );
}

function FilterForm({
  initial,
  onApply,
}: {
  initial: SecurityEventFilters;
  onApply: (f: SecurityEventFilters) => void;
}) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState(initial);
  return (
    <form
      className={styles.filters}
      aria-label="Security event filters"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <Field label="Handling">
        <Select
          inputId="events-open"
          aria-label="Handling filter"
          options={OPEN_OPTIONS}
          value={draft.open}
          onChange={(o) => setDraft({ ...draft, open: o?.value ?? '' })}
        />
      </Field>
      <Field label="Status">
        <Select
          inputId="events-status"
          aria-label="Status filter"
          options={[ANY, ...SECURITY_EVENT_STATUSES.map((s) => ({ label: s, value: s }))]}
          value={draft.status}
          onChange={(o) => setDraft({ ...draft, status: o?.value ?? '' })}
        />
      </Field>
      <Field label="Risk">
        <Select
          inputId="events-risk"
          aria-label="Risk filter"
          options={[ANY, { label: '≥ high', value: '3' }, { label: 'critical', value: '4' }]}
          value={draft.minRisk}
          onChange={(o) => setDraft({ ...draft, minRisk: o?.value ?? '' })}
        />
      </Field>
      <Field label="Event type">
        <Input
          id="events-type"
          placeholder="LOGIN_FAILED"
          value={draft.eventType}
          onChange={(e) => setDraft({ ...draft, eventType: e.currentTarget.value.trim() })}
        />
      </Field>
      <Field label="Rule">
        <Input
          id="events-rule"
          placeholder="builtin.brute-force-ip"
          value={draft.rule}
          onChange={(e) => setDraft({ ...draft, rule: e.currentTarget.value.trim() })}
        />
      </Field>
      <Field label="User">
        <Input
          id="events-user"
          value={draft.user}
          onChange={(e) => setDraft({ ...draft, user: e.currentTarget.value })}
        />
      </Field>
      <Field label="Source">
        <Select
          inputId="events-detected"
          aria-label="Source filter"
          options={[
            ANY,
            { label: 'raised by alert rules', value: 'true' },
            { label: 'recorded by apps', value: 'false' },
          ]}
          value={draft.detected}
          onChange={(o) => setDraft({ ...draft, detected: o?.value ?? '' })}
        />
      </Field>
      <Stack gap={1}>
        <Button type="submit" icon="filter">
          Apply
        </Button>
        <Button type="button" variant="secondary" onClick={() => onApply(NO_EVENT_FILTERS)}>
          Reset
        </Button>
      </Stack>
    </form>
  );
}

function SecurityEventsBody() {
  const styles = useStyles2(getStyles);
  const { tenant, fromMs, toMs } = useScope();
  const [url, update] = useUrlParams();
  const filters = useMemo(() => eventFiltersFromUrl(url), [url]);
  const period = useMemo(() => ({ tenant, from: fromMs, to: toMs }), [tenant, fromMs, toMs]);
  const params = useMemo(() => ({ ...period, ...listParams(filters) }), [period, filters]);
  const events = useSecurityEvents(params);
  // Read across tenants (`*`, `acme,@system`): every row names its tenant, and its page and its
  // triage are in that tenant (a status change is written to the event's own tenant).
  const several = readsSeveralTenants(tenant);
  const own = useCallback(
    (e: SecurityEvent): Record<string, string> => (several ? { tenant: e.tenant_id || SYSTEM_TENANT } : {}),
    [several],
  );
  const columns = useMemo<Array<Column<SecurityEvent>>>(
    () => [
      { name: 'Time', type: 'time', value: (e) => parseApiTime(e.event_time), width: 180 },
      ...(several
        ? [{ name: 'Tenant', value: (e: SecurityEvent) => e.tenant_id || SYSTEM_TENANT, width: 110 }]
        : []),
      {
        name: 'Type',
        value: (e) => e.event_type ?? '',
        cell: (e) => (
          <TextLink href={appUrl(`${ROUTES.SecurityEvents}/${e.event_id}`, url, own(e))} inline={false}>
            {e.event_type || e.event_id}
          </TextLink>
        ),
        width: 190,
      },
      {
        name: 'User',
        value: (e) => e.username || e.user_id || '',
        cell: (e) => <UserLink userId={e.user_id ?? ''} label={e.username || e.user_id} {...own(e)} />,
        width: 120,
      },
      { name: 'IP', value: (e) => formatIp(e.ip_address ?? ''), width: 130 },
      {
        name: 'Risk',
        type: 'number',
        value: (e) => Number(e.risk_level ?? 0),
        cell: (e) => <RiskBadge level={Number(e.risk_level ?? 0)} />,
        width: 90,
      },
      {
        name: 'MITRE',
        value: (e) => [e.mitre_tactic, e.mitre_technique].filter(Boolean).join(' / '),
        width: 130,
      },
      { name: 'Rule', value: (e) => e.rule_name || e.detection_method || '' },
      {
        name: 'Status',
        value: (e) => e.status,
        cell: (e) => (
          <Badge
            color={STATUS_COLORS[e.status] ?? 'blue'}
            text={`${e.status}${e.falsePositive ? ' (FP)' : ''}`}
          />
        ),
        width: 150,
      },
      { name: 'Handler', value: (e) => e.handler ?? '', width: 120 },
    ],
    [url, several, own],
  );

  return (
    <>
      <section className={styles.section}>
        <Text element="h3">Triage queue</Text>
        <Text color="secondary" element="p">
          Security events of the period by type and by the rule that raised them; groups with events still to
          handle come first. Choose a type to list its events.
        </Text>
        <Queue params={period} />
      </section>
      <section className={styles.section}>
        <Text element="h3">Events</Text>
        <FilterForm
          key={JSON.stringify(filters)}
          initial={filters}
          onApply={(next) => update(eventFiltersToUrl(next))}
        />
        {events.error !== undefined && <ApiErrorView error={events.error} what="Security events" />}
        {events.rows.length > 0 && (
          <DataTable ariaLabel="Security events" rows={events.rows} columns={columns} maxHeight={560} />
        )}
        <PagedListFooter
          pages={events}
          what="security events"
          empty="No security events match in this period."
        />
      </section>
    </>
  );
}

export default function SecurityEvents() {
  const { tenant } = useScope();
  const [url] = useUrlParams();
  // ?event=<id> (older links) opens that event's page.
  const event = url.get('event') ?? url.get('incident');
  if (event) {
    const rest = new URLSearchParams(url);
    rest.delete('event');
    rest.delete('incident');
    return (
      <Navigate to={`${PLUGIN_BASE_URL}/${ROUTES.SecurityEvents}/${event}?${rest.toString()}`} replace />
    );
  }
  const sqlParams = { tenant, ...listParams(eventFiltersFromUrl(url)), limit: 1000 };
  return (
    <AppPage action={ACTIONS.read} actions={<OpenInExplore path="/security-events/sql" params={sqlParams} />}>
      <SecurityEventsBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(3) }),
  filters: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(160px, 1fr))',
    gap: theme.spacing(1),
    alignItems: 'end',
    marginBottom: theme.spacing(1),
  }),
});
