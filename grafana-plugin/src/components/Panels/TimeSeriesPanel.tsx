import { css } from '@emotion/css';
import {
  dateTime,
  LoadingState,
  type DataFrame,
  type FieldConfigSource,
  type GrafanaTheme2,
  type PanelData,
} from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { LegendDisplayMode, PanelChrome, TooltipDisplayMode, useStyles2 } from '@grafana/ui';
import React, { useMemo, useRef } from 'react';

import { useScope } from '../../features/scope/ScopeContext';
import { useElementSize } from '../../hooks/useElementSize';

const SUM: string[] = ['sum'];

const OPTIONS = {
  legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: ['sum'] },
  tooltip: { mode: TooltipDisplayMode.Multi, sort: 'none' },
};

/**
 * A data frame as Grafana's time series panel (PanelRenderer: Grafana draws it with its own panel):
 * axes, legend, tooltips, the user's time zone, dark and light themes; dragging across it zooms
 * the page's period to the selection.
 */
export function TimeSeriesPanel({
  title,
  frame,
  fieldConfig,
  height = 260,
  testId,
  legendCalcs = SUM,
}: {
  title: string;
  frame: DataFrame;
  fieldConfig: FieldConfigSource;
  height?: number;
  testId: string;
  /** The legend's figures per series (reducer ids: sum, lastNotNull, …). */
  legendCalcs?: string[];
}) {
  const styles = useStyles2(getStyles);
  const { timeRange, timeZone, setRange } = useScope();
  const container = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(container);
  const data = useMemo<PanelData>(
    () => ({ state: LoadingState.Done, series: [frame], timeRange }),
    [frame, timeRange],
  );
  const options = useMemo(
    () => ({ ...OPTIONS, legend: { ...OPTIONS.legend, calcs: legendCalcs } }),
    [legendCalcs],
  );
  return (
    <div ref={container} className={styles.container} data-testid={testId}>
      {width > 0 && (
        <PanelChrome title={title} width={width} height={height}>
          {(innerWidth, innerHeight) => (
            <PanelRenderer
              title={title}
              pluginId="timeseries"
              data={data}
              options={options}
              fieldConfig={fieldConfig}
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
