import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startAuditChild, tempDir, OtlpCaptureServer, type TempDir } from '@auditlens/test-support';

let collector: OtlpCaptureServer;
let dir: TempDir;
before(async () => {
  collector = await OtlpCaptureServer.start();
  dir = tempDir('lifecycle');
});
after(async () => {
  await collector.close();
  dir.remove();
});

function deliveredIds(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of collector.deliveredLogs()) {
    const id = String(record.attributes['log.record.uid']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** A child of `mode` emitting `records` records, with a spool of its own under the test's directory. */
function startWithSpool(mode: string, records: number) {
  const spool = path.join(dir.path, `${mode}-spool`);
  const first = startAuditChild({
    AUDIT_CHILD_MODE: mode,
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: spool,
    AUDIT_CHILD_RECORDS: String(records),
  });
  return { first, spool };
}

/** Kills the child, then drains its spool with a new one while the backend accepts everything. */
async function killAndDrain(first: ReturnType<typeof startAuditChild>, spool: string) {
  first.child.kill('SIGKILL');
  await first.exited();
  assert.equal(collector.deliveredLogs().length, 0);
  collector.reply = () => ({ status: 200 });
  const second = startAuditChild({
    AUDIT_CHILD_MODE: 'drain',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: spool,
  });
  const drained = await second.next('drained');
  assert.equal((await second.exited()).code, 0);
  return drained;
}

test('SIGTERM: records still buffered in memory are flushed before the process ends', async () => {
  collector.reset();
  const { child, next, exited } = startAuditChild({
    AUDIT_CHILD_MODE: 'sigterm',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: path.join(dir.path, 'sigterm-spool'),
    AUDIT_CHILD_RECORDS: '250',
  });
  const ready = await next('ready');
  assert.equal(collector.deliveredLogs().length, 0, 'nothing sent before the signal');
  child.kill('SIGTERM');
  const { signal } = await exited();
  assert.equal(signal, 'SIGTERM', 'the default behaviour of SIGTERM (terminate) is kept');
  const counts = deliveredIds();
  assert.deepEqual(
    (ready.ids ?? []).filter((id) => counts.get(id) !== 1),
    [],
  );
  assert.equal(counts.size, 250);
});

test('SIGKILL with records spooled: the restarted process delivers them, exactly once', async () => {
  collector.reset();
  collector.reply = () => ({ status: 503, headers: { 'retry-after': '0' } });
  const { first, spool } = startWithSpool('spool', 300);
  const spooled = await first.next('spooled');
  const drained = await killAndDrain(first, spool);
  assert.equal(drained.stats?.recovered, 300);
  const counts = deliveredIds();
  assert.deepEqual(
    (spooled.ids ?? []).filter((id) => counts.get(id) !== 1),
    [],
    'every spooled record delivered exactly once',
  );
  assert.equal(counts.size, 300);
});

test('a script that ends without shutdown() still delivers its records before the process exits', async () => {
  collector.reset();
  const { next, exited } = startAuditChild({
    AUDIT_CHILD_MODE: 'script',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: path.join(dir.path, 'script-spool'),
    AUDIT_CHILD_RECORDS: '40',
  });
  const emitted = await next('emitted');
  assert.equal((await exited()).code, 0);
  const counts = deliveredIds();
  assert.deepEqual(
    (emitted.ids ?? []).filter((id) => counts.get(id) !== 1),
    [],
  );
});

test(
  "spool.mode 'always': a SIGKILL before the backend answers loses only the records not yet in a batch",
  { timeout: 90_000 },
  async () => {
    collector.reset();
    // The backend is up but has not answered when the process dies.
    collector.reply = () => new Promise<never>(() => undefined);
    const { first, spool } = startWithSpool('strict', 200);
    const ready = await first.next('ready');
    await killAndDrain(first, spool);
    // Spooled before any send failed or timed out (the default mode spools only after a failure).
    assert.equal(ready.stats?.retries, 0, JSON.stringify(ready.stats));
    const counts = deliveredIds();
    assert.deepEqual(
      (ready.ids ?? []).filter((id) => counts.get(id) !== 1),
      [],
      'every record of a batch that was cut before the kill is delivered, exactly once',
    );
    assert.equal(ready.unbatched?.length, 30);
    assert.deepEqual(
      (ready.unbatched ?? []).filter((id) => counts.has(id)),
      [],
      'records still waiting for their batch (scheduledDelayMillis) die with the process',
    );
  },
);
