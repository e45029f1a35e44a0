import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
// @ts-expect-error: the package ships no type declarations
import ReplaceInFileWebpackPlugin from 'replace-in-file-webpack-plugin';
import type { Configuration, ExternalItemFunctionData } from 'webpack';

import { DIST_DIR, SOURCE_DIR } from './constants';
import { getEntries, getPackageJson, getPluginJson, hasReadme, swcRule } from './utils';

export interface Env {
  production?: boolean;
  development?: boolean;
}

/**
 * Libraries Grafana shares with plugins at run time (its sharedDependencies.ts map): the plugin
 * uses Grafana's copies (one React, one theme, one router context), so they stay out of the bundle.
 * Exact names only: a name not listed here is bundled.
 * - `react/jsx-runtime` and `react/jsx-dev-runtime` are Grafana's, so the JSX of the bundle runs on
 *   the React that renders it (React 19 from Grafana 13.2, whose internals a bundled React 18 runtime
 *   does not find). Grafana shares them from 12.3.0 and the 12.0.10, 12.1.7, 12.2.5 patches, which is
 *   what plugin.json's grafanaDependency admits.
 * - `react-router-dom` is NOT external: under that name Grafana 12 and 13 share the legacy v5 router.
 *   The app uses React Router v6, so it bundles react-router-dom v6, whose `react-router` import
 *   resolves to Grafana's v6 router (react-router-dom-v5-compat) and shares its context.
 */
export const externals: Configuration['externals'] = [
  { 'amd-module': 'module' },
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
  ({ request }: ExternalItemFunctionData, callback: (error?: Error, result?: string) => void) => {
    const prefix = 'grafana/';
    if (request?.startsWith(prefix)) return callback(undefined, request.slice(prefix.length));
    callback();
  },
];

const config = async (env: Env): Promise<Configuration> => {
  const pluginJson = getPluginJson();
  return {
    cache: { type: 'filesystem', buildDependencies: { config: [__filename] } },
    context: path.join(process.cwd(), SOURCE_DIR),
    devtool: env.production ? 'source-map' : 'eval-source-map',
    entry: getEntries(),
    externals,
    mode: env.production ? 'production' : 'development',
    module: {
      rules: [
        swcRule({ baseUrl: path.resolve(process.cwd(), SOURCE_DIR), target: 'es2015', loose: false }),
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        {
          test: /\.(png|jpe?g|gif|svg)$/,
          type: 'asset/resource',
          generator: {
            publicPath: `public/plugins/${pluginJson.id}/img/`,
            outputPath: 'img/',
            filename: env.production ? '[hash][ext]' : '[file]',
          },
        },
      ],
    },
    output: {
      clean: true,
      filename: '[name].js',
      chunkFilename: env.production ? '[name].[contenthash].js' : '[name].js',
      library: { type: 'amd' },
      path: path.resolve(process.cwd(), DIST_DIR),
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
    },
    performance: { hints: false },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: hasReadme() ? 'README.md' : '../README.md', to: '.', force: true },
          { from: 'plugin.json', to: '.' },
          { from: '../CHANGELOG.md', to: '.', force: true, noErrorOnMissing: true },
          { from: '../LICENSE', to: '.', noErrorOnMissing: true },
          { from: 'dashboards/*.json', to: '.' },
          { from: 'img/**/*', to: '.', noErrorOnMissing: true },
        ],
      }),
      new ReplaceInFileWebpackPlugin([
        {
          dir: DIST_DIR,
          files: ['plugin.json', 'README.md'],
          rules: [
            { search: /%VERSION%/g, replace: getPackageJson().version },
            { search: /%TODAY%/g, replace: new Date().toISOString().substring(0, 10) },
            { search: /%PLUGIN_ID%/g, replace: pluginJson.id },
          ],
        },
      ]),
    ],
    resolve: {
      extensions: ['.js', '.jsx', '.ts', '.tsx'],
      modules: [path.resolve(process.cwd(), SOURCE_DIR), 'node_modules'],
      unsafeCache: true,
    },
  };
};

export default config;
