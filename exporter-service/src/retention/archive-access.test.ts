// Archived rows stay retrievable (PCI DSS 10.5.1, MLPS 8.1.4.3 c): once moved to the archive
// tables they are found by search (marked archived), trace chains, single-record reads and the
// compliance reports, and they keep verifying.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import type { ReportContent } from '../reports/generate.js';
import { complianceModule } from '../compliance/module.js';
import {
  startTestExporter,
  postLogs,
  requestRecord,
  type TestRecord,
  tempDir,
} from '@auditlens/test-support';
import { archiveDue, moveToArchive } from './storage.js';

const dir = tempDir('archive-access');
const TOKEN = 'archive-access-admin';
let exporter: RunningExporter;
const base = Date.now() - 3600_000;
const traceId = randomBytes(16).toString('hex');
const range = `from=${base - 60_000}&to=${Date.now() + 60_000}`;

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${exporter.apiUrl}/api/v1${path}`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.status, 200, path);
  return (await response.json()) as Record<string, unknown>;
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    apiTokens: new Map([[TOKEN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule()],
  });
  const records: TestRecord[] = Array.from({ length: 4 }, (_, i) =>
    requestRecord({ timeMs: base + i * 1000, traceId, spanId: randomBytes(8).toString('hex') }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  // A year later the request rows (365 days online by default) move to the archive table.
  const yearLater = Date.now() + 400 * 86_400_000;
  const due = await archiveDue(exporter.store, yearLater);
  assert.deepEqual(due, [{ table: 'audit_request_log', moved: 4 }]);
  await moveToArchive(exporter.store, due, yearLater);
  const [online] = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_request_log WHERE tenant_id = 'acme'`,
  );
  assert.equal(Number(online?.n), 0, 'nothing left online');
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('search, record reads and trace chains reach archived rows', async () => {
  const page = await get(`/search?tenant=acme&kinds=request&${range}`);
  const rows = page.rows as { event_id: string; archived: boolean }[];
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.archived === true));
  const first = rows[0];
  assert.ok(first);
  const record = await get(`/records/request/${first.event_id}?tenant=acme`);
  assert.equal(record.event_id, first.event_id);
  assert.equal(record.archived, true);
  const chain = await get(`/traces/${traceId}?tenant=acme`);
  assert.equal((chain.requests as unknown[]).length, 4);
});

test('reports count archived rows, and they keep verifying', async () => {
  const response = await fetch(`${exporter.apiUrl}/api/v1/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: 'acme',
      framework: 'pci-dss-4',
      period: 'custom',
      from: base - 60_000,
      to: Date.now() + 60_000,
    }),
  });
  assert.equal(response.status, 201);
  const content = ((await response.json()) as { content: ReportContent }).content;
  const any = content.checks['events.any'];
  assert.equal(any?.status, 'met');
  assert.equal((any?.data.byKind as Record<string, number>).request, 4);
  const integrity = content.checks.integrity;
  assert.equal(integrity?.status, 'met', integrity?.summary);
  // The four archived requests and the access records of the reads above.
  assert.equal(integrity?.data.rows, 7);
});
