// Refused API calls become `audit.access` records with result `denied` (PCI DSS 10.2.1.4), but a
// flood cannot fill the disk: per window at most `perSource` records per client address and
// reason and `perWindow` in all, the rest counted into one summary record. Runs against a real
// exporter's pipeline and store, with a clock the test moves.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import { InternalRecorder } from '../ingest/internal-records.js';
import { startTestExporter, tempDir } from '@auditlens/test-support';
import { AccessLog, type DeniedAttempt } from './access-log.js';
import { DEFAULT_DENIED_ACCESS_LIMITS, DeniedAccessLog, type DeniedAccessLimits } from './denied-access.js';

const dir = tempDir('denied-access');
let exporter: RunningExporter;

before(async () => {
  exporter = await startTestExporter(dir.path, { modules: [] });
});
after(async () => {
  await exporter.close();
  dir.remove();
});

const attempt = (clientAddress: string, reason: DeniedAttempt['reason']): DeniedAttempt => ({
  status: reason === 'missing-token' || reason === 'unknown-token' ? 401 : 403,
  reason,
  resource: 'GET /api/v1/search',
  tenant: 'acme',
  subject: 'anonymous',
  userName: '',
  clientAddress,
  userAgent: 'flood/1.0',
});

interface DeniedRow {
  operation_name: string;
  user_id: string;
  resource: string;
  query_filter: string;
  ip: string;
}

async function deniedRows(): Promise<DeniedRow[]> {
  return exporter.store.query<DeniedRow>(
    `SELECT operation_name, user_id, resource, query_filter, replaceRegexpOne(toString(ip_address), '^::ffff:', '') AS ip
     FROM audit.audit_access_log WHERE access_type = 'denied' AND result = 'denied' AND tenant_id = ''`,
  );
}

/** A denied-access log on the exporter's pipeline and metrics, with the test's limits and clock. */
const deniedLog = (limits: DeniedAccessLimits, now: () => number): DeniedAccessLog =>
  new DeniedAccessLog(
    new AccessLog(new InternalRecorder(exporter.pipeline)),
    exporter.metrics,
    exporter.logger,
    limits,
    now,
  );

const counter = async (name: string): Promise<number> => {
  const metric = await exporter.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).reduce((n, v) => n + v.value, 0);
};

test('a flood of refusals writes at most the window limit, and one summary counts the rest', async () => {
  let now = 1_750_000_000_000;
  const limits = DEFAULT_DENIED_ACCESS_LIMITS;
  const log = deniedLog(limits, () => now);
  // One source hammering with a wrong token, then 300 sources without one.
  for (let i = 0; i < 1000; i++) log.refused(attempt('203.0.113.7', 'unknown-token'));
  for (let i = 0; i < 300; i++) log.refused(attempt(`10.0.${i >> 8}.${i & 255}`, 'missing-token'));
  // The next window: its first refusal ends the previous one, whose summary is written.
  now += limits.windowMs;
  log.refused(attempt('203.0.113.7', 'unknown-token'));
  await log.close();

  const rows = await deniedRows();
  const single = rows.filter((r) => r.operation_name !== 'denied-unrecorded');
  const summaries = rows.filter((r) => r.operation_name === 'denied-unrecorded');
  assert.equal(single.length, limits.perWindow + 1, 'window limit, plus the refusal of the next window');
  assert.equal(single.filter((r) => r.ip === '203.0.113.7').length, limits.perSource + 1);
  assert.deepEqual(new Set(single.map((r) => r.resource)), new Set(['GET /api/v1/search']));
  assert.deepEqual(JSON.parse(single[0]?.query_filter ?? '{}'), {
    tenant: 'acme',
    reason: single[0]?.operation_name,
  });
  assert.equal(summaries.length, 1);
  const summary = JSON.parse(summaries[0]?.query_filter ?? '{}') as {
    count: number;
    top: { clientAddress: string; reason: string; count: number }[];
  };
  const unrecorded = 1000 + 300 - limits.perWindow;
  assert.equal(summary.count, unrecorded);
  assert.deepEqual(summary.top[0], {
    clientAddress: '203.0.113.7',
    reason: 'unknown-token',
    count: 1000 - limits.perSource,
  });
  assert.ok(summary.top.length <= 20);
  assert.equal(await counter('auditlens_api_denied_total'), 1301);
  assert.equal(await counter('auditlens_api_denied_unrecorded_total'), unrecorded);
});

test('past maxSources, new sources share one counter: memory stays bounded', async () => {
  let now = 1_760_000_000_000;
  const limits = { windowMs: 1000, perSource: 1, perWindow: 1000, maxSources: 10 };
  const log = deniedLog(limits, () => now);
  for (let i = 0; i < 50; i++) log.refused(attempt(`192.0.2.${i}`, 'admin-required'));
  now += 1000;
  await log.close();
  const summaries = (await deniedRows()).filter((r) => r.query_filter.includes('(other sources)'));
  assert.equal(summaries.length, 1);
  const summary = JSON.parse(summaries[0]?.query_filter ?? '{}') as {
    count: number;
    top: { clientAddress: string }[];
  };
  // 10 sources got their record, the 11th key ("other sources") one more; 39 were only counted.
  assert.equal(summary.count, 39);
  assert.deepEqual(
    summary.top.map((t) => t.clientAddress),
    ['(other sources)'],
  );
});
