import { toURLRange, urlUtil, type DataSourceInstanceSettings, type RawTimeRange } from '@grafana/data';
import { config, getDataSourceSrv } from '@grafana/runtime';

import type { GrafanaSql } from '../../api/schemas';
import {
  DEFAULT_DATASOURCE_UID,
  PLUGIN_BASE_URL,
  tenantDatasourceName,
  type AppJsonData,
} from '../../constants';

const CLICKHOUSE = 'grafana-clickhouse-datasource';

/** The scope parameters a link within the app carries over: the same tenant, period and zone. */
const CARRIED = ['tenant', 'from', 'to', 'timezone'];

/** A page of the app with the current scope and the given parameters (e.g. filters). */
export function appUrl(page: string, current: URLSearchParams, params: Record<string, string> = {}): string {
  const next = new URLSearchParams();
  for (const name of CARRIED) {
    const value = current.get(name);
    if (value) next.set(name, value);
  }
  for (const [name, value] of Object.entries(params)) if (value) next.set(name, value);
  return `${config.appSubUrl ?? ''}${PLUGIN_BASE_URL}/${page}?${next.toString()}`;
}

/** A bundled dashboard with the tenant's data source and the period (Grafana's dashboard URL parameters). */
export function dashboardUrl(uid: string, tenant: string, range: RawTimeRange): string {
  const url = toURLRange(range);
  return urlUtil.renderUrl(`${config.appSubUrl ?? ''}/d/${uid}`, {
    // The dashboards' tenant is their data source: the tenant's, chosen by name (Grafana matches a
    // data source variable's URL value by uid, then by name).
    'var-datasource': tenantDatasourceName(tenant),
    from: String(url.from),
    to: String(url.to),
  });
}

/** A Grafana Explore URL (schemaVersion 1 with `panes`, as Grafana 10+ reads it) for one query. */
function exploreUrl(
  datasource: { uid: string; type: string },
  query: Record<string, unknown>,
  range: RawTimeRange,
) {
  const panes = {
    auditlens: {
      datasource: datasource.uid,
      queries: [{ refId: 'A', datasource, ...query }],
      range: toURLRange(range),
    },
  };
  return urlUtil.renderUrl(`${config.appSubUrl ?? ''}/explore`, {
    schemaVersion: 1,
    panes: JSON.stringify(panes),
    orgId: config.bootData?.user?.orgId,
  });
}

/**
 * The ClickHouse data source to run a tenant's query in: the tenant's own ("AuditLens: <tenant>",
 * whose reader sees only that tenant), else the configured one (the platform reader).
 */
export function clickHouseDatasource(
  tenant: string,
  settings: AppJsonData,
): DataSourceInstanceSettings | undefined {
  const srv = getDataSourceSrv();
  const own = srv.getInstanceSettings(tenantDatasourceName(tenant));
  if (own?.type === CLICKHOUSE) return own;
  const configured = srv.getInstanceSettings(settings.datasourceUid || DEFAULT_DATASOURCE_UID);
  return configured?.type === CLICKHOUSE ? configured : undefined;
}

/** Grafana Explore with the equivalent ClickHouse query of a view, over the same period. */
export function clickHouseExploreUrl(
  datasource: DataSourceInstanceSettings,
  { sql, format }: GrafanaSql,
  range: RawTimeRange,
): string {
  return exploreUrl(
    { uid: datasource.uid, type: datasource.type },
    { editorType: 'sql', rawSql: sql, queryType: format, format: format === 'table' ? 1 : 0 },
    range,
  );
}

/** The tracing data source for trace links: the configured one, else the organisation's first. */
export function tracingDatasource(settings: AppJsonData): DataSourceInstanceSettings | undefined {
  const srv = getDataSourceSrv();
  if (settings.tracingDatasourceUid) return srv.getInstanceSettings(settings.tracingDatasourceUid);
  return srv.getList({ tracing: true })[0];
}

/** A trace in Grafana Explore on a tracing data source (Tempo reads a trace id as a TraceQL query). */
export function traceExploreUrl(
  datasource: DataSourceInstanceSettings,
  traceId: string,
  range: RawTimeRange,
) {
  const query = datasource.type === 'tempo' ? { queryType: 'traceql', query: traceId } : { query: traceId };
  return exploreUrl({ uid: datasource.uid, type: datasource.type }, query, range);
}
