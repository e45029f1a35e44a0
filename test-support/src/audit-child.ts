/**
 * A process using the SDK, for tests that kill or signal it. Configured by env:
 *   AUDIT_CHILD_MODE      spool | sigterm | drain | script | strict
 *   AUDIT_CHILD_ENDPOINT  OTLP base URL
 *   AUDIT_CHILD_SPOOL     spool directory
 *   AUDIT_CHILD_RECORDS   how many records to emit (spool, sigterm)
 * Prints one JSON line per milestone on stdout: {"event":"spooled"|"ready"|"drained", ...}.
 */
import { initAudit } from '@auditlens/sdk';

const mode = process.env.AUDIT_CHILD_MODE ?? 'spool';
const count = Number(process.env.AUDIT_CHILD_RECORDS ?? '0');
const say = (event: string, data: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, ...data })}\n`);
};

const audit = initAudit({
  serviceName: 'audit-child',
  endpoint: process.env.AUDIT_CHILD_ENDPOINT,
  spoolDir: process.env.AUDIT_CHILD_SPOOL,
  tenant: 'tenant_child',
  // strict: the README's strict setting, every batch on disk (synced) before its first send.
  spool: mode === 'strict' ? { mode: 'always', fsync: true } : { fsync: false },
  delivery: {
    // In sigterm mode records must still be buffered when the signal arrives.
    scheduledDelayMillis: mode === 'sigterm' || mode === 'script' || mode === 'strict' ? 60_000 : 20,
    maxExportBatchSize: 100,
    retry: { initialBackoffMs: 50, maxBackoffMs: 300 },
    shutdownTimeoutMillis: 5000,
  },
  onError: () => undefined,
});

function emit(from = 0, to = count): string[] {
  const ids: string[] = [];
  for (let i = from; i < to; i++) {
    const { eventId } = audit.runAs({ userId: String(i), userName: `user-${i}` }, () =>
      audit.request({
        method: 'POST',
        path: `/api/items/${i}`,
        statusCode: 201,
        attributes: { 'test.seq': i },
      }),
    );
    ids.push(eventId);
  }
  return ids;
}

/** Keeps the process running and calls `then` once `count` records are in the spool. */
function onceSpooled(then: () => void): void {
  setInterval(() => undefined, 1000);
  const poll = setInterval(() => {
    if (audit.stats().spooled >= count) {
      clearInterval(poll);
      then();
    }
  }, 20);
}

switch (mode) {
  case 'script': {
    // Emits and simply ends, like a CLI script that never calls shutdown().
    say('emitted', { ids: emit() });
    break;
  }
  case 'sigterm': {
    // Keeps running with the records buffered until the test sends SIGTERM.
    setInterval(() => undefined, 1000);
    say('ready', { ids: emit(), stats: audit.stats() });
    break;
  }
  case 'spool': {
    // Keeps running (the test kills it) once every record is in the spool.
    const ids = emit();
    onceSpooled(() => say('spooled', { ids, stats: audit.stats() }));
    break;
  }
  case 'strict': {
    // `count` records cut into batches of 100 and spooled before their first send (which the test
    // never answers), then 30 more that stay in memory waiting for their batch; the test kills it.
    const batched = emit();
    onceSpooled(() =>
      say('ready', { ids: batched, unbatched: emit(count, count + 30), stats: audit.stats() }),
    );
    break;
  }
  default: {
    // drain: resend what the spool holds, then stop.
    const poll = setInterval(() => {
      const stats = audit.stats();
      if (stats.recovered > 0 && stats.sent >= stats.recovered) {
        clearInterval(poll);
        say('drained', { stats });
        void audit.shutdown();
      }
    }, 20);
  }
}
