/* global beforeAll, afterEach, afterAll */
// Per-test setup on top of .config/jest-setup.js: msw intercepts every HTTP request the pages make.
import './.config/jest-setup';
import { server } from './src/testing/server';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
