/* global module, require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads these files as CommonJS */
// Base jest configuration (create-plugin layout): swc transform, jsdom with the Fetch API so that
// msw intercepts real requests, CSS as identity proxies. Extend it in ../jest.config.js.
const path = require('path');
const { grafanaESModules, nodeModulesToTransform } = require('./jest/utils');

module.exports = {
  rootDir: path.resolve(__dirname, '..'),
  moduleNameMapper: {
    '\\.(css|scss|sass)$': 'identity-obj-proxy',
    'react-inlinesvg': path.resolve(__dirname, 'jest', 'mocks', 'react-inlinesvg.tsx'),
  },
  modulePaths: ['<rootDir>/src'],
  setupFiles: [path.resolve(__dirname, 'jest-shims.js')],
  setupFilesAfterEnv: ['<rootDir>/jest-setup.js'],
  // jsdom with Node's fetch, Request, Response, streams and BroadcastChannel (needed by msw 2).
  testEnvironment: 'jest-fixed-jsdom',
  testEnvironmentOptions: {
    url: 'http://localhost:3000/a/auditlens-audit-app/',
    customExportConditions: [''],
  },
  testMatch: ['<rootDir>/src/**/*.{spec,test,jest}.{js,jsx,ts,tsx}'],
  transform: {
    '^.+\\.(t|j)sx?$|^.+\\.mjs$': [
      '@swc/jest',
      {
        sourceMaps: 'inline',
        jsc: {
          parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
          transform: { react: { runtime: 'automatic' } },
        },
      },
    ],
  },
  transformIgnorePatterns: [nodeModulesToTransform(grafanaESModules)],
};
