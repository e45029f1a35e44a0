import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { rawRequest, readinessUrl } from '../../api/client';
import { explainProblem } from '../../api/problems';
import {
  PLUGIN_ID,
  PROXY_BASE,
  SYSTEM_TENANT,
  DEFAULT_DATASOURCE_UID,
  type AppJsonData,
} from '../../constants';

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppJsonData>>;

interface State {
  exporterUrl: string;
  apiToken: string;
  isApiTokenSet: boolean;
  datasourceUid: string;
  tracingDatasourceUid: string;
  tenants: string;
}

export type TestResult = { ok: boolean; title: string; detail: string };

/** Checks URL syntax before anything is saved. */
export function urlProblem(url: string): string | undefined {
  if (!url.trim()) return 'the exporter URL is required';
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'use http:// or https://';
  } catch {
    return 'not a URL (e.g. http://auditlens-exporter:8080)';
  }
  return undefined;
}

/**
 * Exporter reachable, store ready, token accepted for the tenant: the first failing step,
 * explained as every page explains it (api/problems.ts), with what to do.
 */
export async function testConnection(tenant: string): Promise<TestResult> {
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['Exporter health', () => rawRequest(readinessUrl())],
    [
      `Reading tenant "${tenant}"`,
      () =>
        rawRequest(`${PROXY_BASE}/exporter/api/v1/stats`, {
          params: { tenant, from: Date.now() - 60_000, to: Date.now() },
        }),
    ],
  ];
  for (const [step, call] of steps) {
    try {
      await call();
    } catch (error) {
      const problem = explainProblem(error);
      return {
        ok: false,
        title: `${step}: ${problem.title}`,
        detail: `${problem.detail} — ${problem.remedy}`,
      };
    }
  }
  return {
    ok: true,
    title: 'Connected',
    detail: `The exporter is ready and accepts the API token for tenant "${tenant}".`,
  };
}

async function saveSettings(
  meta: PluginMeta<AppJsonData>,
  jsonData: AppJsonData,
  apiToken?: string,
): Promise<void> {
  await rawRequest(`api/plugins/${PLUGIN_ID}/settings`, {
    method: 'POST',
    body: {
      enabled: true,
      pinned: true,
      jsonData,
      // Only sent when typed: an unchanged secret stays as stored.
      ...(apiToken !== undefined ? { secureJsonData: { apiToken } } : {}),
    },
  });
  void meta;
}

/** The app's configuration page: exporter URL, API token, ClickHouse data source, tenants, connection test. */
export default function AppConfig({ plugin }: AppConfigProps) {
  const styles = useStyles2(getStyles);
  const { jsonData, secureJsonFields } = plugin.meta;
  const [state, setState] = useState<State>({
    exporterUrl: jsonData?.exporterUrl ?? '',
    apiToken: '',
    isApiTokenSet: Boolean(secureJsonFields?.apiToken),
    datasourceUid: jsonData?.datasourceUid ?? DEFAULT_DATASOURCE_UID,
    tracingDatasourceUid: jsonData?.tracingDatasourceUid ?? '',
    tenants: (jsonData?.tenants ?? []).join(', '),
  });
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<TestResult | undefined>();
  const problem = urlProblem(state.exporterUrl);
  const tenants = state.tenants
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

  const saveAndTest = async () => {
    setSaving(true);
    setResult(undefined);
    try {
      await saveSettings(
        plugin.meta,
        {
          exporterUrl: state.exporterUrl.trim().replace(/\/+$/, ''),
          datasourceUid: state.datasourceUid,
          ...(state.tracingDatasourceUid ? { tracingDatasourceUid: state.tracingDatasourceUid } : {}),
          tenants,
        },
        state.isApiTokenSet ? undefined : state.apiToken,
      );
      setState((s) => ({ ...s, isApiTokenSet: s.isApiTokenSet || s.apiToken !== '', apiToken: '' }));
      setResult(await testConnection(tenants[0] ?? SYSTEM_TENANT));
    } catch (error) {
      setResult({
        ok: false,
        title: 'Settings not saved',
        detail: error instanceof Error ? error.message : String(error),
      });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      aria-label="AuditLens settings"
      onSubmit={(e) => {
        e.preventDefault();
        void saveAndTest();
      }}
    >
      <FieldSet label="Exporter">
        <Field
          label="Exporter URL"
          description="The AuditLens exporter's REST API, as Grafana's server reaches it"
          invalid={Boolean(problem)}
          error={problem}
        >
          <Input
            id="config-exporter-url"
            width={60}
            placeholder="http://auditlens-exporter:8080"
            value={state.exporterUrl}
            onChange={(e) => setState({ ...state, exporterUrl: e.currentTarget.value })}
          />
        </Field>
        <Field
          label="API token"
          description="An AUDITLENS_API_TOKENS token; an admin token lets AuditLens admins make changes. Stored encrypted; never sent to browsers."
        >
          <SecretInput
            id="config-api-token"
            width={60}
            isConfigured={state.isApiTokenSet}
            value={state.apiToken}
            onChange={(e) => setState({ ...state, apiToken: e.currentTarget.value })}
            onReset={() => setState({ ...state, apiToken: '', isApiTokenSet: false })}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Data">
        <Field
          label="ClickHouse data source"
          description="Used by the bundled dashboards and the Grafana alert rules"
        >
          <div className={styles.picker}>
            <DataSourcePicker
              pluginId="grafana-clickhouse-datasource"
              current={state.datasourceUid}
              noDefault
              width={60}
              onChange={(ds) => setState({ ...state, datasourceUid: ds.uid })}
            />
          </div>
        </Field>
        <Field
          label="Tracing data source"
          description="Trace ids link to their trace here (Tempo, Jaeger, Zipkin); empty: the organisation's first tracing data source"
        >
          <div className={styles.picker}>
            <DataSourcePicker
              tracing
              current={state.tracingDatasourceUid || null}
              noDefault
              width={60}
              placeholder="the first tracing data source"
              onChange={(ds) => setState({ ...state, tracingDatasourceUid: ds.uid })}
            />
          </div>
        </Field>
        <Field
          label="Tenants"
          description="Comma-separated tenants offered by the tenant picker (@system is always offered)"
        >
          <Input
            id="config-tenants"
            width={60}
            placeholder="acme, globex"
            value={state.tenants}
            onChange={(e) => setState({ ...state, tenants: e.currentTarget.value })}
          />
        </Field>
      </FieldSet>
      <Stack gap={1}>
        <Button type="submit" disabled={saving || Boolean(problem)} icon={saving ? 'spinner' : 'save'}>
          Save &amp; test connection
        </Button>
      </Stack>
      {result && (
        <div className={styles.result}>
          <Alert severity={result.ok ? 'success' : 'error'} title={result.title}>
            {result.detail}
          </Alert>
        </div>
      )}
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  picker: css({ maxWidth: 480 }),
  result: css({ marginTop: theme.spacing(2) }),
});
