import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Stack, Text, useStyles2 } from '@grafana/ui';
import React, { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

import type { AuditRow } from '../api/schemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView } from '../components/QueryState/QueryState';
import { ACTIONS } from '../constants';
import { downloadText, toCsv } from '../features/search/csv';
import { RecordDetail } from '../features/search/RecordDetail';
import { ResultsTable } from '../features/search/ResultsTable';
import { SearchForm } from '../features/search/SearchForm';
import { TraceChainView } from '../features/search/TraceChainView';
import {
  EMPTY_FILTERS,
  fetchAllRows,
  searchParams,
  useSearch,
  type SearchFilters,
} from '../features/search/useSearch';
import { useScope } from '../features/tenant/TenantContext';

function ExploreBody() {
  const styles = useStyles2(getStyles);
  const { tenant, resolve, key } = useScope();
  const [filters, setFilters] = useState<SearchFilters>(EMPTY_FILTERS);
  const [selected, setSelected] = useState<AuditRow | undefined>();
  // ?trace=<id> (links from the dashboards) opens that trace's chain.
  const [urlParams] = useSearchParams();
  const [traceId, setTraceId] = useState<string | undefined>(() => {
    const fromUrl = urlParams.get('trace') ?? '';
    return /^[0-9a-fA-F]{32}$/.test(fromUrl) ? fromUrl.toLowerCase() : undefined;
  });
  const [exporting, setExporting] = useState<{ rows: number; error?: unknown } | undefined>();
  // The time range is resolved once per search so that every page of it uses the same window.
  const params = useMemo(() => {
    const { fromMs, toMs } = resolve();
    return searchParams(tenant, fromMs, toMs, filters);
  }, [resolve, tenant, filters]);
  const search = useSearch(params, `${key}|${JSON.stringify(filters)}`);

  const exportCsv = async () => {
    setExporting({ rows: 0 });
    try {
      const rows = await fetchAllRows(params, (n) => setExporting({ rows: n }));
      downloadText(`auditlens-${tenant}-${new Date().toISOString().slice(0, 19)}.csv`, toCsv(rows));
      setExporting(undefined);
    } catch (error) {
      setExporting({ rows: 0, error });
    }
  };

  return (
    <>
      <SearchForm initial={filters} onSearch={setFilters} />
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
        <div className={styles.results}>
          <ResultsTable rows={search.rows} onOpen={setSelected} onTrace={setTraceId} />
        </div>
      )}
      {!search.loading && search.error === undefined && search.rows.length === 0 && (
        <Alert severity="info" title="No audit records match">
          Widen the time range or remove filters.
        </Alert>
      )}
      <div className={styles.more}>
        {search.loading && <Text color="secondary">Loading audit records…</Text>}
        {search.hasMore && !search.loading && (
          <Button variant="secondary" onClick={search.loadMore}>
            Load more
          </Button>
        )}
      </div>
      {selected && (
        <RecordDetail
          tenant={tenant}
          row={selected}
          onClose={() => setSelected(undefined)}
          onTrace={(id) => {
            setSelected(undefined);
            setTraceId(id);
          }}
        />
      )}
      {traceId && <TraceChainView tenant={tenant} traceId={traceId} onClose={() => setTraceId(undefined)} />}
    </>
  );
}

export default function Explore() {
  return (
    <AppPage action={ACTIONS.read}>
      <ExploreBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  results: css({ marginTop: theme.spacing(1), overflowX: 'auto' }),
  more: css({ display: 'flex', justifyContent: 'center', padding: theme.spacing(2) }),
});
