import { Button, Stack, Text, TextLink, type TableSortByFieldState } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';
import { Navigate } from 'react-router-dom';

import type { AuditRow } from '../api/schemas';
import { AppPage } from '../components/Page/AppPage';
import { PagedListFooter } from '../components/QueryState/PagedListFooter';
import { ApiErrorView } from '../components/QueryState/QueryState';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, PLUGIN_BASE_URL, ROUTES, SYSTEM_TENANT, TRACE_PATH } from '../constants';
import { UserLink } from '../features/behaviour/UserLink';
import { appUrl } from '../features/links/links';
import { OpenInExplore } from '../features/links/OpenInExplore';
import { useScope } from '../features/scope/ScopeContext';
import { ResultBadge, RiskBadge } from '../features/search/Badges';
import { downloadText, toCsv } from '../features/search/csv';
import { formatIp } from '../features/search/format';
import { RecordDetail } from '../features/search/RecordDetail';
import { SearchForm } from '../features/search/SearchForm';
import {
  fetchAllRows,
  filtersFromUrl,
  filtersToUrl,
  readsSeveralTenants,
  recordReference,
  resourceHistoryFilters,
  searchParams,
  useSearch,
} from '../features/search/useSearch';
import { parseApiTime } from '../features/time/time';
import { useUrlParams } from '../features/url/useUrlParams';

const TRACE_ID = /^[0-9a-fA-F]{32}$/;

/** `sort=<column>:<asc|desc>` in the URL ↔ the table's sort state. */
function sortFromUrl(value: string | null): TableSortByFieldState[] | undefined {
  const [displayName, order] = (value ?? '').split(':');
  return displayName ? [{ displayName, desc: order !== 'asc' }] : undefined;
}

function ExploreBody() {
  const { tenant, fromMs, toMs } = useScope();
  const [params, update] = useUrlParams();
  const filters = useMemo(() => filtersFromUrl(params), [params]);
  const filterKey = JSON.stringify(filters);
  const [exporting, setExporting] = useState<{ rows: number; error?: unknown } | undefined>();
  // Every page of one search uses the period resolved for it (refresh resolves it again).
  const query = useMemo(() => searchParams(tenant, fromMs, toMs, filters), [tenant, fromMs, toMs, filters]);
  const search = useSearch(query);
  const opened = params.get('record');
  const sort = params.get('sort');
  const initialSortBy = useMemo(() => sortFromUrl(sort), [sort]);
  const onSortByChange = useCallback(
    (sortBy: TableSortByFieldState[]) => {
      const [first] = sortBy;
      update(
        { sort: first ? `${first.displayName}:${first.desc ? 'desc' : 'asc'}` : undefined },
        { replace: true },
      );
    },
    [update],
  );

  const several = readsSeveralTenants(tenant);
  const columns = useMemo<Array<Column<AuditRow>>>(
    () => [
      { name: 'Time', type: 'time', value: (r) => parseApiTime(r.event_time), width: 180 },
      // A search of several tenants (`*`, `acme,@system`) labels every row with its tenant.
      ...(several
        ? [{ name: 'Tenant', value: (r: AuditRow) => r.tenant_id || SYSTEM_TENANT, width: 110 }]
        : []),
      { name: 'Kind', value: (r) => r.kind, width: 110 },
      {
        name: 'User',
        value: (r) => r.username || r.user_id,
        cell: (r) => (
          <UserLink
            userId={r.user_id}
            label={r.username || r.user_id}
            {...(several ? { tenant: r.tenant_id || SYSTEM_TENANT } : {})}
          />
        ),
        width: 120,
      },
      { name: 'IP', value: (r) => formatIp(r.ip_address), width: 130 },
      { name: 'Action', value: (r) => r.operation_name, width: 150 },
      { name: 'Result', value: (r) => r.result, cell: (r) => <ResultBadge result={r.result} />, width: 95 },
      {
        name: 'Risk',
        type: 'number',
        value: (r) => Number(r.risk_level),
        cell: (r) => <RiskBadge level={Number(r.risk_level)} />,
        width: 90,
      },
      {
        name: 'Summary',
        value: (r) => r.summary || r.description,
        cell: (r) => (
          <Button
            fill="text"
            size="sm"
            aria-label={`Open ${r.kind} ${r.event_id}`}
            onClick={() => update({ record: recordReference(r, several) })}
          >
            {r.summary || r.description}
          </Button>
        ),
      },
      { name: 'Service', value: (r) => r.service, width: 120 },
      {
        name: 'Trace',
        value: (r) => r.trace_id,
        cell: (r) =>
          r.trace_id ? (
            <TextLink href={appUrl(`${TRACE_PATH}/${r.trace_id}`, params)} inline={false} icon="link">
              {r.trace_id.slice(0, 8)}
            </TextLink>
          ) : null,
        width: 110,
      },
    ],
    [params, update, several],
  );

  const exportCsv = async () => {
    setExporting({ rows: 0 });
    try {
      const rows = await fetchAllRows(query, (n) => setExporting({ rows: n }));
      downloadText(`auditlens-${tenant}-${new Date().toISOString().slice(0, 19)}.csv`, toCsv(rows));
      setExporting(undefined);
    } catch (error) {
      setExporting({ rows: 0, error });
    }
  };

  return (
    <>
      {/* Keyed by the URL's filters: back, forward and a shared link show their filters in the form. */}
      <SearchForm key={filterKey} initial={filters} onSearch={(next) => update(filtersToUrl(next))} />
      <Stack justifyContent="space-between" alignItems="center">
        <Text color="secondary" data-testid="result-count">
          {search.rows.length.toLocaleString('en-US')} records loaded
          {search.hasMore ? ', more available' : ''}
        </Text>
        <Button
          icon="download-alt"
          variant="secondary"
          onClick={exportCsv}
          disabled={Boolean(exporting && !exporting.error) || search.rows.length === 0}
        >
          {exporting && !exporting.error ? `Exporting… ${exporting.rows} rows` : 'Export CSV (all matches)'}
        </Button>
      </Stack>
      {exporting?.error !== undefined && <ApiErrorView error={exporting.error} what="CSV export" />}
      {search.error !== undefined && <ApiErrorView error={search.error} what="Search" />}
      {search.rows.length > 0 && (
        <DataTable
          ariaLabel="Audit records"
          rows={search.rows}
          columns={columns}
          maxHeight={640}
          initialSortBy={initialSortBy}
          onSortByChange={onSortByChange}
        />
      )}
      <PagedListFooter
        pages={search}
        what="audit records"
        empty="No audit records match. Widen the time range or remove filters."
      />
      {opened && (
        <RecordDetail
          tenant={tenant}
          reference={opened}
          onClose={() => update({ record: undefined })}
          traceHref={(traceId) => appUrl(`${TRACE_PATH}/${traceId}`, params)}
          historyHref={(type, id) => appUrl(ROUTES.Explore, params, resourceHistoryFilters(type, id))}
        />
      )}
    </>
  );
}

export default function Explore() {
  const { tenant } = useScope();
  const [params] = useUrlParams();
  const trace = params.get('trace') ?? '';
  // ?trace=<id> (the links of the bundled dashboards) opens that trace's page.
  if (TRACE_ID.test(trace)) {
    const rest = new URLSearchParams(params);
    rest.delete('trace');
    return (
      <Navigate to={`${PLUGIN_BASE_URL}/${TRACE_PATH}/${trace.toLowerCase()}?${rest.toString()}`} replace />
    );
  }
  const filters = filtersFromUrl(params);
  const sqlParams = { ...searchParams(tenant, 0, 0, filters), from: undefined, to: undefined, limit: 1000 };
  return (
    <AppPage action={ACTIONS.read} actions={<OpenInExplore path="/search/sql" params={sqlParams} />}>
      <ExploreBody />
    </AppPage>
  );
}
