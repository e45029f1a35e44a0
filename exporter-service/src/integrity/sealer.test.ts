// The sealer against a store that fails after committing: a checkpoint insert that is stored
// but reported as failed is retried with the same deduplication token, alone, so that every
// checkpoint of a chain is stored exactly once (no duplicate sequence, no gap) and the tenant
// verifies intact. Real embedded store and ingest pipeline; the failure is injected around the
// store's insert.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IngestPipeline } from '../ingest/pipeline.js';
import { createLogger } from '../logger.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditRow } from '../mapping/row.js';
import { ExporterMetrics } from '../metrics.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { StoreUnavailableError, type QueryParams } from '../store/store.js';
import { securityAuditRow } from '../testing/rows.js';
import { tempDir } from '@auditlens/test-support';
import { CanonicalSchema } from './canonical.js';
import { defaultKeyPath, loadSigningKey, type SigningKey } from './keys.js';
import { IntegritySealer } from './sealer.js';
import { verifyIntegrity } from './verify.js';

const TABLE = 'audit_security_log';
const dir = tempDir('sealer');
const base = Date.now() - 3600_000;
let store: EmbeddedStore;
let schema: CanonicalSchema;
let key: SigningKey;

/**
 * Injected failures, taken in order by the inserts into their table: `after-commit` stores the
 * data and then throws (a connection lost before the acknowledgement), `before-commit` throws
 * without storing anything, `late-commit` throws at once and stores the data only after the next
 * existence check of the table writer has been answered (a timed-out insert that the server
 * finishes later). `then` runs after a successful insert, before the caller hears of it.
 */
const faults: {
  table: string;
  mode: 'after-commit' | 'before-commit' | 'late-commit' | 'then';
  then?: () => Promise<void>;
}[] = [];
const failed: string[] = [];
let late: (() => Promise<void>) | undefined;

function injectFaults(target: EmbeddedStore): void {
  const insert = target.insertJsonLines.bind(target);
  const query = target.query.bind(target);
  target.insertJsonLines = async (table, lines, options) => {
    const index = faults.findIndex((f) => f.table === table);
    const fault = index < 0 ? undefined : faults.splice(index, 1)[0];
    if (!fault) return insert(table, lines, options);
    if (fault.mode === 'then') {
      await insert(table, lines, options);
      await fault.then?.();
      return;
    }
    if (fault.mode === 'after-commit') await insert(table, lines, options);
    if (fault.mode === 'late-commit') late = () => insert(table, lines, options);
    failed.push(`${table}:${fault.mode}`);
    throw new StoreUnavailableError(`injected: the insert into ${table} failed (${fault.mode})`);
  };
  target.query = async <T>(sql: string, params?: QueryParams): Promise<T[]> => {
    const rows = await query<T>(sql, params);
    const commit = late;
    // The table writer's existence check: its event times by event id.
    if (commit && sql.includes('AS ms') && sql.includes(TABLE)) {
      late = undefined;
      await commit();
    }
    return rows;
  };
}

function newSealer(writerId: string): IntegritySealer {
  return new IntegritySealer({ store, schema, key, writerId, logger: createLogger('silent') });
}

function newPipeline(sealer: IntegritySealer): IngestPipeline {
  const pipeline = new IngestPipeline(
    store,
    { maxRows: 1000, maxDelayMs: 10, maxQueuedRows: 10_000 },
    new ExporterMetrics(),
  );
  pipeline.useCommitHooks(sealer);
  return pipeline;
}

function securityRows(tenant: string, n: number, offsetMs: number): AuditRow[] {
  return Array.from({ length: n }, (_, i) =>
    securityAuditRow(tenant, base + offsetMs + i * 1000, { 'user.id': `u-${i}` }),
  );
}

/** The stored checkpoints of a chain: how many rows each sequence has, in sequence order. */
async function storedSequences(tenant: string, writer: string): Promise<[number, number][]> {
  const rows = await store.query<{ sequence: string; n: string }>(
    `SELECT sequence, count() AS n FROM audit.audit_integrity_checkpoint
     WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}
     GROUP BY sequence ORDER BY sequence`,
    { tenant, table: TABLE, writer },
  );
  return rows.map((r) => [Number(r.sequence), Number(r.n)]);
}

/** Sequences 1..n, each stored once. */
const once = (n: number): [number, number][] => Array.from({ length: n }, (_, i) => [i + 1, 1]);

/** How many stored checkpoints seal each of the tenant's rows (event id → count). */
async function sealCounts(tenant: string): Promise<Map<string, number>> {
  const rows = await store.query<{ id: string; n: string }>(
    `SELECT toString(id) AS id, count() AS n FROM audit.audit_integrity_checkpoint
     ARRAY JOIN event_ids AS id
     WHERE tenant_id = {tenant:String} AND table_name = {table:String} GROUP BY id`,
    { tenant, table: TABLE },
  );
  return new Map(rows.map((r) => [r.id, Number(r.n)]));
}

async function verify(tenant: string) {
  return verifyIntegrity(store, {
    tenantId: tenant,
    fromMs: base - 60_000,
    toMs: Date.now() + 60_000,
    schema,
    trustedKeys: new Map([[key.keyId, key.publicKey]]),
    floorDays: 180,
    // Every stored row is judged, however recently received: an unsealed row is a problem here.
    recentMs: 0,
  });
}

before(async () => {
  store = new EmbeddedStore(`${dir.path}/clickhouse`, 'audit');
  await migrate(store);
  schema = await CanonicalSchema.load(store, AUDIT_TABLES);
  key = loadSigningKey(defaultKeyPath(dir.path), { create: true });
  injectFaults(store);
});

after(async () => {
  await store.close();
  dir.remove();
});

test('a checkpoint insert that commits and then fails is retried alone with its token: each sequence stored once', async () => {
  const writer = 'w-retry';
  const pipeline = newPipeline(newSealer(writer));
  const ingest = (rows: AuditRow[]) => pipeline.ingest(rows, { urgent: true });
  const [a1, a2, b1, a3, a4] = [
    securityRows('retry-a', 4, 0),
    securityRows('retry-a', 4, 60_000),
    securityRows('retry-b', 3, 60_000),
    securityRows('retry-a', 4, 120_000),
    securityRows('retry-a', 4, 180_000),
  ];
  assert.equal((await ingest(a1)).stored, 4); // retry-a #1

  // One batch, two tenants: checkpoints retry-a #2 and retry-b #1 in one insert, which is
  // stored and then reported as failed. The batch is not acknowledged.
  faults.push({ table: 'audit_integrity_checkpoint', mode: 'after-commit' });
  await assert.rejects(ingest([...a2, ...b1]), StoreUnavailableError);
  assert.deepEqual(failed.splice(0), ['audit_integrity_checkpoint:after-commit']);
  assert.deepEqual(await storedSequences('retry-a', writer), once(2), 'the failed insert did commit');

  // The sender retries the request: its rows are stored already (and their checkpoints pending).
  const resent = await ingest([...a2, ...b1]);
  assert.deepEqual([resent.stored, resent.duplicates], [0, 7]);

  // The next batch first retries the pending checkpoints (the store drops that insert as a repeat),
  // then stores its own: retry-a #3, and #4 after it.
  assert.equal((await ingest(a3)).stored, 4);
  assert.equal((await ingest(a4)).stored, 4);
  assert.deepEqual(failed, []);

  assert.deepEqual(await storedSequences('retry-a', writer), once(4), 'retry-a: 1..4, each once');
  assert.deepEqual(await storedSequences('retry-b', writer), once(1), 'retry-b: 1, once');
  for (const [tenant, rows] of [
    ['retry-a', 16],
    ['retry-b', 3],
  ] as const) {
    const counts = await sealCounts(tenant);
    assert.equal(counts.size, rows, `${tenant}: every row sealed`);
    assert.ok(
      [...counts.values()].every((n) => n === 1),
      `${tenant}: no row sealed twice`,
    );
    const result = await verify(tenant);
    assert.equal(result.ok, true, JSON.stringify(result.problems));
    assert.deepEqual([result.rows, result.checkpoints, result.unsealedRows], [rows, rows === 16 ? 4 : 1, 0]);
  }
  await pipeline.close();
});

test('a failed checkpoint insert is retried before newer checkpoints join it (direct hooks)', async () => {
  // The failed attempt's token names its own checkpoints: if a newer checkpoint were sent with
  // that token, the store would drop it along with the repeat, leaving a gap in the chain.
  const writer = 'w-join';
  const sealer = newSealer(writer);
  const [c1, c2] = [securityRows('join', 3, 0), securityRows('join', 3, 60_000)];
  const insert = (rows: AuditRow[]) =>
    store.insertJsonLines(TABLE, rows.map((r) => JSON.stringify(r.values)).join('\n'));

  await sealer.beforeInsert(TABLE, c1);
  await insert(c1);
  faults.push({ table: 'audit_integrity_checkpoint', mode: 'after-commit' });
  await assert.rejects(sealer.afterCommit(TABLE, c1), StoreUnavailableError);
  assert.deepEqual(failed.splice(0), ['audit_integrity_checkpoint:after-commit']);

  // A second commit reaches the sealer while checkpoint 1 is still pending (the hooks are called
  // here without the table writer's beforeInsert, which would retry 1 first): 1 goes alone with
  // its old token, then 2 with its own.
  await insert(c2);
  await sealer.afterCommit(TABLE, c2);
  assert.deepEqual(await storedSequences('join', writer), once(2));
  const result = await verify('join');
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.deepEqual([result.rows, result.checkpoints], [6, 2]);
});

test('rows of a failed insert that commits late, sent again, are sealed once (by the recovery, not again by the commit)', async () => {
  // The sender's retry passes the existence check (the first insert is not stored yet) and is
  // journaled; before its insert, the first batch's unanswered intent is recovered and, its rows
  // stored by now, sealed. The retry's insert is dropped as a repeat (same token), and its commit
  // must not seal the same rows a second time.
  const writer = 'w-late';
  const pipeline = newPipeline(newSealer(writer));
  const rows = securityRows('late', 5, 0);
  faults.push({ table: TABLE, mode: 'late-commit' });
  await assert.rejects(pipeline.ingest(rows, { urgent: true }), StoreUnavailableError);
  assert.deepEqual(failed.splice(0), [`${TABLE}:late-commit`]);
  const again = await pipeline.ingest(rows, { urgent: true });
  assert.equal(again.stored, 5);
  assert.equal(late, undefined, 'the first insert did commit, after the existence check');
  const [stored] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.${TABLE} WHERE tenant_id = 'late'`,
  );
  assert.equal(Number(stored?.n), 5, 'each row stored once');
  const counts = await sealCounts('late');
  assert.deepEqual(
    rows.map((r) => counts.get(r.eventId) ?? 0),
    [1, 1, 1, 1, 1],
    'each row sealed in exactly one checkpoint',
  );
  const result = await verify('late');
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.rows, 5);
  await pipeline.close();
});

test('a batch that commits while the background retry runs is sealed once', async () => {
  // The retry timer fires between the insert's commit and its afterCommit: the batch's intent
  // looks unanswered, its rows are stored and in no checkpoint.
  const writer = 'w-tick';
  const sealer = newSealer(writer);
  const pipeline = newPipeline(sealer);
  const tick = (): Promise<void> => (sealer as unknown as { retry(): Promise<void> }).retry();
  const [d1, d2] = [securityRows('tick', 4, 0), securityRows('tick', 4, 60_000)];
  faults.push({ table: TABLE, mode: 'then', then: tick });
  assert.equal((await pipeline.ingest(d1, { urgent: true })).stored, 4);
  assert.equal((await pipeline.ingest(d2, { urgent: true })).stored, 4);
  const counts = await sealCounts('tick');
  assert.deepEqual(
    [...d1, ...d2].map((r) => counts.get(r.eventId) ?? 0),
    [1, 1, 1, 1, 1, 1, 1, 1],
    'each row sealed in exactly one checkpoint',
  );
  assert.deepEqual(await storedSequences('tick', writer), once(2));
  const result = await verify('tick');
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.deepEqual([result.rows, result.checkpoints], [8, 2]);
  await pipeline.close();
});
