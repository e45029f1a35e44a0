import { css } from '@emotion/css';
import {
  createDataFrame,
  dateTime,
  FieldColorModeId,
  FieldType,
  LoadingState,
  type DataFrame,
  type FieldConfigSource,
  type GrafanaTheme2,
  type PanelData,
} from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import {
  BarAlignment,
  DrawStyle,
  LegendDisplayMode,
  PanelChrome,
  TooltipDisplayMode,
  useStyles2,
} from '@grafana/ui';
import React, { useMemo, useRef } from 'react';

import type { Stats } from '../../api/schemas';
import { useScope } from '../../features/scope/ScopeContext';
import { parseApiTime } from '../../features/time/time';
import { useElementSize } from '../../hooks/useElementSize';

/** The figures of the trend, with the colours Grafana users know them by. */
const SERIES = [
  { key: 'events', name: 'Records', color: 'blue', style: DrawStyle.Bars },
  { key: 'failed', name: 'Failed or denied', color: 'red', style: DrawStyle.Line },
  { key: 'highRisk', name: 'High risk', color: 'orange', style: DrawStyle.Line },
] as const;

/**
 * The exporter's trend (every bucket, quiet ones as zeros) as a Grafana time series frame. Each
 * series carries its own colour and style in its field config, which Grafana's panels honour.
 */
export function trendFrame(trend: Stats['trend'], stepMs: number): DataFrame {
  return createDataFrame({
    name: 'Audit records over time',
    fields: [
      {
        name: 'Time',
        type: FieldType.time,
        values: trend.map((point) => parseApiTime(point.bucket)),
        // The bucket width: Grafana's time series draws each bar as wide as its bucket.
        config: { interval: stepMs },
      },
      ...SERIES.map((series) => ({
        name: series.name,
        type: FieldType.number,
        values: trend.map((point) => point[series.key]),
        config: {
          color: { mode: FieldColorModeId.Fixed, fixedColor: series.color },
          custom: {
            drawStyle: series.style,
            fillOpacity: series.style === DrawStyle.Bars ? 60 : 0,
            lineWidth: series.style === DrawStyle.Bars ? 1 : 2,
            barAlignment: BarAlignment.After,
            showPoints: 'never',
          },
        },
      })),
    ],
  });
}

const FIELD_CONFIG: FieldConfigSource = { defaults: { min: 0, decimals: 0 }, overrides: [] };

const OPTIONS = {
  legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: ['sum'] },
  tooltip: { mode: TooltipDisplayMode.Multi, sort: 'none' },
};

/**
 * The trend as Grafana's time series panel (PanelRenderer: Grafana draws it with its own panel):
 * axes, legend with totals, tooltips, the user's time zone, dark and light themes; dragging across
 * it zooms the page's period to the selection.
 */
export function TrendPanel({
  trend,
  stepMs,
  height = 260,
}: {
  trend: Stats['trend'];
  stepMs: number;
  height?: number;
}) {
  const styles = useStyles2(getStyles);
  const { timeRange, timeZone, setRange } = useScope();
  const container = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(container);
  const data = useMemo<PanelData>(
    () => ({ state: LoadingState.Done, series: [trendFrame(trend, stepMs)], timeRange }),
    [trend, stepMs, timeRange],
  );
  return (
    <div ref={container} className={styles.container} data-testid="trend-panel">
      {width > 0 && (
        <PanelChrome title="Audit records over time" width={width} height={height}>
          {(innerWidth, innerHeight) => (
            <PanelRenderer
              title="Audit records over time"
              pluginId="timeseries"
              data={data}
              options={OPTIONS}
              fieldConfig={FIELD_CONFIG}
              timeZone={timeZone}
              width={innerWidth}
              height={innerHeight}
              onChangeTimeRange={(range) => setRange({ from: dateTime(range.from), to: dateTime(range.to) })}
            />
          )}
        </PanelChrome>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({ width: '100%', marginBottom: theme.spacing(2) }),
});
