// A small stand-in for Grafana's shell: mounts the plugin's real App and configuration page with
// Grafana's runtime wired to this host (the backend service talks to host/server.mjs, which plays
// Grafana's plugin proxy in front of a running exporter). Used only by the browser test.
import type { AppPluginMeta, AppRootProps, PluginConfigPageProps } from '@grafana/data';
import { config, setBackendSrv, setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import React from 'react';
import { GlobalStyles } from '@grafana/ui';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';

import App from '../../src/components/App/App';
import AppConfig from '../../src/components/AppConfig/AppConfig';
import { ACTIONS, PLUGIN_BASE_URL, type AppJsonData } from '../../src/constants';
import { createFetchBackendSrv } from '../../src/testing/fetchBackendSrv';

const settings = (window as unknown as { AUDITLENS_HOST: { jsonData: AppJsonData; actions?: string[] } })
  .AUDITLENS_HOST;

setBackendSrv(createFetchBackendSrv(`${window.location.origin}/`));
const user = (config.bootData.user ?? {}) as typeof config.bootData.user;
user.login = 'dana';
user.permissions = Object.fromEntries((settings.actions ?? Object.values(ACTIONS)).map((a) => [a, true]));
config.bootData.user = user;
const clickhouse = {
  uid: 'auditlens-clickhouse',
  name: 'AuditLens ClickHouse',
  type: 'grafana-clickhouse-datasource',
  meta: { id: 'grafana-clickhouse-datasource', info: { logos: { small: '' } } },
};
setDataSourceSrv({
  getList: () => [clickhouse],
  getInstanceSettings: () => clickhouse,
  get: () => Promise.resolve({}),
  reload: () => undefined,
  registerRuntimeDataSource: () => undefined,
} as unknown as DataSourceSrv);

const meta = {
  id: 'auditlens-audit-app',
  jsonData: settings.jsonData,
  secureJsonFields: { apiToken: true },
  enabled: true,
};
const root = createRoot(document.getElementById('root') as HTMLElement);
if (window.location.pathname.startsWith('/plugins/')) {
  const props = { plugin: { meta }, query: {} } as unknown as PluginConfigPageProps<
    AppPluginMeta<AppJsonData>
  >;
  root.render(
    <>
      <GlobalStyles />
      <AppConfig {...props} />
    </>,
  );
} else {
  const props = { meta, path: PLUGIN_BASE_URL, query: {} } as unknown as AppRootProps<AppJsonData>;
  root.render(
    <BrowserRouter basename={PLUGIN_BASE_URL}>
      <GlobalStyles />
      <App {...props} />
    </BrowserRouter>,
  );
}
