import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Button, InlineField, Select, TimeRangeInput, useStyles2 } from '@grafana/ui';
import React, { useMemo } from 'react';

import { SYSTEM_TENANT } from '../../constants';
import { useAppSettings } from '../settings/AppSettingsContext';
import { toTimeRange, useScope } from './TenantContext';

/** Tenant picker (every API call needs one), time range and refresh, shown on top of every page. */
export function ScopeToolbar({ showRange = true }: { showRange?: boolean }) {
  const styles = useStyles2(getStyles);
  const settings = useAppSettings();
  const { tenant, setTenant, range, setRange, refresh } = useScope();
  const options = useMemo(() => {
    const names = new Set([...(settings.tenants ?? []), SYSTEM_TENANT]);
    if (tenant) names.add(tenant);
    return [...names].map<SelectableValue<string>>((name) => ({
      label: name === SYSTEM_TENANT ? `${SYSTEM_TENANT} (system-level records)` : name,
      value: name,
    }));
  }, [settings.tenants, tenant]);

  return (
    <div className={styles.bar}>
      <InlineField label="Tenant" tooltip="Every AuditLens query is scoped to one tenant" grow={false}>
        <Select
          inputId="auditlens-tenant"
          aria-label="Tenant"
          width={32}
          allowCustomValue
          placeholder="Choose a tenant"
          options={options}
          value={tenant || null}
          onChange={(option) => setTenant(option?.value ?? '')}
          onCreateOption={(value) => setTenant(value.trim())}
        />
      </InlineField>
      {showRange && (
        <TimeRangeInput
          value={toTimeRange(range)}
          onChange={(next) => setRange(next.raw)}
          clearable={false}
          showIcon
        />
      )}
      <Button variant="secondary" icon="sync" onClick={refresh} aria-label="Refresh">
        Refresh
      </Button>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
});
