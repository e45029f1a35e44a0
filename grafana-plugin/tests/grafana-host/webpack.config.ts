// Builds the test host (host.tsx) once per modelled Grafana line into test-output/grafana-host/<line>/.
// Each build resolves packages from that line's grafana-shared-modules/<line>/node_modules first, so
// React, @grafana/* and the routers in the host — the modules shared with the plugin — are the
// versions that Grafana line ships; the plugin itself is not part of these builds (the host loads
// its built dist/module.js at run time).
import path from 'path';
import { DefinePlugin, type Configuration } from 'webpack';

import { swcRule } from '../../.config/webpack/utils';
import type { GrafanaLine } from './sharedModules';

const pluginRoot = path.resolve(__dirname, '..', '..');

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
  },
  performance: { hints: false },
});

export default [hostFor('12'), hostFor('13')];
