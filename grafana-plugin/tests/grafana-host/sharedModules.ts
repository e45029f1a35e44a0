// The modules Grafana shares with plugins: the names a plugin's AMD module.js may depend on and
// what each resolves to. Written from public/app/features/plugins/loader/sharedDependencies.ts of
// grafana/grafana — the v12.4.0 file for the Grafana 12 line, and the main-branch file of the 13.x
// series (commit 0274a43) for the Grafana 13 line — not copied. This one source is built twice
// (webpack.config.ts): against grafana-shared-modules/grafana-12 (React 18.3, @grafana/* 12.4.10) and
// grafana-shared-modules/grafana-13 (React 19.2, @grafana/* 13.2.3), so every import below
// resolves to the version that Grafana line ships.
//
// What matters for plugins, as in Grafana:
// - `react-router-dom` is the legacy v5 router (Grafana core still uses it);
// - `react-router` is react-router-dom-v5-compat, i.e. React Router v6: a plugin that bundles
//   react-router-dom v6 gets its hooks' context from here;
// - `react/jsx-runtime` and `react/jsx-dev-runtime` are Grafana's React's own;
// - `react-dom/client` and `react-dom/server` exist in the 13 map only.
// Names Grafana shares whose modules this host does not carry (Angular-era app/core services, jQuery
// and flot, slate, d3, prismjs, redux, monaco-kusto) are listed too and fail with a clear error
// when a plugin imports them, instead of being silently absent.
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUIRaw from '@grafana/ui';

export type GrafanaLine = '12' | '13';

type SharedModule = () => Promise<object>;

const notModelled =
  (name: string): SharedModule =>
  () =>
    Promise.reject(new Error(`"${name}" is shared by Grafana but not modelled by the test host`));

// Grafana 6.5 moved these classes to @grafana/data; Grafana still exposes them on @grafana/ui.
const grafanaUI = {
  ...grafanaUIRaw,
  PanelPlugin: grafanaData.PanelPlugin,
  DataSourcePlugin: grafanaData.DataSourcePlugin,
  AppPlugin: grafanaData.AppPlugin,
  DataSourceApi: grafanaData.DataSourceApi,
};

/** Marks a CommonJS-style module whose default export is the module itself (lodash, moment). */
const useDefault = (module: object) => ({ ...module, __useDefault: true });

const NOT_MODELLED = [
  '@grafana/slate-react',
  '@kusto/monaco-kusto',
  'app/core/app_events',
  'app/core/config',
  'app/core/core',
  'app/core/services/backend_srv',
  'app/core/table_model',
  'app/core/time_series',
  'app/core/time_series2',
  'app/core/utils/flatten',
  'app/core/utils/kbn',
  'app/core/utils/ticks',
  'app/features/dashboard/impression_store',
  'd3',
  'jquery',
  'jquery.flot',
  'jquery.flot.crosshair',
  'jquery.flot.events',
  'jquery.flot.fillbelow',
  'jquery.flot.gauge',
  'jquery.flot.pie',
  'jquery.flot.selection',
  'jquery.flot.stack',
  'jquery.flot.stackpercent',
  'jquery.flot.time',
  'prismjs',
  'react-redux',
  'redux',
  'slate',
  'slate-plain-serializer',
  'slate-react',
];

export function sharedModules(line: GrafanaLine): Record<string, SharedModule> {
  const map: Record<string, SharedModule> = {
    ...Object.fromEntries(NOT_MODELLED.map((name) => [name, notModelled(name)])),
    '@emotion/css': () => import('@emotion/css'),
    '@emotion/react': () => import('@emotion/react'),
    '@grafana/data': async () => grafanaData,
    '@grafana/data/unstable': () => import('@grafana/data/unstable'),
    '@grafana/runtime': async () => grafanaRuntime,
    '@grafana/runtime/unstable': () => import('@grafana/runtime/unstable'),
    '@grafana/ui': async () => grafanaUI,
    '@grafana/ui/unstable': () => import('@grafana/ui/unstable'),
    'app/core/utils/datemath': async () => grafanaData.dateMath,
    emotion: () => import('@emotion/css'),
    // Grafana shares its own i18next instance here; the library stands in for it.
    i18next: () => import('i18next'),
    lodash: () => import('lodash').then(useDefault),
    moment: () => import('moment').then(useDefault),
    react: () => import('react'),
    'react/jsx-runtime': () => import('react/jsx-runtime'),
    'react/jsx-dev-runtime': () => import('react/jsx-dev-runtime'),
    'react-dom': () => import('react-dom'),
    'react-inlinesvg': () => import('react-inlinesvg'),
    'react-router-dom': () => import('react-router-dom'),
    'react-router': () => import('react-router-dom-v5-compat'),
    rxjs: () => import('rxjs'),
    'rxjs/operators': () => import('rxjs/operators'),
  };
  if (line === '13') {
    map['react-dom/client'] = () => import('react-dom/client');
    map['react-dom/server'] = () => import('react-dom/server');
  }
  return map;
}
