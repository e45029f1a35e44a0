/* global beforeAll, afterEach, afterAll, global, jest, queueMicrotask */
// Per-test setup on top of .config/jest-setup.js: msw intercepts every HTTP request the pages make.
import './.config/jest-setup';
// A 2D canvas context (Grafana's tables measure text with one), as Grafana's own tests set up.
import 'jest-canvas-mock';
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
