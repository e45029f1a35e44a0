import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LinkButton, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { Incident } from '../api/alertSchemas';
import { TrendPanel } from '../components/Panels/TrendPanel';
import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { formatCount, formatRate, StatCard, StatGrid } from '../components/Stat/StatCard';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, DASHBOARDS, ROUTES } from '../constants';
import { useIncidents } from '../features/alert-rules/useAlerts';
import { appUrl, dashboardUrl } from '../features/links/links';
import { OpenInExplore } from '../features/links/OpenInExplore';
import { useScope } from '../features/scope/ScopeContext';
import { RiskBadge } from '../features/search/Badges';
import { useStats } from '../features/stats/useStats';
import { parseApiTime } from '../features/time/time';
import { useUrlParams } from '../features/url/useUrlParams';

type Count = { name: string; events: number };

const COUNT_COLUMNS = (label: string): Array<Column<Count>> => [
  { name: label, value: (row) => row.name },
  { name: 'Records', type: 'number', value: (row) => row.events, gauge: true },
];

const toCounts = (record: Record<string, number>): Count[] =>
  Object.entries(record).map(([name, events]) => ({ name, events }));

/**
 * What fires now, as incidents: one row per rule (not per firing instance), with how many of its
 * instances fire, newest first; each links to the rule's security events still to handle.
 */
function Incidents() {
  const incidents = useIncidents();
  const [params] = useUrlParams();
  const columns = useMemo<Array<Column<Incident>>>(
    () => [
      {
        name: 'Rule',
        value: (i) => i.ruleName,
        cell: (i) => (
          <TextLink
            href={appUrl(ROUTES.SecurityEvents, params, { rule: i.ruleId, open: 'true' })}
            inline={false}
          >
            {i.ruleName}
          </TextLink>
        ),
        width: 320,
      },
      {
        name: 'Severity',
        type: 'number',
        value: (i) => Number(i.severity),
        cell: (i) => <RiskBadge level={Number(i.severity)} />,
        width: 110,
      },
      { name: 'Firing', type: 'number', value: (i) => Number(i.firing), width: 90 },
      { name: 'Newest', type: 'time', value: (i) => parseApiTime(i.newestFiredAt), width: 190 },
      { name: 'Since', type: 'time', value: (i) => parseApiTime(i.oldestFiredAt), width: 190 },
      {
        name: 'MITRE',
        value: (i) => [i.mitreTactic, i.mitreTechnique].filter(Boolean).join(' / '),
        width: 130,
      },
      { name: 'Newest instances', value: (i) => i.newestGroupKeys.join('; ') },
    ],
    [params],
  );
  return (
    <QueryState
      state={incidents}
      what="Firing alerts"
      isEmpty={(list) => list.length === 0}
      emptyMessage="No alert is firing"
    >
      {(list) => (
        <>
          <Text color="secondary" data-testid="incident-summary">
            {formatCount(list.reduce((n, i) => n + Number(i.firing), 0))} firing instances of{' '}
            {formatCount(list.length)} rules
          </Text>
          <DataTable ariaLabel="Firing alerts" rows={list} columns={columns} maxHeight={360} />
        </>
      )}
    </QueryState>
  );
}

function OverviewBody() {
  const styles = useStyles2(getStyles);
  const stats = useStats();
  const { tenant, range } = useScope();
  const kinds = useMemo(() => COUNT_COLUMNS('Kind'), []);
  const results = useMemo(() => COUNT_COLUMNS('Result'), []);
  const actions = useMemo(() => COUNT_COLUMNS('Action'), []);
  return (
    <>
      <QueryState state={stats} what="Audit statistics">
        {(s) => (
          <>
            <StatGrid>
              <StatCard label="Total events" value={formatCount(s.total)} />
              <StatCard
                label="Failed"
                value={formatCount(s.failed)}
                tone={s.failed > 0 ? 'error' : undefined}
              />
              <StatCard
                label="High risk"
                value={formatCount(s.highRisk)}
                tone={s.highRisk > 0 ? 'warning' : undefined}
              />
              <StatCard label="Sensitive" value={formatCount(s.sensitive)} />
              <StatCard label="Unique users" value={formatCount(s.uniqueUsers)} />
              <StatCard label="Unique IPs" value={formatCount(s.uniqueIps)} />
              <StatCard label="Error rate" value={formatRate(s.errorRate)} />
              <StatCard label="Risk rate" value={formatRate(s.riskRate)} />
            </StatGrid>
            {s.total === 0 && <Text color="secondary">No events in this time range.</Text>}
            <TrendPanel trend={s.trend} stepMs={s.trendStepMs} />
            <div className={styles.columns}>
              <DataTable ariaLabel="By kind" rows={toCounts(s.byKind)} columns={kinds} maxHeight={260} />
              <DataTable
                ariaLabel="By result"
                rows={toCounts(s.byResult)}
                columns={results}
                maxHeight={260}
              />
              <DataTable
                ariaLabel="Top actions"
                rows={s.topActions.map((a) => ({ name: a.action, events: a.events }))}
                columns={actions}
                maxHeight={260}
              />
            </div>
          </>
        )}
      </QueryState>
      <section className={styles.section}>
        <Text element="h3">Firing alerts</Text>
        <Incidents />
      </section>
      <section className={styles.section}>
        <Text element="h3">Dashboards</Text>
        <Stack wrap="wrap" gap={1}>
          {DASHBOARDS.map((d) => (
            <LinkButton key={d.uid} variant="secondary" icon="apps" href={dashboardUrl(d.uid, tenant, range)}>
              {d.title}
            </LinkButton>
          ))}
        </Stack>
      </section>
    </>
  );
}

export default function Overview() {
  const { tenant } = useScope();
  return (
    <AppPage action={ACTIONS.read} actions={<OpenInExplore path="/stats/sql" params={{ tenant }} />}>
      <OverviewBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(3) }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(1),
  }),
});
