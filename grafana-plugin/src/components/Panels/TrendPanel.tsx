import {
  createDataFrame,
  FieldColorModeId,
  FieldType,
  type DataFrame,
  type FieldConfigSource,
} from '@grafana/data';
import { BarAlignment, DrawStyle } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { Stats } from '../../api/schemas';
import { parseApiTime } from '../../features/time/time';
import { TimeSeriesPanel } from './TimeSeriesPanel';

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

/**
 * The trend as Grafana's time series panel (TimeSeriesPanel): axes, legend with totals, tooltips,
 * the user's time zone, dark and light themes; dragging across it zooms the page's period.
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
  const frame = useMemo(() => trendFrame(trend, stepMs), [trend, stepMs]);
  return (
    <TimeSeriesPanel
      title="Audit records over time"
      frame={frame}
      fieldConfig={FIELD_CONFIG}
      height={height}
      testId="trend-panel"
    />
  );
}
