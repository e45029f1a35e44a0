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
//   Grafana's plugin details page does;
// - what app.ts sets up before any plugin loads (grafana/grafana public/app/app.ts): the time zone
//   resolver and first day of the week from the user's profile (boot data), the PanelRenderer and
//   PluginPage implementations (panels.tsx, pluginPage.tsx), the data source service, the link
//   click interception (core/navigation/patch/interceptLinkClicks.ts: same-app links go through
//   locationService), and AppWrapper's theme provider with the user's theme (config.theme2);
// - Grafana's Explore page only as far as the app links to it: the pane it was given, shown.
// It talks to grafana-server.mjs (same origin), which plays Grafana's HTTP API and plugin proxy.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';

import {
  PluginContextProvider,
  setTimeZoneResolver,
  setWeekStart,
  ThemeContext,
  type AppPlugin,
  type AppPluginMeta,
  type DataSourceInstanceSettings,
  type KeyValue,
} from '@grafana/data';
import {
  config,
  locationSearchToObject,
  locationService,
  setBackendSrv,
  setDataSourceSrv,
  type DataSourceSrv,
} from '@grafana/runtime';
// The setters Grafana calls at start (its @grafana/runtime/internal), from that line's runtime files.
import { setPanelRenderer } from 'grafana-runtime-components/PanelRenderer';
import { setPluginPage } from 'grafana-runtime-components/PluginPage';
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
import { PanelRendererModel } from './panels';
import { appSectionNav, PluginPageModel, SectionNavContext } from './pluginPage';
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
      <SectionNavContext.Provider value={appSectionNav(plugin.meta as AppPluginMeta, location.pathname)}>
        <PluginErrorBoundary>
          <Root
            meta={plugin.meta}
            basename={location.pathname}
            onNavChanged={() => undefined}
            query={locationSearchToObject(location.search)}
            path={location.pathname}
          />
        </PluginErrorBoundary>
      </SectionNavContext.Provider>
    </PluginContextProvider>
  );
}

/** Grafana Explore, as far as the app links to it: the pane of the URL (schemaVersion 1, `panes`). */
function ExplorePage() {
  const location = useLocation();
  const params = new URLSearchParams(location.search);
  const panes = JSON.parse(params.get('panes') ?? '{}') as Record<
    string,
    { datasource: string; queries: KeyValue[]; range: KeyValue }
  >;
  return (
    <div data-testid="grafana-explore" style={{ padding: 24 }}>
      <h1>Explore</h1>
      {Object.entries(panes).map(([id, pane]) => (
        <section key={id} aria-label={`Explore pane ${id}`}>
          <p>
            Data source:{' '}
            <strong>
              {Object.values(config.datasources ?? {}).find((ds) => ds.uid === pane.datasource)?.name ??
                pane.datasource}
            </strong>{' '}
            · range {String(pane.range?.from)} to {String(pane.range?.to)}
          </p>
          {pane.queries.map((query) => (
            <pre key={String(query.refId)} aria-label={`Query ${String(query.refId)}`}>
              {String(query.rawSql ?? query.query ?? JSON.stringify(query))}
            </pre>
          ))}
        </section>
      ))}
    </div>
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
        <ThemeContext.Provider value={config.theme2}>
          <GlobalStyles />
          <header
            data-testid="grafana-host"
            style={{ padding: '8px 24px', borderBottom: '1px solid #2a2d33' }}
          >
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
                <Route path="/explore" element={<ExplorePage />} />
              </Routes>
            )}
          </main>
        </ThemeContext.Provider>
      </CompatRouter>
    </LegacyRouter>
  );
}

const host = (
  window as unknown as { grafanaHost: { pluginId: string; datasources: DataSourceInstanceSettings[] } }
).grafanaHost;

/** Grafana's DatasourceSrv over the organisation's data sources: by uid or name; getList's filters. */
function createDataSourceSrv(list: DataSourceInstanceSettings[]): DataSourceSrv {
  const find = (ref: unknown) => {
    const key = typeof ref === 'string' ? ref : (ref as { uid?: string } | null | undefined)?.uid;
    return list.find((ds) => ds.uid === key || ds.name === key);
  };
  return {
    getInstanceSettings: find,
    getList: (filters: { pluginId?: string; tracing?: boolean; type?: string | string[] } = {}) =>
      list.filter(
        (ds) =>
          (filters.pluginId === undefined || ds.meta.id === filters.pluginId) &&
          (filters.tracing === undefined || Boolean(ds.meta.tracing) === filters.tracing) &&
          (filters.type === undefined || [filters.type].flat().includes(ds.type)),
      ),
    get: (ref: unknown) =>
      find(ref) ? Promise.resolve({}) : Promise.reject(new Error('data source not found')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv;
}

/** interceptLinkClicks: a same-origin link without a target is a navigation within Grafana. */
function interceptLinkClicks(event: MouseEvent) {
  const anchor = (event.target as HTMLElement | null)?.closest('a');
  if (!anchor || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || anchor.target || anchor.hasAttribute('download'))
    return;
  const href = anchor.getAttribute('href');
  if (!href || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return;
  event.preventDefault();
  locationService.push(href.startsWith('/') ? href : `/${href}`);
}

setBackendSrv(createFetchBackendSrv(`${window.location.origin}/`));
setDataSourceSrv(createDataSourceSrv(host.datasources));
setTimeZoneResolver(() => config.bootData.user.timezone);
setWeekStart(config.bootData.user.weekStart);
setPanelRenderer(PanelRendererModel);
setPluginPage(PluginPageModel);
document.addEventListener('click', interceptLinkClicks);
const system = (window as unknown as { System: SystemJSLike }).System;
installSharedModules(system, __GRAFANA_LINE__);
createRoot(document.getElementById('reactRoot') as HTMLElement).render(
  <GrafanaApp system={system} pluginId={host.pluginId} />,
);
