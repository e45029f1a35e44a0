import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, test } from 'node:test';
import { at } from '@auditlens/test-support';
import { BatchSpool, SpoolCorruptError, SpoolFullError } from './batch-spool.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditlens-spool-'));
  dirs.push(dir);
  return path.join(dir, 'spool');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const id = (n: number): string => n.toString(16).padStart(32, '0');
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const segments = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.spool'));

test('batches survive a reopen, in order, byte for byte; acknowledged ones do not come back', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: false });
  const a = await spool.append(id(1), 3, bytes('first batch'));
  await spool.append(id(2), 5, bytes('second batch'));
  await spool.append(id(3), 7, bytes('third batch'));
  await spool.ack(a);
  await spool.close();

  const reopened = BatchSpool.open({ directory: dir, fsync: false });
  const recovered = reopened.recoveredBatches();
  assert.deepEqual(
    recovered.map((b) => [b.id, b.recordCount]),
    [
      [id(2), 5],
      [id(3), 7],
    ],
  );
  assert.equal(Buffer.from(await reopened.read(at(recovered, 0))).toString(), 'second batch');
  assert.equal(Buffer.from(await reopened.read(at(recovered, 1))).toString(), 'third batch');
  await reopened.close();
});

test('segments are deleted, oldest first, once everything in them is acknowledged', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: false, segmentBytes: 100 });
  const written = [];
  for (let i = 0; i < 6; i++) written.push(await spool.append(id(i), 1, new Uint8Array(60).fill(i)));
  assert.ok(segments(dir).length >= 5, `segments: ${segments(dir).join(',')}`);
  // Acknowledging a newer batch first must not delete anything older.
  await spool.ack(at(written, 3));
  assert.ok(segments(dir).length >= 5);
  for (const batch of written) await spool.ack(batch);
  await spool.append(id(99), 1, new Uint8Array(60)); // forces a rotation, which collects
  assert.equal(segments(dir).length <= 2, true, `segments left: ${segments(dir).join(',')}`);
  await spool.close();
  const reopened = BatchSpool.open({ directory: dir, fsync: false });
  assert.deepEqual(
    reopened.recoveredBatches().map((b) => b.id),
    [id(99)],
  );
  await reopened.close();
});

test('a torn tail (crash mid-write) loses only the torn frame; later writes go to a new segment', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: false });
  await spool.append(id(1), 1, bytes('complete'));
  await spool.append(id(2), 1, bytes('torn by the crash'));
  await spool.close();
  const file = path.join(dir, at(segments(dir), 0));
  fs.truncateSync(file, fs.statSync(file).size - 5);

  const reopened = BatchSpool.open({ directory: dir, fsync: false });
  assert.deepEqual(
    reopened.recoveredBatches().map((b) => b.id),
    [id(1)],
  );
  await reopened.append(id(3), 1, bytes('after restart'));
  await reopened.close();
  const again = BatchSpool.open({ directory: dir, fsync: false });
  assert.deepEqual(
    again.recoveredBatches().map((b) => b.id),
    [id(1), id(3)],
  );
  await again.close();
});

test('a damaged payload is detected by its CRC when read back', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: false });
  const batch = await spool.append(id(1), 1, bytes('payload to damage'));
  await spool.close();
  const file = path.join(dir, at(segments(dir), 0));
  const content = fs.readFileSync(file);
  content.writeUInt8((content.readUInt8(content.length - 3) ^ 0xff) & 0xff, content.length - 3);
  fs.writeFileSync(file, content);
  const reopened = BatchSpool.open({ directory: dir, fsync: false });
  const [recovered] = reopened.recoveredBatches();
  assert.equal(recovered?.id, batch.id);
  await assert.rejects(reopened.read(at(reopened.recoveredBatches(), 0)), SpoolCorruptError);
  await reopened.close();
});

test('appending beyond maxBytes fails with SpoolFullError; acknowledgements still fit', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: false, maxBytes: 200, segmentBytes: 100 });
  const first = await spool.append(id(1), 1, new Uint8Array(100));
  await assert.rejects(spool.append(id(2), 1, new Uint8Array(100)), SpoolFullError);
  await spool.ack(first);
  await spool.close();
});

test('synchronous appends (process exit) are recovered; a batch written twice comes back once', async () => {
  const dir = tempDir();
  const spool = BatchSpool.open({ directory: dir, fsync: true });
  await spool.append(id(1), 2, bytes('async'));
  spool.appendSync(id(1), 2, bytes('async'));
  spool.appendSync(id(2), 4, bytes('sync'));
  spool.closeSync();
  const reopened = BatchSpool.open({ directory: dir, fsync: false });
  const recovered = reopened.recoveredBatches();
  assert.deepEqual(
    recovered.map((b) => b.id),
    [id(1), id(2)],
  );
  assert.equal(Buffer.from(await reopened.read(at(recovered, 1))).toString(), 'sync');
  await reopened.close();
});

test('one owner per directory: a live holder sends us to a sibling, a dead one is taken over', async () => {
  const dir = tempDir();
  const first = BatchSpool.open({ directory: dir, fsync: false });
  const second = BatchSpool.open({ directory: dir, fsync: false });
  assert.equal(first.directory, dir);
  assert.equal(second.directory, `${dir}.1`);
  await second.close();
  await first.close();

  // Held by another live process (our parent): use the sibling.
  fs.writeFileSync(path.join(dir, 'lock'), String(process.ppid));
  const third = BatchSpool.open({ directory: dir, fsync: false });
  assert.equal(third.directory, `${dir}.1`);
  await third.close();

  // Held by a process that no longer exists: take it over.
  fs.writeFileSync(path.join(dir, 'lock'), '2147483646');
  const fourth = BatchSpool.open({ directory: dir, fsync: false });
  assert.equal(fourth.directory, dir);
  assert.equal(fs.readFileSync(path.join(dir, 'lock'), 'utf8'), String(process.pid));
  await fourth.close();
  assert.equal(fs.existsSync(path.join(dir, 'lock')), false);
});
