// Search and trace chains read each audit table directly while it has no archive table, and through
// merge() once it has one (store/audit-source.ts): the plans show which, and the answers are the
// ones the merge() read gives on the same rows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { archiveDue, moveToArchive } from '../retention/storage.js';
import { existingArchives } from '../store/audit-source.js';
import type { QueryParams } from '../store/store.js';
import { startTestExporter, postLogs, requestRecord, securityRecord, tempDir } from '@auditlens/test-support';
import { searchQuery, traceChainQuery, type SearchFilter } from './audit-queries.js';

const dir = tempDir('direct-reads');
let exporter: RunningExporter;
const base = Date.now() - 3600_000;
const traceId = randomBytes(16).toString('hex');
const user = { 'user.id': 'u-1', 'client.address': '198.51.100.4' };

const filter = (extra: Partial<SearchFilter>): SearchFilter => ({
  tenants: { tenantIds: ['acme'] },
  kinds: ['request', 'db_operation', 'field_change', 'security', 'admin'],
  fromMs: base - 60_000,
  toMs: Date.now() + 60_000,
  order: 'desc',
  limit: 3,
  ...extra,
});
const searches = [filter({ user: 'u-1' }), filter({ ip: '198.51.100.4' }), filter({ traceId })];
const traceParams: QueryParams = { tenant: 'acme', trace: traceId };

async function plan(sql: string, params: QueryParams): Promise<string> {
  const rows = await exporter.store.query<{ explain: string }>(`EXPLAIN ${sql}`, params);
  return rows.map((row) => row.explain).join('\n');
}

/** The tables a plan reads through merge() and directly. */
async function reads(sql: string, params: QueryParams): Promise<{ merged: number; direct: string[] }> {
  const text = await plan(sql, params);
  return {
    merged: (text.match(/ReadFromMerge\b/g) ?? []).length,
    direct: [...text.matchAll(/ReadFromMergeTree \(audit\.(\w+)\)/g)].map((m) => m[1] ?? ''),
  };
}

before(async () => {
  exporter = await startTestExporter(dir.path, {});
  const records = [
    ...Array.from({ length: 5 }, (_, i) =>
      requestRecord({
        timeMs: base + i * 1000,
        traceId,
        spanId: randomBytes(8).toString('hex'),
        attributes: user,
      }),
    ),
    ...Array.from({ length: 2 }, (_, i) => securityRecord({ timeMs: base + 500 + i * 1000, traceId })),
    requestRecord({ timeMs: base + 9000, attributes: { 'user.id': 'u-2' } }),
  ];
  assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('without archive tables, search and trace chains read every table directly, with the merge() answers', async () => {
  const archives = await existingArchives(exporter.store, AUDIT_TABLES);
  assert.equal(archives.size, 0);
  for (const search of searches) {
    const direct = searchQuery(exporter.store, search, archives);
    const merged = searchQuery(exporter.store, search);
    // Tables without parts are planned as ReadNothing: the two that hold rows are read directly.
    assert.deepEqual(await reads(direct.sql, direct.params), {
      merged: 0,
      direct: ['audit_request_log', 'audit_security_log'],
    });
    assert.equal((await reads(merged.sql, merged.params)).merged, 5, 'without archives given: merge()');
    const rows = await exporter.store.query(direct.sql, direct.params);
    assert.ok(rows.length > 0, JSON.stringify(search));
    assert.deepEqual(rows, await exporter.store.query(merged.sql, merged.params));
  }
  assert.equal((await reads(traceChainQuery(exporter.store, archives), traceParams)).merged, 0);
  const chain = await exporter.store.query(traceChainQuery(exporter.store, archives), traceParams);
  assert.equal(chain.length, 7, 'five requests and two security events');
  assert.deepEqual(chain, await exporter.store.query(traceChainQuery(exporter.store), traceParams));
});

test('a table with an archive table is read through merge(), archived rows included', async () => {
  const yearLater = Date.now() + 400 * 86_400_000;
  const due = (await archiveDue(exporter.store, yearLater)).filter((d) => d.table === 'audit_request_log');
  await moveToArchive(exporter.store, due, yearLater);
  const archives = await existingArchives(exporter.store, AUDIT_TABLES);
  assert.deepEqual([...archives], ['audit_request_log']);
  const search = searchQuery(exporter.store, filter({ user: 'u-1' }), archives);
  const { merged, direct } = await reads(search.sql, search.params);
  assert.equal(merged, 1, 'the request table and its archive');
  assert.equal(direct.filter((t) => t === 'audit_request_log').length, 1);
  const rows = await exporter.store.query<{ kind: string; archived: boolean }>(search.sql, search.params);
  assert.deepEqual(
    rows.map((r) => [r.kind, r.archived]),
    [
      ['request', true],
      ['request', true],
      ['request', true],
    ],
  );
  const chain = await exporter.store.query<{ kind: string; archived: boolean }>(
    traceChainQuery(exporter.store, archives),
    traceParams,
  );
  assert.equal(chain.filter((r) => r.kind === 'request' && r.archived).length, 5);
});
