// Builds the test host (host.tsx) once per modelled Grafana line into test-output/grafana-host/<line>/.
// Each build resolves packages from that line's grafana-shared-modules/<line>/node_modules first, so
// React, @grafana/* and the routers in the host — the modules shared with the plugin — are the
// versions that Grafana line ships; the plugin itself is not part of these builds (the host loads
// its built dist/module.js at run time).
import { createRequire } from 'module';
import path from 'path';
import { DefinePlugin, type Configuration } from 'webpack';

import { swcRule } from '../../.config/webpack/utils';
import type { GrafanaLine } from './sharedModules';

const pluginRoot = path.resolve(__dirname, '..', '..');

/** A file of that line's @grafana/runtime (the setters Grafana calls at start are not exported). */
function runtimeFile(line: GrafanaLine, file: string): string {
  const lineRequire = createRequire(
    path.resolve(pluginRoot, '..', 'grafana-shared-modules', `grafana-${line}`, 'package.json'),
  );
  return path.join(path.dirname(lineRequire.resolve('@grafana/runtime/package.json')), 'dist', 'esm', file);
}

const hostFor = (line: GrafanaLine): Configuration => ({
  name: `grafana-${line}`,
  mode: 'development',
  devtool: false,
  cache: { type: 'filesystem', name: `grafana-host-${line}` },
  context: __dirname,
  entry: { host: './host.tsx' },
  output: {
    path: path.join(pluginRoot, 'test-output', 'grafana-host', `grafana-${line}`),
    filename: '[name].js',
    chunkFilename: '[name].js',
    publicPath: '/public/build/',
    clean: true,
  },
  module: {
    rules: [
      // @grafana/ui imports `ol/...` without extensions from ES modules, as Grafana's build allows.
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      // …and takes CommonJS modules' default exports the way Grafana's build resolves them (their
      // `__esModule` default), not as Node's strict .mjs rules would (react-custom-scrollbars-2 of
      // @grafana/ui's scrolled containers, e.g. its table).
      { test: /\.mjs$/, include: /node_modules/, type: 'javascript/auto' },
      swcRule({ target: 'es2020' }),
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|ttf|eot)$/, type: 'asset/inline' },
    ],
  },
  plugins: [new DefinePlugin({ __GRAFANA_LINE__: JSON.stringify(line) })],
  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'],
    modules: [
      path.resolve(pluginRoot, '..', 'grafana-shared-modules', `grafana-${line}`, 'node_modules'),
      'node_modules',
    ],
    fallback: { fs: false, path: false, os: false, crypto: false },
    // The same module files @grafana/runtime's index imports, so setting them sets Grafana's.
    alias: {
      'grafana-runtime-components/PanelRenderer$': runtimeFile(line, 'components/PanelRenderer.mjs'),
      'grafana-runtime-components/PluginPage$': runtimeFile(line, 'components/PluginPage.mjs'),
    },
  },
  performance: { hints: false },
});

export default [hostFor('12'), hostFor('13')];
