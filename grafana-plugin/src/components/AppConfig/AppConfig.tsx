import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { rawRequest, readinessUrl } from '../../api/client';
import { ApiError } from '../../api/client';
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

/** Exporter reachable, store ready, token accepted: each failure explained in words. */
export async function testConnection(tenant: string): Promise<TestResult> {
  try {
    await rawRequest(readinessUrl());
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError(0, String(error));
    if (e.status === 404 && /plugin route/i.test(e.message)) {
      return {
        ok: false,
        title: 'No proxy route',
        detail: 'Save the settings first: the plugin proxy uses the saved exporter URL.',
      };
    }
    if (e.status === 503) {
      return {
        ok: false,
        title: 'Exporter not ready',
        detail: `The exporter answers but its audit store is not ready: ${e.message}`,
      };
    }
    if (e.status === 502 || e.status === 0 || e.status === 504) {
      return {
        ok: false,
        title: 'Exporter unreachable',
        detail: `Grafana could not reach the exporter URL (${e.message}). Check the URL from Grafana's network.`,
      };
    }
    return { ok: false, title: `Exporter health check failed (HTTP ${e.status})`, detail: e.message };
  }
  try {
    await rawRequest(`${PROXY_BASE}/exporter/api/v1/stats`, {
      params: { tenant, from: Date.now() - 60_000, to: Date.now() },
    });
  } catch (error) {
    const e = error instanceof ApiError ? error : new ApiError(0, String(error));
    if (e.status === 401)
      return {
        ok: false,
        title: 'API token rejected',
        detail: `The exporter does not know this API token (${e.message}).`,
      };
    if (e.status === 403) {
      return {
        ok: false,
        title: 'Token not allowed for this tenant',
        detail: `${e.message}. Bind the token to tenant "${tenant}" or to all tenants (*).`,
      };
    }
    return { ok: false, title: `API call failed (HTTP ${e.status})`, detail: e.message };
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
