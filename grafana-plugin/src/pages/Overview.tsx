import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Badge, Card, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import React from 'react';

import { TrendChart } from '../components/Charts/TrendChart';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { formatCount, formatRate, StatCard, StatGrid } from '../components/Stat/StatCard';
import { ACTIONS, DASHBOARDS, tenantDatasourceName } from '../constants';
import { useFiringAlerts } from '../features/alert-rules/useAlerts';
import { useStats } from '../features/stats/useStats';
import { useScope } from '../features/tenant/TenantContext';

const SEVERITY = ['', 'low', 'medium', 'high', 'critical'];

export function dashboardUrl(uid: string, tenant: string, range: { from: unknown; to: unknown }): string {
  const params = new URLSearchParams({
    // The dashboards' tenant is their data source: the tenant's, chosen by name (Grafana matches a
    // data source variable's URL value by uid, then by name; without one, the organisation's first).
    'var-datasource': tenantDatasourceName(tenant),
    from: String(range.from),
    to: String(range.to),
  });
  return `${config.appSubUrl ?? ''}/d/${uid}?${params.toString()}`;
}

function FiringAlerts() {
  const alerts = useFiringAlerts();
  if (alerts.error) return <ApiErrorView error={alerts.error} what="Firing alerts" />;
  return (
    <QueryState
      state={alerts}
      what="Firing alerts"
      isEmpty={(list) => list.length === 0}
      emptyMessage="No alert is firing"
    >
      {(list) => (
        <Stack direction="column" gap={1}>
          {list.map((a) => (
            <Card key={`${a.ruleId}|${a.groupKey}`}>
              <Card.Heading>{a.ruleName}</Card.Heading>
              <Card.Meta>
                {[a.groupKey, `${a.matchCount} matches`, a.mitreTechnique, a.firedAt && `since ${a.firedAt}`]}
              </Card.Meta>
              <Card.Description>{a.summary}</Card.Description>
              <Card.Tags>
                <Badge
                  color={Number(a.severity) >= 3 ? 'red' : 'orange'}
                  text={SEVERITY[Number(a.severity)] ?? String(a.severity)}
                />
              </Card.Tags>
            </Card>
          ))}
        </Stack>
      )}
    </QueryState>
  );
}

function OverviewBody() {
  const styles = useStyles2(getStyles);
  const stats = useStats();
  const { tenant, range } = useScope();
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
            <section className={styles.section}>
              <Text element="h3">Trend</Text>
              {s.trend.length === 0 ? (
                <Text color="secondary">No events in this time range.</Text>
              ) : (
                <TrendChart points={s.trend} />
              )}
            </section>
            <div className={styles.columns}>
              <section>
                <Text element="h3">By kind</Text>
                <table className={styles.table}>
                  <tbody>
                    {Object.entries(s.byKind).map(([kind, n]) => (
                      <tr key={kind}>
                        <td>{kind}</td>
                        <td>{formatCount(n)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <Text element="h3">By result</Text>
                <table className={styles.table}>
                  <tbody>
                    {Object.entries(s.byResult).map(([result, n]) => (
                      <tr key={result}>
                        <td>{result}</td>
                        <td>{formatCount(n)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section>
                <Text element="h3">Top actions</Text>
                <table className={styles.table}>
                  <tbody>
                    {s.topActions.slice(0, 10).map((a) => (
                      <tr key={a.action}>
                        <td>{a.action}</td>
                        <td>{formatCount(a.events)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </div>
          </>
        )}
      </QueryState>
      <section className={styles.section}>
        <Text element="h3">Firing alerts</Text>
        <FiringAlerts />
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
  return (
    <AppPage action={ACTIONS.read}>
      <OverviewBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(3) }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(320px, 1fr))',
    gap: theme.spacing(3),
    marginBottom: theme.spacing(3),
  }),
  table: css({
    width: '100%',
    marginBottom: theme.spacing(2),
    td: { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}` },
    'td:last-child': { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  }),
});
