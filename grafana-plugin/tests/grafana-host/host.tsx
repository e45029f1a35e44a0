// The browser side of the test host: what Grafana's frontend does to show an app plugin, written from
// grafana/grafana's public/app/features/plugins (loader/systemjs.ts, systemjsHooks.ts,
// sharedDependencies.ts, importer, components/AppRootPage.tsx, PluginErrorBoundary.tsx) and
// AppWrapper's routing, not copied:
// - SystemJS with its AMD extra loads the plugin's BUILT module.js from public/plugins/<id>/; every
//   name in its define([...]) resolves through an import map to Grafana's shared module
//   (sharedModules.ts) — a name Grafana does not share fails the load;
// - routing is Grafana's: the legacy v5 Router over locationService's history with react-router's
//   v6 CompatRouter inside, and the app root rendered by a v6 route `/a/:pluginId/*` with the props
//   AppRootPage passes (meta, basename, onNavChanged, query, path), inside PluginContextProvider and
//   an error boundary that shows "Plugin failed to load" like Grafana's;
// - the configuration page is the app's first config page, rendered with { plugin, query } as
//   Grafana's plugin details page does.
// It talks to grafana-server.mjs (same origin), which plays Grafana's HTTP API and plugin proxy.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';

import { PluginContextProvider, type AppPlugin, type AppPluginMeta, type KeyValue } from '@grafana/data';
import {
  config,
  locationSearchToObject,
  locationService,
  setBackendSrv,
  setDataSourceSrv,
  type DataSourceSrv,
} from '@grafana/runtime';
import { Alert, ErrorWithStack, GlobalStyles } from '@grafana/ui';
import React, {
  Component,
  useEffect,
  useState,
  type ComponentType,
  type ErrorInfo,
  type ReactNode,
} from 'react';
import { createRoot } from 'react-dom/client';
import * as legacyRouter from 'react-router-dom';
import { CompatRouter, Route, Routes, useLocation, useParams } from 'react-router-dom-v5-compat';

import { createFetchBackendSrv } from '../../src/testing/fetchBackendSrv';
import { sharedModules, type GrafanaLine } from './sharedModules';

declare const __GRAFANA_LINE__: GrafanaLine;

interface SystemJSLike {
  import(id: string): Promise<KeyValue>;
  addImportMap(map: { imports: Record<string, string> }): void;
  constructor: { prototype: { instantiate: (url: string, parent?: string, meta?: unknown) => unknown } };
}

const SHARED_PREFIX = 'package:';

/** Grafana's import map: every shared name maps to `package:<name>`, instantiated from the map. */
function installSharedModules(system: SystemJSLike, line: GrafanaLine) {
  const modules = sharedModules(line);
  system.addImportMap({
    imports: Object.fromEntries(Object.keys(modules).map((name) => [name, `${SHARED_PREFIX}${name}`])),
  });
  const proto = system.constructor.prototype;
  const instantiate = proto.instantiate;
  proto.instantiate = function (url, parent, meta) {
    if (!url.startsWith(SHARED_PREFIX)) return instantiate.call(this, url, parent, meta);
    const load = modules[url.slice(SHARED_PREFIX.length)];
    if (!load) throw new Error(`"${url}" is not shared by Grafana ${line}`);
    return load().then((namespace) => [
      [],
      (exportAll: (ns: object) => void) => ({
        execute: () => {
          exportAll(namespace);
        },
      }),
    ]);
  };
}

/** Grafana's PluginErrorBoundary with AppRootPage's fallback. */
class PluginErrorBoundary extends Component<
  { children: ReactNode },
  { error: Error | null; errorInfo: ErrorInfo | null }
> {
  override state = { error: null as Error | null, errorInfo: null as ErrorInfo | null };
  static getDerivedStateFromError(error: Error) {
    return { error, errorInfo: null };
  }
  override componentDidCatch(error: Error, errorInfo: ErrorInfo) {
    console.error('Plugin failed to load:', error, errorInfo);
    this.setState({ error, errorInfo });
  }
  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div data-testid="plugin-error-boundary">
        <ErrorWithStack
          title="Plugin failed to load"
          error={this.state.error}
          errorInfo={this.state.errorInfo}
        />
      </div>
    );
  }
}

function AppRootPage({ plugin }: { plugin: AppPlugin }) {
  const location = useLocation();
  const { pluginId } = useParams();
  const Root = plugin.root;
  if (!Root || pluginId !== plugin.meta.id) return <Alert title="App not found" severity="warning" />;
  return (
    <PluginContextProvider meta={plugin.meta}>
      <PluginErrorBoundary>
        <Root
          meta={plugin.meta}
          basename={location.pathname}
          onNavChanged={() => undefined}
          query={locationSearchToObject(location.search)}
          path={location.pathname}
        />
      </PluginErrorBoundary>
    </PluginContextProvider>
  );
}

function PluginConfigPage({ plugin }: { plugin: AppPlugin }) {
  const location = useLocation();
  const page = plugin.configPages?.[0];
  if (!page) return <Alert title="No configuration page" severity="warning" />;
  const Body = page.body as ComponentType<{ plugin: AppPlugin; query: KeyValue }>;
  return (
    <PluginContextProvider meta={plugin.meta}>
      <PluginErrorBoundary>
        <h1>{page.title}</h1>
        <Body plugin={plugin} query={locationSearchToObject(location.search)} />
      </PluginErrorBoundary>
    </PluginContextProvider>
  );
}

/** Grafana's importer: module.js through SystemJS, then `plugin.init(meta)`. */
async function loadAppPlugin(system: SystemJSLike, pluginId: string): Promise<AppPlugin> {
  const response = await fetch(`api/plugins/${pluginId}/settings`);
  if (!response.ok) throw new Error(`plugin settings: HTTP ${response.status}`);
  const meta = (await response.json()) as AppPluginMeta;
  // Grafana's resolveModulePath: a relative module path is served under the app's sub-URL.
  const exports = await system.import(`${config.appSubUrl ?? ''}/${meta.module}`);
  const plugin = exports.plugin as AppPlugin | undefined;
  if (!plugin) throw new Error('module.js exports no plugin');
  plugin.init(meta);
  plugin.meta = meta;
  return plugin;
}

function GrafanaApp({ system, pluginId }: { system: SystemJSLike; pluginId: string }) {
  const [plugin, setPlugin] = useState<AppPlugin>();
  const [loadError, setLoadError] = useState<Error>();
  useEffect(() => {
    loadAppPlugin(system, pluginId).then(setPlugin, (error: Error) => {
      console.error('Plugin failed to load:', error);
      setLoadError(error);
    });
  }, [system, pluginId]);
  const LegacyRouter = (
    legacyRouter as unknown as { Router: ComponentType<{ history: unknown; children: ReactNode }> }
  ).Router;
  return (
    <LegacyRouter history={locationService.getHistory()}>
      <CompatRouter>
        <GlobalStyles />
        <header data-testid="grafana-host" style={{ padding: '8px 24px', borderBottom: '1px solid #2a2d33' }}>
          Grafana {config.buildInfo.version} (test host) · {plugin?.meta.name ?? pluginId}
        </header>
        <main style={{ padding: '16px 24px' }}>
          {loadError && (
            <div data-testid="plugin-load-error">
              <Alert title="Plugin failed to load" severity="error">
                {loadError.message}
              </Alert>
            </div>
          )}
          {plugin && (
            <Routes>
              <Route path="/a/:pluginId/*" element={<AppRootPage plugin={plugin} />} />
              <Route path="/plugins/:pluginId" element={<PluginConfigPage plugin={plugin} />} />
            </Routes>
          )}
        </main>
      </CompatRouter>
    </LegacyRouter>
  );
}

const host = (window as unknown as { grafanaHost: { pluginId: string; datasource: KeyValue } }).grafanaHost;
setBackendSrv(createFetchBackendSrv(`${window.location.origin}/`));
setDataSourceSrv({
  getList: () => [host.datasource],
  getInstanceSettings: () => host.datasource,
  get: () => Promise.resolve({}),
  reload: () => undefined,
  registerRuntimeDataSource: () => undefined,
} as unknown as DataSourceSrv);
const system = (window as unknown as { System: SystemJSLike }).System;
installSharedModules(system, __GRAFANA_LINE__);
createRoot(document.getElementById('reactRoot') as HTMLElement).render(
  <GrafanaApp system={system} pluginId={host.pluginId} />,
);
