import { config } from '@grafana/runtime';
import type { SelectableValue } from '@grafana/data';
import { InlineField, RefreshPicker, Select, Stack, TimeRangePicker } from '@grafana/ui';
import React, { useMemo } from 'react';

import { SYSTEM_TENANT } from '../../constants';
import { useAppSettings } from '../settings/AppSettingsContext';
import { shiftRange, zoomOutRange } from '../time/time';
import { useScope } from './ScopeContext';

const WEEK_STARTS = ['saturday', 'sunday', 'monday'] as const;

/** The first day of the week of the Grafana user's preferences (their profile), if they set one. */
const userWeekStart = () => WEEK_STARTS.find((day) => day === config.bootData?.user?.weekStart);

/**
 * The tenant picker (every API call needs one) and Grafana's own time range and refresh pickers:
 * quick ranges, calendar, zoom out, shift back and forward, the time zone, auto-refresh.
 */
export function ScopeToolbar({ showRange = true }: { showRange?: boolean }) {
  const settings = useAppSettings();
  const scope = useScope();
  const { tenant, setTenant, timeRange, setRange, timeZone } = scope;
  const options = useMemo(() => {
    const names = new Set([...(settings.tenants ?? []), SYSTEM_TENANT]);
    if (tenant) names.add(tenant);
    return [...names].map<SelectableValue<string>>((name) => ({
      label: name === SYSTEM_TENANT ? `${SYSTEM_TENANT} (system-level records)` : name,
      value: name,
    }));
  }, [settings.tenants, tenant]);

  return (
    <Stack gap={1} alignItems="center" wrap="wrap">
      <InlineField label="Tenant" tooltip="Every AuditLens query is scoped to one tenant" grow={false}>
        <Select
          inputId="auditlens-tenant"
          aria-label="Tenant"
          width={28}
          allowCustomValue
          placeholder="Choose a tenant"
          options={options}
          value={tenant || null}
          onChange={(option) => setTenant(option?.value ?? '')}
          onCreateOption={(value) => setTenant(value.trim())}
        />
      </InlineField>
      {showRange && (
        <TimeRangePicker
          value={timeRange}
          timeZone={timeZone}
          weekStart={userWeekStart()}
          onChange={(next) => setRange(next.raw)}
          onChangeTimeZone={scope.setTimeZone}
          onMoveBackward={() => setRange(shiftRange(timeRange, -1))}
          onMoveForward={() => setRange(shiftRange(timeRange, 1))}
          onZoom={() => setRange(zoomOutRange(timeRange))}
        />
      )}
      <RefreshPicker
        value={scope.refreshInterval}
        onRefresh={scope.refresh}
        onIntervalChanged={scope.setRefreshInterval}
        noIntervalPicker={!showRange}
        tooltip="Refresh"
      />
    </Stack>
  );
}
