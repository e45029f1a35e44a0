import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';

import { PROXY_BASE } from '../constants';

/**
 * The exporter's Grafana SQL endpoints behind every page's "Open in Explore" (what a test asks
 * for overrides them): they echo the filters they were given, so a test can read them in the link.
 */
const grafanaSql = ['/search/sql', '/stats/sql', '/security-events/sql'].map((path) =>
  http.get(`*/${PROXY_BASE}/exporter/api/v1${path}`, ({ request }) =>
    HttpResponse.json({
      sql: `SELECT 1 -- ${path} ${new URL(request.url).searchParams.toString()}`,
      format: path === '/stats/sql' ? 'timeseries' : 'table',
    }),
  ),
);

/** The msw server every jest test runs behind (started in jest-setup.js); tests add handlers. */
export const server = setupServer(...grafanaSql);
