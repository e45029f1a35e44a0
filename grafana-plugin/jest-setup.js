/* global beforeAll, afterEach, afterAll, global, jest, queueMicrotask */
// Per-test setup on top of .config/jest-setup.js: msw intercepts every HTTP request the pages make.
import './.config/jest-setup';
// A 2D canvas context (Grafana's tables measure text with one), as Grafana's own tests set up.
import 'jest-canvas-mock';
import { configure } from '@testing-library/react';
import { server } from './src/testing/server';

// What Grafana sets in @grafana/runtime when it starts: its page chrome and its panels.
jest.mock('@grafana/runtime', () => {
  const doubles = jest.requireActual('./src/testing/grafanaDoubles');
  return {
    ...jest.requireActual('@grafana/runtime'),
    PluginPage: doubles.TestPluginPage,
    PanelRenderer: doubles.RecordingPanelRenderer,
  };
});

// findBy*/waitFor give up after 1 s by default: a lazily loaded page or a Grafana panel can take
// longer on a busy 2-core machine (seen with four test suites running beside jest). Still a
// bounded wait, and a test whose element never comes fails within it.
configure({ asyncUtilTimeout: 5000 });

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// jsdom lays nothing out: an observed element reports the size of a desktop page's content column,
// as a browser's ResizeObserver does on observe(), so that Grafana's tables and panels render.
global.ResizeObserver = class ResizeObserver {
  constructor(callback) {
    this.callback = callback;
  }
  observe(target) {
    const contentRect = { width: 1200, height: 600, top: 0, left: 0, right: 1200, bottom: 600, x: 0, y: 0 };
    queueMicrotask(() => this.callback([{ target, contentRect }], this));
  }
  unobserve() {}
  disconnect() {}
};
