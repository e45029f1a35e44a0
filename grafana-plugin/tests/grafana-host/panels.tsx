// Grafana's PanelRenderer and the core time series panel it draws, modelled for the test host from
// grafana/grafana public/app/features/panel/components/PanelRenderer.tsx (the panel plugin by id,
// field overrides applied with the user's time zone and theme, the plugin's panel given PanelProps,
// an error boundary) and public/app/plugins/panel/timeseries/TimeSeriesPanel.tsx (TimeSeries with
// KeyboardPlugin and TooltipPlugin2, whose drag-select zooms through onChangeTimeRange), written
// from reading them, not copied. Grafana's own panel is core (not published); the model draws with
// the same @grafana/ui building blocks of that Grafana line (TimeSeries, TooltipPlugin2, the legend).
import {
  dateTimeFormat,
  EventBusSrv,
  getTimeZone,
  PanelPlugin,
  PluginContextProvider,
  useFieldOverrides,
  type PanelProps,
} from '@grafana/data';
import type { PanelRendererProps } from '@grafana/runtime';
import {
  ErrorBoundaryAlert,
  KeyboardPlugin,
  SeriesTable,
  TimeSeries,
  TooltipPlugin2,
  useTheme2,
  type VizLegendOptions,
} from '@grafana/ui';
import React, { useMemo } from 'react';

/** TooltipHoverMode.xAll of @grafana/ui (a const enum: its value, not an export). */
const HOVER_ALL_SERIES = 1;

interface TimeSeriesOptions {
  legend: VizLegendOptions;
}

function TimeSeriesPanel({
  data,
  timeRange,
  timeZone,
  width,
  height,
  options,
  onChangeTimeRange,
}: PanelProps<TimeSeriesOptions>) {
  return (
    <TimeSeries
      frames={data.series}
      timeRange={timeRange}
      timeZone={timeZone}
      width={width}
      height={height}
      legend={options.legend}
    >
      {(config, alignedFrame) => (
        <>
          <KeyboardPlugin config={config} />
          <TooltipPlugin2
            config={config}
            hoverMode={HOVER_ALL_SERIES}
            queryZoom={onChangeTimeRange}
            clientZoom
            render={(_u, dataIdxs) => {
              const index = dataIdxs.find((i) => i !== null) ?? 0;
              const [time, ...values] = alignedFrame.fields;
              return (
                <div data-testid="timeseries-tooltip">
                  <SeriesTable
                    timestamp={dateTimeFormat(Number(time?.values[index]), { timeZone })}
                    series={values.map((field) => ({
                      color: field.display?.(field.values[index]).color,
                      label: field.state?.displayName ?? field.name,
                      value: String(field.values[index] ?? ''),
                    }))}
                  />
                </div>
              );
            }}
          />
        </>
      )}
    </TimeSeries>
  );
}

/** Core panel plugins by id (the ones the plugin asks for); importPanelPlugin of the model. */
const PANELS: Record<string, PanelPlugin> = {
  timeseries: new PanelPlugin<TimeSeriesOptions>(TimeSeriesPanel),
};
for (const [id, plugin] of Object.entries(PANELS)) {
  plugin.meta = { ...plugin.meta, id, name: id, type: 'panel' } as PanelPlugin['meta'];
}

const NO_FIELD_CONFIG = { defaults: {}, overrides: [] };
/** Grafana passes its app event bus (appEvents). */
const eventBus = new EventBusSrv();

export function PanelRendererModel(props: PanelRendererProps) {
  const { pluginId, data, timeZone = getTimeZone(), options = {}, width, height, title } = props;
  const theme = useTheme2();
  const plugin = PANELS[pluginId];
  const replace = useMemo(() => (value: string) => value, []);
  const withOverrides = useFieldOverrides(
    plugin,
    props.fieldConfig ?? NO_FIELD_CONFIG,
    data,
    timeZone,
    theme,
    replace,
  );
  if (!plugin?.panel)
    return <div>Failed to load plugin: {pluginId} is not a panel this Grafana model draws</div>;
  if (!withOverrides) return <div>No panel data</div>;
  const Panel = plugin.panel;
  return (
    <ErrorBoundaryAlert dependencies={[plugin, data]}>
      <PluginContextProvider meta={plugin.meta}>
        <div data-testid={`panel-${pluginId}`}>
          <Panel
            id={1}
            data={withOverrides}
            title={title}
            timeRange={withOverrides.timeRange}
            timeZone={timeZone}
            options={options}
            fieldConfig={props.fieldConfig ?? NO_FIELD_CONFIG}
            transparent={false}
            width={width}
            height={height}
            renderCounter={0}
            replaceVariables={replace}
            onOptionsChange={() => undefined}
            onFieldConfigChange={() => undefined}
            onChangeTimeRange={props.onChangeTimeRange ?? (() => undefined)}
            eventBus={eventBus}
          />
        </div>
      </PluginContextProvider>
    </ErrorBoundaryAlert>
  );
}
