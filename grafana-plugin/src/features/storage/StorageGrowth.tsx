import { css } from '@emotion/css';
import {
  createDataFrame,
  FieldType,
  type DataFrame,
  type FieldConfigSource,
  type GrafanaTheme2,
} from '@grafana/data';
import { Alert, Text, useStyles2 } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { StorageGrowth } from '../../api/complianceSchemas';
import { TimeSeriesPanel } from '../../components/Panels/TimeSeriesPanel';
import { QueryState } from '../../components/QueryState/QueryState';
import { formatCount, StatCard, StatGrid } from '../../components/Stat/StatCard';
import { DataTable, type Column } from '../../components/Table/DataTable';
import { SYSTEM_TENANT } from '../../constants';
import { useScope } from '../scope/ScopeContext';
import { formatApiTime, parseApiTime } from '../time/time';
import { useStorageGrowth } from './useStorageGrowth';

type Point = StorageGrowth['points'][number];

/** Bytes per table over time (each table's tenants added up): one series per table. */
export function storageFrame(points: readonly Point[]): DataFrame {
  const times = [...new Set(points.map((p) => p.time))].sort();
  const tables = [...new Set(points.map((p) => p.table))].sort();
  const bytes = new Map<string, number>();
  for (const p of points)
    bytes.set(`${p.table}|${p.time}`, (bytes.get(`${p.table}|${p.time}`) ?? 0) + p.bytes);
  return createDataFrame({
    name: 'Storage by table',
    fields: [
      { name: 'Time', type: FieldType.time, values: times.map(parseApiTime) },
      ...tables.map((table) => ({
        name: table,
        type: FieldType.number,
        values: times.map((time) => bytes.get(`${table}|${time}`) ?? null),
      })),
    ],
  });
}

/** The latest point of each table and tenant of the period. */
export function latestPoints(points: readonly Point[]): Point[] {
  const latest = new Map<string, Point>();
  for (const p of points) latest.set(`${p.table}|${p.tenant}`, p);
  return [...latest.values()].sort((a, b) => b.bytes - a.bytes);
}

const BYTES: FieldConfigSource = { defaults: { min: 0, unit: 'bytes' }, overrides: [] };
const LAST = ['lastNotNull'];

const GIB = 1024 ** 3;
export const formatBytes = (n: number): string =>
  n >= GIB
    ? `${(n / GIB).toFixed(1)} GiB`
    : n >= 1024 ** 2
      ? `${(n / 1024 ** 2).toFixed(1)} MiB`
      : `${formatCount(Math.round(n / 1024))} KiB`;

const COLUMNS: Array<Column<Point>> = [
  { name: 'Table', value: (p) => p.table, width: 220 },
  { name: 'Tenant', value: (p) => (p.tenant === '' ? SYSTEM_TENANT : p.tenant), width: 140 },
  { name: 'Rows', type: 'number', value: (p) => p.rows, width: 120 },
  { name: 'Bytes', value: (p) => formatBytes(p.bytes), width: 120 },
];

function Forecast({ forecast }: { forecast: NonNullable<StorageGrowth['forecast']> }) {
  const { timeZone } = useScope();
  const soon = forecast.daysLeft !== null && forecast.daysLeft < 30;
  return (
    <StatGrid>
      <StatCard label="Database" value={formatBytes(forecast.databaseBytes)} />
      <StatCard
        label="Growth per day"
        value={forecast.bytesPerDay === null ? 'not enough history' : formatBytes(forecast.bytesPerDay)}
      />
      <StatCard
        label="Disk free"
        value={`${formatBytes(forecast.diskFreeBytes)} of ${formatBytes(forecast.diskTotalBytes)}`}
      />
      <StatCard
        label="Disk full"
        tone={soon ? 'warning' : undefined}
        value={
          forecast.fullAt === null || forecast.daysLeft === null
            ? 'not at this rate'
            : `in ${forecast.daysLeft.toFixed(1)} days (${formatApiTime(forecast.fullAt, timeZone).slice(0, 10)})`
        }
      />
    </StatGrid>
  );
}

/**
 * Storage growth (source 004): bytes per table over the page's period, the latest rows and bytes
 * per table and tenant, and — for all tenants (`*`) — the forecast of when the disk fills.
 */
export function StorageGrowthSection() {
  const styles = useStyles2(getStyles);
  const { tenant, fromMs, toMs } = useScope();
  const growth = useStorageGrowth(tenant, fromMs, toMs);
  return (
    <section className={styles.section} aria-label="Storage growth">
      <Text element="h3">Storage growth</Text>
      <QueryState state={growth} what="Storage growth">
        {(g) => <StorageGrowthView growth={g} />}
      </QueryState>
    </section>
  );
}

function StorageGrowthView({ growth }: { growth: StorageGrowth }) {
  const frame = useMemo(() => storageFrame(growth.points), [growth.points]);
  const latest = useMemo(() => latestPoints(growth.points), [growth.points]);
  return (
    <>
      {growth.forecast ? (
        <Forecast forecast={growth.forecast} />
      ) : (
        <Text color="secondary">The disk forecast is shown for all tenants (*).</Text>
      )}
      {growth.points.length === 0 ? (
        <Alert severity="info" title="No storage snapshots in this period">
          The exporter measures storage at start and then every AUDITLENS_STORAGE_SNAPSHOT_MINUTES.
        </Alert>
      ) : (
        <>
          <TimeSeriesPanel
            title="Bytes by table"
            frame={frame}
            fieldConfig={BYTES}
            testId="storage-panel"
            legendCalcs={LAST}
          />
          <DataTable
            ariaLabel="Storage by table and tenant"
            rows={latest}
            columns={COLUMNS}
            maxHeight={400}
          />
        </>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(4) }),
});
