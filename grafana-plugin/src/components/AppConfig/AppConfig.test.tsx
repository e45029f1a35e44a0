import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { setBackendSrv, setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type { AppJsonData } from '../../constants';
import { fail, http, HttpResponse, ok, readUrl } from '../../testing/api';
import { createFetchBackendSrv } from '../../testing/fetchBackendSrv';
import { server } from '../../testing/server';
import AppConfig from './AppConfig';

const clickhouse = {
  uid: 'auditlens-clickhouse',
  name: 'AuditLens ClickHouse',
  type: 'grafana-clickhouse-datasource',
  meta: { id: 'grafana-clickhouse-datasource', info: { logos: {} } },
};

function renderConfig(jsonData: AppJsonData = {}, secureJsonFields: Record<string, boolean> = {}) {
  setBackendSrv(createFetchBackendSrv(window.location.origin + '/'));
  setDataSourceSrv({
    getList: () => [clickhouse],
    getInstanceSettings: (ref: unknown) =>
      ref === clickhouse.uid || (ref as { uid?: string })?.uid === clickhouse.uid ? clickhouse : undefined,
    get: () => Promise.resolve({}),
    reload: () => undefined,
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
  const props = {
    plugin: { meta: { id: 'auditlens-audit-app', jsonData, secureJsonFields, enabled: true } },
    query: {},
  } as unknown as PluginConfigPageProps<AppPluginMeta<AppJsonData>>;
  return render(<AppConfig {...props} />);
}

describe('Configuration page', () => {
  it('saves URL, token, data source uid and tenants, then reports a working connection', async () => {
    let saved: Record<string, unknown> | undefined;
    server.use(
      http.post('*/api/plugins/auditlens-audit-app/settings', async ({ request }) => {
        saved = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({ message: 'Plugin settings updated' });
      }),
      http.get('*/api/plugin-proxy/auditlens-audit-app/exporter/readyz', ok({ status: 'ready' })),
      http.get(readUrl('/stats'), ok({})),
    );
    renderConfig();
    expect(screen.getByText('AuditLens ClickHouse')).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(/^Exporter URL/), 'http://exporter:8080/');
    await userEvent.type(screen.getByLabelText(/^API token/), 's3cret');
    await userEvent.type(screen.getByLabelText(/^Tenants/), 'acme, globex');
    await userEvent.click(screen.getByRole('button', { name: 'Save & test connection' }));
    expect(await screen.findByText('Connected')).toBeInTheDocument();
    expect(saved).toEqual({
      enabled: true,
      pinned: true,
      jsonData: {
        exporterUrl: 'http://exporter:8080',
        datasourceUid: 'auditlens-clickhouse',
        tenants: ['acme', 'globex'],
      },
      secureJsonData: { apiToken: 's3cret' },
    });
  });

  it('keeps a configured token without resending it, and explains a rejected token', async () => {
    let saved: Record<string, unknown> | undefined;
    server.use(
      http.post('*/api/plugins/auditlens-audit-app/settings', async ({ request }) => {
        saved = (await request.json()) as Record<string, unknown>;
        return HttpResponse.json({});
      }),
      http.get('*/api/plugin-proxy/auditlens-audit-app/exporter/readyz', ok({ status: 'ready' })),
      http.get(readUrl('/stats'), () =>
        HttpResponse.json(
          { error: 'missing or unknown bearer token', reason: 'unknown-token' },
          { status: 401 },
        ),
      ),
    );
    renderConfig({ exporterUrl: 'http://exporter:8080', tenants: ['acme'] }, { apiToken: true });
    expect(screen.getByDisplayValue('configured')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Save & test connection' }));
    expect(
      await screen.findByText('Reading tenant "acme": the exporter refused the API token'),
    ).toBeInTheDocument();
    expect(saved).not.toHaveProperty('secureJsonData');
  });

  it('explains an unreachable exporter and a store that is not ready', async () => {
    server.use(
      http.post('*/api/plugins/auditlens-audit-app/settings', ok({})),
      http.get(
        '*/api/plugin-proxy/auditlens-audit-app/exporter/readyz',
        fail(502, 'dial tcp: connection refused'),
      ),
    );
    renderConfig({ exporterUrl: 'http://exporter:8080' });
    await userEvent.click(screen.getByRole('button', { name: 'Save & test connection' }));
    expect(await screen.findByText('Exporter health: Grafana cannot reach the exporter')).toBeInTheDocument();
    expect(screen.getByText(/reachable from the Grafana server/)).toBeInTheDocument();
    server.use(
      http.get('*/api/plugin-proxy/auditlens-audit-app/exporter/readyz', () =>
        HttpResponse.json({ status: 'not ready' }, { status: 503 }),
      ),
    );
    await userEvent.click(screen.getByRole('button', { name: 'Save & test connection' }));
    expect(
      await screen.findByText('Exporter health: the exporter’s audit store is not ready'),
    ).toBeInTheDocument();
  });

  it('refuses an invalid URL before saving', async () => {
    renderConfig();
    await userEvent.type(screen.getByLabelText(/^Exporter URL/), 'ftp://x');
    expect(screen.getByText('use http:// or https://')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save & test connection' })).toBeDisabled();
  });

  it('says when Grafana refuses to save the settings', async () => {
    server.use(http.post('*/api/plugins/auditlens-audit-app/settings', fail(403, 'Permission denied')));
    renderConfig({ exporterUrl: 'http://exporter:8080' });
    await userEvent.click(screen.getByRole('button', { name: 'Save & test connection' }));
    expect(await screen.findByText('Settings not saved')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByText('Permission denied')).toBeInTheDocument());
  });
});
