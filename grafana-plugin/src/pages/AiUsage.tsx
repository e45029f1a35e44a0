import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Field, Input, LinkButton, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { useMemo, useState } from 'react';

import type { Usage, UsageRow } from '../api/schemas';
import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { formatCount, StatCard, StatGrid } from '../components/Stat/StatCard';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, ROUTES } from '../constants';
import { appUrl, dashboardUrl } from '../features/links/links';
import { useScope } from '../features/scope/ScopeContext';
import { useUsage, type UsageFilters } from '../features/usage/useUsage';
import { useUrlParams } from '../features/url/useUrlParams';

const FILTERS = ['user', 'model', 'provider'] as const;

/** A count over every currency's totals. */
const total = (usage: Usage, figure: 'calls' | 'failed' | 'inputTokens' | 'outputTokens'): number =>
  usage.totals.reduce((n, t) => n + Number(t[figure]), 0);

/** A cost with its currency; calls that reported no cost show none. */
export const formatCost = (cost: number, currency: string): string =>
  currency === '' ? '—' : `${cost.toLocaleString('en-US', { maximumFractionDigits: 4 })} ${currency}`;

function usageColumns(label: string, key: (row: UsageRow) => React.ReactNode): Array<Column<UsageRow>> {
  return [
    { name: label, value: (row) => row.key || '(none)', cell: (row) => key(row), width: 240 },
    {
      name: 'Cost',
      type: 'number',
      value: (row) => row.cost,
      cell: (row) => formatCost(row.cost, row.currency),
    },
    { name: 'Calls', type: 'number', value: (row) => Number(row.calls), gauge: true },
    { name: 'Failed', type: 'number', value: (row) => Number(row.failed) },
    { name: 'Input tokens', type: 'number', value: (row) => Number(row.inputTokens) },
    { name: 'Output tokens', type: 'number', value: (row) => Number(row.outputTokens) },
  ];
}

/** The filter fields, applied to the URL (so the view can be linked) on Apply or Enter. */
function FilterBar({ filters }: { filters: UsageFilters }) {
  const styles = useStyles2(getStyles);
  const [, setParams] = useUrlParams();
  const [draft, setDraft] = useState(filters);
  const apply = () => setParams({ ...draft });
  return (
    <form
      className={styles.filters}
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      {FILTERS.map((name) => (
        <Field key={name} label={name[0]?.toUpperCase() + name.slice(1)} className={styles.field}>
          <Input
            id={`usage-${name}`}
            value={draft[name]}
            placeholder="any"
            onChange={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
          />
        </Field>
      ))}
      <Button type="submit" icon="filter">
        Apply
      </Button>
    </form>
  );
}

/** A group key that links to this page filtered by it (a user also to their records in Explore). */
const linkTo = (params: URLSearchParams, filter: string) =>
  function UsageLink(row: UsageRow) {
    return row.key === '' ? (
      '(none)'
    ) : (
      <TextLink href={appUrl(ROUTES.AiUsage, params, { [filter]: row.key })} inline={false}>
        {row.key}
      </TextLink>
    );
  };

function UsageTables({ usage }: { usage: Usage }) {
  const styles = useStyles2(getStyles);
  const [params] = useUrlParams();
  const byUser = useMemo<Array<Column<UsageRow>>>(
    () => [
      ...usageColumns('User', linkTo(params, 'user')),
      {
        name: 'Records',
        value: () => 'Explore',
        cell: (row) =>
          row.key === '' ? null : (
            <TextLink
              href={appUrl(ROUTES.Explore, params, { user: row.key, kinds: 'request' })}
              inline={false}
            >
              Explore
            </TextLink>
          ),
        width: 90,
      },
    ],
    [params],
  );
  const byModel = useMemo(() => usageColumns('Model', linkTo(params, 'model')), [params]);
  const byProvider = useMemo(() => usageColumns('Provider', linkTo(params, 'provider')), [params]);
  const byDay = useMemo(() => usageColumns('Day (UTC)', (row) => row.key), []);
  return (
    <div className={styles.columns}>
      <DataTable ariaLabel="Usage per user" rows={usage.byUser} columns={byUser} maxHeight={320} />
      <DataTable ariaLabel="Usage per model" rows={usage.byModel} columns={byModel} maxHeight={320} />
      <DataTable
        ariaLabel="Usage per provider"
        rows={usage.byProvider}
        columns={byProvider}
        maxHeight={320}
      />
      <DataTable ariaLabel="Usage per day" rows={usage.byDay} columns={byDay} maxHeight={320} />
    </div>
  );
}

function AiUsageBody() {
  const [params] = useUrlParams();
  const filters: UsageFilters = {
    user: params.get('user') ?? '',
    model: params.get('model') ?? '',
    provider: params.get('provider') ?? '',
  };
  const usage = useUsage(filters);
  const { tenant, range } = useScope();
  return (
    <>
      <FilterBar key={FILTERS.map((name) => filters[name]).join('\u0000')} filters={filters} />
      <QueryState
        state={usage}
        what="AI and API usage"
        isEmpty={(u) => u.totals.length === 0}
        emptyMessage="No AI or API calls in this time range (records with gen_ai.* attributes or a cost)"
      >
        {(u) => (
          <>
            <StatGrid>
              <StatCard label="Calls" value={formatCount(total(u, 'calls'))} />
              <StatCard
                label="Failed"
                value={formatCount(total(u, 'failed'))}
                tone={total(u, 'failed') > 0 ? 'error' : undefined}
              />
              <StatCard label="Input tokens" value={formatCount(total(u, 'inputTokens'))} />
              <StatCard label="Output tokens" value={formatCount(total(u, 'outputTokens'))} />
              {u.totals
                .filter((t) => t.currency !== '')
                .map((t) => (
                  <StatCard
                    key={t.currency}
                    label={`Cost ${t.currency}`}
                    value={formatCost(t.cost, t.currency)}
                  />
                ))}
            </StatGrid>
            <UsageTables usage={u} />
          </>
        )}
      </QueryState>
      <Text color="secondary">
        Costs add up per currency. The built-in rule <code>builtin.ai-spend</code> alerts when one user spends
        over 50 within an hour.
      </Text>{' '}
      <LinkButton variant="secondary" icon="apps" href={dashboardUrl('auditlens-ai-usage', tenant, range)}>
        AI & API usage dashboard
      </LinkButton>
    </>
  );
}

/** AI and API usage (issue 19): calls, tokens and cost per user, model, provider and day. */
export default function AiUsage() {
  return (
    <AppPage action={ACTIONS.read}>
      <AiUsageBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'flex-end',
    marginBottom: theme.spacing(2),
  }),
  field: css({ marginBottom: 0, width: 220 }),
  columns: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(480px, 1fr))',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
});
