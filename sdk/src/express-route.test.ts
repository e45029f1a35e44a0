// The route a request record names (issue 20): the route template, or the path when no route
// matched, also when a handler throws and auditErrorHandler runs — under Express 4 and Express 5,
// through the exporter into ClickHouse (the Express 5 final handler resets req.baseUrl, which
// stored `http_route = "undefined/boom"`).
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import express5 from 'express';
import { startTestExporter, tempDir, waitUntil } from '@auditlens/test-support';
import { AuditClient } from './audit-client.js';
import { auditErrorHandler, auditMiddleware } from './express.js';

type ExpressFactory = typeof express5;
/** Express 4 (`express4`: npm:express@4), whose API the middleware uses is typed as Express 5's. */
const express4 = createRequire(import.meta.url)('express4') as ExpressFactory;

const VERSIONS: [string, ExpressFactory][] = [
  ['Express 5', express5],
  ['Express 4', express4],
];

async function serve(express: ExpressFactory, client: AuditClient): Promise<http.Server> {
  const app = express();
  app.set('env', 'test'); // the final handler's 500 without a stack trace on stderr
  app.use(auditMiddleware({ client }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  const api = express.Router();
  api.get('/items/:id', () => {
    throw new Error('item failed');
  });
  api.get('/items/:id/ok', (_req, res) => {
    res.send('ok');
  });
  app.use('/api', api);
  app.use(auditErrorHandler());
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

test('the stored http_route is the route template, or the path when no route matched, under Express 4 and 5', async () => {
  const dir = tempDir('sdk-route');
  const exporter = await startTestExporter(dir.path);
  try {
    for (const [version, express] of VERSIONS) {
      const service = `route-${version.replace(' ', '')}`;
      const client = new AuditClient({
        serviceName: service,
        endpoint: exporter.otlpUrl,
        spoolDir: false,
        handleSignals: false,
        delivery: { scheduledDelayMillis: 10 },
      });
      const server = await serve(express, client);
      try {
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const statuses = [];
        for (const path of ['/boom', '/api/items/7', '/api/items/7/ok', '/no/such/page'])
          statuses.push((await fetch(`${base}${path}`)).status);
        assert.deepEqual(statuses, [500, 500, 200, 404], version);
        await client.forceFlush();
        const sql =
          'SELECT url_path, http_route, status_code FROM audit.audit_request_log ' +
          'WHERE service = {service:String} ORDER BY url_path';
        let rows: { url_path: string; http_route: string; status_code: number }[] = [];
        await waitUntil(
          async () => (rows = await exporter.store.query(sql, { service })).length === 4,
          15_000,
          `${version}: four request rows`,
        );
        assert.deepEqual(
          rows.map((r) => [r.url_path, r.http_route, Number(r.status_code)]),
          [
            ['/api/items/7', '/api/items/:id', 500],
            ['/api/items/7/ok', '/api/items/:id/ok', 200],
            ['/boom', '/boom', 500],
            ['/no/such/page', '/no/such/page', 404],
          ],
          version,
        );
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await client.shutdown();
      }
    }
  } finally {
    await exporter.close();
    dir.remove();
  }
});
