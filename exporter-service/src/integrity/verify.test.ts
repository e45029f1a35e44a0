// Verification in chunks: a period is verified in time windows of a bounded number of rows (the
// memory bound), and the result is the same whatever the chunk size: intact stays intact, and
// tampering in a later chunk, or with a row sealed by a checkpoint of an earlier chunk, is found.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { complianceModule } from '../compliance/module.js';
import { StoreRejectedError, StoreUnavailableError } from '../store/store.js';
import { startTestExporter, postLogs, requestRecord, securityRecord, tempDir } from '@auditlens/test-support';
import { CanonicalSchema } from './canonical.js';
import { defaultKeyPath, loadSigningKey } from './keys.js';
import { verifyIntegrity } from './verify.js';
import { packWindows } from './verify-plan.js';
import type { VerifyResult } from './verify-result.js';
import type { VerifyOptions } from './verify-run.js';

const dir = tempDir('verify-chunks');
let exporter: RunningExporter;
let options: Omit<VerifyOptions, 'tenantId'>;
const base = Date.now() - 3 * 3600_000;
/** Five checkpoints of twelve rows each, a second apart: with chunks of five rows, each spans three. */
const BATCHES = 5;
const BATCH_ROWS = 12;

async function seed(tenant: string): Promise<void> {
  for (let batch = 0; batch < BATCHES; batch++) {
    const records = Array.from({ length: BATCH_ROWS }, (_, i) =>
      securityRecord({
        tenant,
        timeMs: base + batch * 600_000 + i * 1000,
        attributes: { 'user.id': `u-${i % 3}`, 'audit.duration_ms': 0.1 * i },
      }),
    );
    assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  }
  const requests = Array.from({ length: 7 }, (_, i) =>
    requestRecord({ tenant, timeMs: base + i * 700_000, attributes: { 'url.path': `/items/${i}` } }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, requests)).status, 200);
}

function verify(tenantId: string, chunkRows?: number, extra: Partial<VerifyOptions> = {}) {
  return verifyIntegrity(exporter.store, {
    ...options,
    tenantId,
    fromMs: base - 60_000,
    toMs: Date.now() + 60_000,
    chunkRows,
    ...extra,
  });
}

/** The problems as comparable text, in a stable order. */
const problemsOf = (result: VerifyResult): string[] =>
  result.problems.map((p) => `${p.kind} ${p.table} ${p.sequence ?? '-'} ${p.eventId ?? '-'}`).sort();

/** Event id of the n-th security row of a tenant by event time. */
async function securityRow(tenant: string, n: number): Promise<Record<string, unknown>> {
  const [row] = await exporter.store.query<Record<string, unknown>>(
    `SELECT * FROM audit.audit_security_log WHERE tenant_id = {tenant:String}
     ORDER BY event_time, event_id LIMIT 1 OFFSET {n:UInt32}`,
    { tenant, n },
  );
  assert.ok(row, `row ${n} of ${tenant}`);
  return row;
}

before(async () => {
  exporter = await startTestExporter(dir.path, {
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule()],
  });
  const key = loadSigningKey(defaultKeyPath(dir.path), { create: false });
  options = {
    schema: await CanonicalSchema.load(exporter.store, AUDIT_TABLES),
    trustedKeys: new Map([[key.keyId, key.publicKey]]),
    floorDays: 180,
  };
  await seed('chunked');
  await seed('tampered');
  await seed('unchained');
  await seed('flooded');
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('packWindows: contiguous windows over the period, cut between buckets at the chunk size', () => {
  const buckets = [
    { start: 0, end: 10, rows: 3 },
    { start: 10, end: 20, rows: 3 },
    { start: 30, end: 40, rows: 9 },
    { start: 40, end: 50, rows: 1 },
  ];
  assert.deepEqual(packWindows(buckets, 0, 100, 5), [
    [0, 10],
    [10, 30],
    [30, 40],
    [40, 100],
  ]);
  assert.deepEqual(packWindows(buckets, 0, 100, 1000), [[0, 100]]);
  assert.deepEqual(packWindows([], 5, 100, 5), [[5, 100]]);
});

test('an intact tenant verifies the same in chunks of five rows as in one chunk, with progress', async () => {
  const whole = await verify('chunked');
  assert.equal(whole.ok, true, JSON.stringify(whole.problems));
  assert.equal(whole.rows, BATCHES * BATCH_ROWS + 7);
  assert.equal(whole.chunks, AUDIT_TABLES.length, 'one chunk per table');
  const progress: [number, number][] = [];
  const chunked = await verify('chunked', 5, { onProgress: (done, total) => progress.push([done, total]) });
  assert.equal(chunked.ok, true, JSON.stringify(chunked.problems));
  assert.ok(chunked.chunks >= 14, `${chunked.chunks} chunks`);
  assert.equal(chunked.rows, whole.rows);
  assert.equal(chunked.checkpoints, whole.checkpoints);
  assert.deepEqual(chunked.chains, whole.chains);
  const security = chunked.chains.find((c) => c.table === 'audit_security_log');
  assert.deepEqual([security?.checkpoints, security?.rows], [BATCHES, BATCHES * BATCH_ROWS]);
  // Progress rises to the total, chunk by chunk.
  assert.ok(progress.length >= chunked.chunks, `${progress.length} progress reports`);
  assert.ok(progress.every(([done], i) => i === 0 || done >= (progress[i - 1]?.[0] ?? 0)));
  assert.deepEqual(progress.at(-1), [whole.rows, whole.rows]);
});

test('tampering in later chunks is found in chunks as in one chunk', async () => {
  const tenant = 'tampered';
  const last = await securityRow(tenant, BATCHES * BATCH_ROWS - 1);
  // The last row of the second checkpoint: in a later chunk than its checkpoint's first rows.
  const sealedElsewhere = await securityRow(tenant, 2 * BATCH_ROWS - 1);
  const copied = await securityRow(tenant, 3 * BATCH_ROWS - 1);
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE user_id = 'mallory' WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id: String(last.event_id) },
  );
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log DELETE WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id: String(sealedElsewhere.event_id) },
  );
  // A row inserted behind the exporter's back near the end of the period, and a changed copy of
  // a sealed row (same event id and time) in a later chunk than the checkpoint that sealed it; in
  // chunks of one row, pages are one row too, and the copy must not fall between two of them.
  const forged = {
    ...last,
    event_id: randomUUID(),
    event_time: formatTime(base + (BATCHES - 1) * 600_000 + 5500),
    received_at: formatTime(Date.now() - 600_000),
  };
  const copy = { ...copied, description: 'rewritten', received_at: formatTime(Date.now() - 600_000) };
  await exporter.store.insertJsonLines(
    'audit_security_log',
    [JSON.stringify(forged), JSON.stringify(copy)].join('\n'),
  );
  const expected = [
    `row_altered audit_security_log 5 ${String(last.event_id)}`,
    `row_missing audit_security_log 2 ${String(sealedElsewhere.event_id)}`,
    `row_out_of_band audit_security_log - ${forged.event_id}`,
    `row_out_of_band audit_security_log 3 ${String(copied.event_id)}`,
  ].sort();
  for (const chunkRows of [undefined, 5, 1]) {
    const result = await verify(tenant, chunkRows);
    assert.equal(result.ok, false);
    assert.deepEqual(problemsOf(result), expected, `chunks of ${chunkRows ?? 'default'} rows`);
    assert.equal(result.problemCount, 4);
  }
});

test('a checkpoint removed from the middle of a chain is found in chunks', async () => {
  const tenant = 'unchained';
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE received_at = received_at - toIntervalHour(1)
     WHERE tenant_id = {tenant:String} SETTINGS mutations_sync = 2`,
    { tenant },
  );
  await exporter.store.command(
    `ALTER TABLE audit.audit_integrity_checkpoint DELETE
     WHERE tenant_id = {tenant:String} AND table_name = 'audit_security_log' AND sequence = 3
     SETTINGS mutations_sync = 2`,
    { tenant },
  );
  const whole = await verify(tenant);
  const chunked = await verify(tenant, 4);
  assert.deepEqual(problemsOf(chunked), problemsOf(whole));
  const kinds = new Map<string, number>();
  for (const p of chunked.problems) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(kinds), { checkpoint_missing: 1, row_out_of_band: BATCH_ROWS });
  assert.equal(chunked.problems.find((p) => p.kind === 'checkpoint_missing')?.sequence, 4);
});

test('past the listed problems, rows outside any checkpoint are counted by the store alike', async () => {
  const tenant = 'flooded';
  const template = await securityRow(tenant, 0);
  const old = formatTime(Date.now() - 600_000);
  const forged = Array.from({ length: 1100 }, (_, i) => ({
    ...template,
    event_id: randomUUID(),
    event_time: formatTime(base + 100 + i * 2000),
    received_at: old,
  }));
  const recent = forged.slice(0, 5).map((row) => ({
    ...row,
    event_id: randomUUID(),
    received_at: formatTime(Date.now()),
  }));
  // One forged row stored twice (both copies in the same chunk): one problem.
  const twice = forged[1050];
  assert.ok(twice);
  await exporter.store.insertJsonLines(
    'audit_security_log',
    [...forged, ...recent, twice].map((row) => JSON.stringify(row)).join('\n'),
  );
  const whole = await verify(tenant);
  assert.equal(whole.problemCount, 1100);
  assert.equal(whole.problems.length, 1000);
  assert.equal(whole.unsealedRows, 5);
  const chunked = await verify(tenant, 100);
  assert.ok(chunked.chunks >= 12, `${chunked.chunks} chunks`);
  assert.deepEqual(
    [chunked.problemCount, chunked.problems.length, chunked.unsealedRows, chunked.rows],
    [1100, 1000, 5, whole.rows],
  );
  // Rows the running exporter still holds unsealed are not judged, counted or listed.
  const held = new Set([String(forged[1099]?.event_id), String(forged[10]?.event_id)]);
  const live = await verify(tenant, 100, { unsealed: held });
  assert.deepEqual([live.problemCount, live.unsealedRows], [1098, 7]);
});

test('a result too large to read at once is refused, not reported as an outage to retry', async () => {
  // About 600 MB of JSON: more than one JavaScript string can hold.
  await assert.rejects(
    exporter.store.query("SELECT repeat('x', 1000000) AS s FROM numbers(600)"),
    (error: unknown) => {
      assert.ok(error instanceof StoreRejectedError, String(error));
      assert.ok(!(error instanceof StoreUnavailableError));
      assert.match(error.message, /too large to read at once/);
      return true;
    },
  );
  assert.equal(await exporter.store.ping(), true, 'the store itself is fine');
});
