import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeDir } from './testing/helpers.js';
import { OtlpCaptureServer } from './testing/otlp-capture-server.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'audit-child.js');

let collector: OtlpCaptureServer;
let dir: string;
before(async () => {
  collector = await OtlpCaptureServer.start();
  dir = makeTempDir('lifecycle');
});
after(async () => {
  await collector.close();
  removeDir(dir);
});

interface ChildMessage {
  event: string;
  ids?: string[];
  stats?: Record<string, number>;
}

/** Starts the child; resolves the first message of `event`. */
function startChild(env: Record<string, string>): {
  child: ChildProcess;
  next: (event: string) => Promise<ChildMessage>;
} {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: ChildMessage[] = [];
  const waiters: { event: string; resolve: (m: ChildMessage) => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffered.slice(0, newline)) as ChildMessage;
      buffered = buffered.slice(newline + 1);
      messages.push(message);
      for (const w of waiters.filter((w) => w.event === message.event)) w.resolve(message);
    }
  });
  const next = (event: string): Promise<ChildMessage> =>
    new Promise((resolve, reject) => {
      const found = messages.find((m) => m.event === event);
      if (found) return resolve(found);
      waiters.push({ event, resolve });
      child.once('exit', (code, signal) =>
        reject(new Error(`child exited (${code ?? signal}) before "${event}"`)),
      );
    });
  return { child, next };
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null)
      resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

function deliveredIds(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of collector.deliveredLogs()) {
    const id = String(record.attributes['log.record.uid']);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

test('SIGTERM: records still buffered in memory are flushed before the process ends', async () => {
  collector.reset();
  const { child, next } = startChild({
    AUDIT_CHILD_MODE: 'sigterm',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: path.join(dir, 'sigterm-spool'),
    AUDIT_CHILD_RECORDS: '250',
  });
  const ready = await next('ready');
  assert.equal(collector.deliveredLogs().length, 0, 'nothing sent before the signal');
  child.kill('SIGTERM');
  const { signal } = await exited(child);
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
  const spool = path.join(dir, 'kill-spool');
  const first = startChild({
    AUDIT_CHILD_MODE: 'spool',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: spool,
    AUDIT_CHILD_RECORDS: '300',
  });
  const spooled = await first.next('spooled');
  first.child.kill('SIGKILL');
  await exited(first.child);
  assert.equal(collector.deliveredLogs().length, 0);

  collector.reply = () => ({ status: 200 });
  const second = startChild({
    AUDIT_CHILD_MODE: 'drain',
    AUDIT_CHILD_ENDPOINT: collector.url,
    AUDIT_CHILD_SPOOL: spool,
  });
  const drained = await second.next('drained');
  const { code } = await exited(second.child);
  assert.equal(code, 0);
  assert.equal(drained.stats?.recovered, 300);
  const counts = deliveredIds();
  assert.deepEqual(
    (spooled.ids ?? []).filter((id) => counts.get(id) !== 1),
    [],
    'every spooled record delivered exactly once',
  );
  assert.equal(counts.size, 300);
});
