// Bundles tests/browser/host.tsx with everything Grafana would provide (React, @grafana/ui, …),
// so the plugin's pages run in a plain browser page. Test-only; the plugin build is .config/webpack.
import path from 'path';
import type { Configuration } from 'webpack';

const config: Configuration = {
  mode: 'development',
  devtool: false,
  context: path.resolve(__dirname),
  entry: { host: './host.tsx' },
  output: {
    path: path.resolve(__dirname, '..', '..', 'test-output', 'host'),
    filename: '[name].js',
    publicPath: '/',
    clean: true,
  },
  module: {
    rules: [
      {
        exclude: /node_modules/,
        test: /\.[tj]sx?$/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|ttf|eot)$/, type: 'asset/inline' },
    ],
  },
  resolve: {
    extensions: ['.js', '.jsx', '.ts', '.tsx', '.mjs'],
    fallback: { fs: false, path: false, os: false, crypto: false },
  },
  performance: { hints: false },
};

export default config;
