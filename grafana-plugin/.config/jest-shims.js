/* global global, require */
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads these files as CommonJS */
// Browser APIs jsdom lacks and Grafana's components use.
const { TextDecoder, TextEncoder } = require('util');

Object.assign(global, { TextDecoder, TextEncoder });
global.matchMedia =
  global.matchMedia ||
  ((query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }));
if (global.HTMLCanvasElement) global.HTMLCanvasElement.prototype.getContext = () => null;
global.ResizeObserver =
  global.ResizeObserver ||
  class ResizeObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
global.IntersectionObserver =
  global.IntersectionObserver ||
  class IntersectionObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  };
if (global.Element && !global.Element.prototype.scrollIntoView)
  global.Element.prototype.scrollIntoView = () => undefined;
