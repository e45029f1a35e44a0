// The sealer's background retry runs on a timer, concurrently with the ingest path: a batch whose
// insert is under way (journaled, not yet reported committed) is not an unanswered intent to
// recover. Recovered before its insert, its intent would be dropped from the journal (no crash
// protection); after, its rows would be sealed by the retry and again by the commit (which the
// sealer's set of recovered rows also prevents).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createLogger } from '../logger.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import type { AuditRow } from '../mapping/row.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { securityAuditRow } from '../testing/rows.js';
import { tempDir, waitUntil } from '@auditlens/test-support';
import { CanonicalSchema } from './canonical.js';
import { loadSigningKey } from './keys.js';
import { IntegritySealer } from './sealer.js';

const dir = tempDir('sealer-in-flight');
const store = new EmbeddedStore(join(dir.path, 'clickhouse'), 'audit');
const TABLE = 'audit_security_log';

after(async () => {
  await store.close();
  dir.remove();
});

function securityRows(tenantId: string, count: number): AuditRow[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: count }, (_, i) => securityAuditRow(tenantId, base + i * 1000));
}

/** Times each event id of the tenant appears in a stored checkpoint, and the checkpoints' sequences. */
async function sealing(tenant: string): Promise<{ timesSealed: number[]; sequences: number[] }> {
  const ids = await store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_integrity_checkpoint ARRAY JOIN event_ids AS id
     WHERE tenant_id = {tenant:String} GROUP BY id ORDER BY id`,
    { tenant },
  );
  const checkpoints = await store.query<{ sequence: string }>(
    `SELECT sequence FROM audit.audit_integrity_checkpoint WHERE tenant_id = {tenant:String} ORDER BY sequence`,
    { tenant },
  );
  return { timesSealed: ids.map((r) => Number(r.n)), sequences: checkpoints.map((r) => Number(r.sequence)) };
}

/** A sealer of its own writer id and journal, its retry timer firing every 10 ms. */
async function startSealer(writerId: string): Promise<IntegritySealer> {
  const sealer = new IntegritySealer({
    store,
    schema: await CanonicalSchema.load(store, AUDIT_TABLES),
    key: loadSigningKey(join(dir.path, 'signing.pem'), { create: true }),
    writerId,
    logger: createLogger('silent'),
    journalDir: join(dir.path, 'journal', writerId),
  });
  await sealer.start(10);
  return sealer;
}

/** Inserts the rows as the table writer would, the sealer's hooks left to the caller. */
const insert = (rows: readonly AuditRow[]): Promise<void> =>
  store.insertJsonLines(TABLE, rows.map((r) => JSON.stringify(r.values)).join('\n'));

before(async () => {
  await migrate(store);
});

test('a batch being inserted while the background retry runs keeps its intent and is sealed once, by its commit', async () => {
  const sealer = await startSealer('writer-1');
  try {
    const rows = securityRows('inflight', 4);
    await sealer.beforeInsert(TABLE, rows);
    // Before the insert: the retry keeps the batch's journaled intent (its crash protection).
    await sleep(100);
    assert.equal(sealer.unsealedEventIds().size, rows.length);
    await insert(rows);
    // The insert has committed; the retry timer fires several times before the commit is reported.
    await sleep(100);
    await sealer.afterCommit(TABLE, rows);
    assert.deepEqual(await sealing('inflight'), { timesSealed: [1, 1, 1, 1], sequences: [1] });
  } finally {
    await sealer.stop();
  }
});

test('a batch whose insert failed is recovered by the retry once the insert is over', async () => {
  const sealer = await startSealer('writer-2');
  try {
    const rows = securityRows('failed', 3);
    await sealer.beforeInsert(TABLE, rows);
    // The insert reported an error, but the rows did reach the table.
    await insert(rows);
    sealer.afterInsert(TABLE, rows);
    // The retry timer fires every 10 ms, but sealing reads and writes the store: under load it
    // takes longer than any fixed pause, so wait (bounded) for the checkpoint, then check it.
    await waitUntil(
      async () => (await sealing('failed')).sequences.length > 0,
      20_000,
      'the background retry to seal the batch',
    );
    assert.deepEqual(await sealing('failed'), { timesSealed: [1, 1, 1], sequences: [1] });
    assert.equal(sealer.unsealedEventIds().size, 0);
  } finally {
    await sealer.stop();
  }
});
