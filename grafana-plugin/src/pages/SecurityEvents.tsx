import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Field, Input, Select, Text, useStyles2 } from '@grafana/ui';
import React, { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

import { SECURITY_EVENT_STATUSES } from '../api/alertSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView } from '../components/QueryState/QueryState';
import { ACTIONS } from '../constants';
import { formatIp, riskLabel } from '../features/search/format';
import { STATUS_COLORS, TriageDrawer } from '../features/security-events/TriageDrawer';
import {
  NO_EVENT_FILTERS,
  useSecurityEvents,
  type SecurityEventFilters,
} from '../features/security-events/useSecurityEvents';
import { useScope } from '../features/tenant/TenantContext';

const ANY = { label: 'any', value: '' };

function SecurityEventsBody() {
  const styles = useStyles2(getStyles);
  const { tenant, resolve, key } = useScope();
  const [urlParams, setUrlParams] = useSearchParams();
  const [filters, setFilters] = useState<SecurityEventFilters>(NO_EVENT_FILTERS);
  const [draft, setDraft] = useState<SecurityEventFilters>(NO_EVENT_FILTERS);
  const openId = urlParams.get('event') ?? urlParams.get('incident') ?? undefined;
  const setOpen = (id: string | undefined) =>
    setUrlParams(
      (current) => {
        const copy = new URLSearchParams(current);
        copy.delete('incident');
        if (id) copy.set('event', id);
        else copy.delete('event');
        return copy;
      },
      { replace: true },
    );
  const params = useMemo(() => {
    const { fromMs, toMs } = resolve();
    return { tenant, from: fromMs, to: toMs, ...filters };
  }, [resolve, tenant, filters]);
  const events = useSecurityEvents(params, `${key}|${JSON.stringify(filters)}`);

  return (
    <>
      <form
        className={styles.filters}
        aria-label="Security event filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
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
        <Button type="submit" icon="filter" className={styles.apply}>
          Apply
        </Button>
      </form>
      {events.error !== undefined && <ApiErrorView error={events.error} what="Security events" />}
      {events.rows.length > 0 && (
        <table className={styles.table} aria-label="Security events">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Type</th>
              <th>User</th>
              <th>IP</th>
              <th>Risk</th>
              <th>MITRE</th>
              <th>Rule</th>
              <th>Status</th>
              <th>Handler</th>
            </tr>
          </thead>
          <tbody>
            {events.rows.map((e) => (
              <tr key={e.event_id} className={styles.row} onClick={() => setOpen(e.event_id)}>
                <td>{e.event_time}</td>
                <td>{e.event_type}</td>
                <td>{e.username || e.user_id}</td>
                <td>{formatIp(e.ip_address ?? '')}</td>
                <td>{riskLabel(Number(e.risk_level ?? 0))}</td>
                <td>{[e.mitre_tactic, e.mitre_technique].filter(Boolean).join(' / ')}</td>
                <td>{e.rule_name || e.detection_method}</td>
                <td>
                  <Badge color={STATUS_COLORS[e.status] ?? 'blue'} text={e.status} />
                  {e.falsePositive ? ' FP' : ''}
                </td>
                <td>{e.handler}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!events.loading && events.error === undefined && events.rows.length === 0 && (
        <Alert severity="info" title="No security events">
          Nothing matches in this time range.
        </Alert>
      )}
      <div className={styles.more}>
        {events.loading && <Text color="secondary">Loading security events…</Text>}
        {events.hasMore && !events.loading && (
          <Button variant="secondary" onClick={events.loadMore}>
            Load more
          </Button>
        )}
      </div>
      {openId && (
        <TriageDrawer
          tenant={tenant}
          eventId={openId}
          onClose={() => setOpen(undefined)}
          onChanged={events.reload}
        />
      )}
    </>
  );
}

export default function SecurityEvents() {
  return (
    <AppPage action={ACTIONS.read}>
      <SecurityEventsBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))',
    gap: theme.spacing(1),
    alignItems: 'end',
  }),
  apply: css({ marginBottom: theme.spacing(2) }),
  table: css({
    width: '100%',
    fontSize: theme.typography.bodySmall.fontSize,
    th: { textAlign: 'left', padding: theme.spacing(0.5, 1), color: theme.colors.text.secondary },
    td: { padding: theme.spacing(0.5, 1), borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
  row: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover } }),
  more: css({ display: 'flex', justifyContent: 'center', padding: theme.spacing(2) }),
});
