import { LinkButton } from '@grafana/ui';
import React from 'react';

import type { CallParams } from '../../api/queryKeys';
import { useScope } from '../scope/ScopeContext';
import { useAppSettings } from '../settings/AppSettingsContext';
import { clickHouseDatasource, clickHouseExploreUrl } from './links';
import { useGrafanaSql, type SqlPath } from './useGrafanaSql';

/**
 * "Open in Explore": the view's equivalent ClickHouse query (written by the exporter from the
 * query it runs) in Grafana Explore on the tenant's ClickHouse data source, over the same period.
 * Without a ClickHouse data source, or without the SQL, the button says why it is off.
 */
export function OpenInExplore({ path, params }: { path: SqlPath; params: CallParams }) {
  const settings = useAppSettings();
  const { tenant, range } = useScope();
  const sql = useGrafanaSql(path, params);
  const datasource = clickHouseDatasource(tenant, settings);
  const reason = !datasource
    ? 'No ClickHouse data source for this tenant: see the configuration page'
    : sql.error
      ? `The exporter gave no query: ${sql.error instanceof Error ? sql.error.message : String(sql.error)}`
      : undefined;
  const href = datasource && sql.data ? clickHouseExploreUrl(datasource, sql.data, range) : undefined;
  return (
    <LinkButton
      variant="secondary"
      icon="compass"
      href={href}
      disabled={!href}
      tooltip={reason ?? `The same query in Grafana Explore, on ${datasource?.name}`}
    >
      Open in Explore
    </LinkButton>
  );
}
