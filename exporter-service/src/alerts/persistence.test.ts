// The alert writer against a store that fails after committing: a history insert
// (audit_alert_event) that is stored but reported as failed is retried without writing its rows
// again (the retried transitions are looked up by security_event_id first), for a firing and for
// its resolution. Real engine, writer, ingest pipeline and embedded store; the failure is
// injected around the store's insert.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IngestPipeline } from '../ingest/pipeline.js';
import { createLogger } from '../logger.js';
import { ExporterMetrics } from '../metrics.js';
import { migrate } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { StoreUnavailableError } from '../store/store.js';
import { failedLoginEngineRow, failedLoginsRule } from '../testing/rows.js';
import { tempDir } from '@auditlens/test-support';
import type { EngineRow } from './compile.js';
import { AlertEngine } from './engine.js';
import { AlertWriter } from './persistence.js';
import { parseRule } from './rule-model.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const dir = tempDir('alert-persistence');
let store: EmbeddedStore;

/**
 * Injected failures, taken in order by the inserts into their table: `after-commit` stores the
 * data and then throws (a connection lost before the acknowledgement), `before-commit` throws
 * without storing anything.
 */
const faults: { table: string; mode: 'after-commit' | 'before-commit' }[] = [];
const failed: string[] = [];

function injectFaults(target: EmbeddedStore): void {
  const insert = target.insertJsonLines.bind(target);
  target.insertJsonLines = async (table, lines, options) => {
    const index = faults.findIndex((f) => f.table === table);
    const fault = index < 0 ? undefined : faults.splice(index, 1)[0];
    if (!fault) return insert(table, lines, options);
    if (fault.mode === 'after-commit') await insert(table, lines, options);
    failed.push(`${table}:${fault.mode}`);
    throw new StoreUnavailableError(`injected: the insert into ${table} failed (${fault.mode})`);
  };
}

before(async () => {
  store = new EmbeddedStore(`${dir.path}/clickhouse`, 'audit');
  await migrate(store);
  injectFaults(store);
});

after(async () => {
  await store.close();
  dir.remove();
});

const bruteForce = parseRule(failedLoginsRule('test.brute-force', 3));

const failure = (tenantId: string, timeMs: number, ip: string): EngineRow =>
  failedLoginEngineRow(timeMs, { ip_address: ip }, tenantId);

async function history(incident: string): Promise<string[]> {
  const rows = await store.query<{ transition: string }>(
    `SELECT transition FROM audit.audit_alert_event WHERE security_event_id = {id:UUID} ORDER BY event_time, transition`,
    { id: incident },
  );
  return rows.map((r) => r.transition);
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > 8000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function states(tenant: string): Promise<string[]> {
  const rows = await store.query<{ state: string }>(
    `SELECT state FROM audit.audit_alert_state FINAL WHERE tenant_id = {tenant:String} ORDER BY group_key`,
    { tenant },
  );
  return rows.map((r) => r.state);
}

test('a history insert that commits and then fails is retried without duplicating history rows', async () => {
  // The deduplication token drops an identical retry; these retries are not identical (another
  // transition joins them), so only the look-up of the retried transitions keeps history single.
  const tenant = 'alert-retry';
  const t0 = Date.now() - 30 * MINUTE;
  let now = t0;
  const errors: Error[] = [];
  const engine = new AlertEngine({ now: () => now, minFiringMs: 0 });
  engine.setRules([bruteForce]);
  const pipeline = new IngestPipeline(
    store,
    { maxRows: 1000, maxDelayMs: 10, maxQueuedRows: 10_000 },
    new ExporterMetrics(),
  );
  const writer = new AlertWriter(store, pipeline, engine, createLogger('silent'), {
    now: () => now,
    eventTypeOf: () => 'BRUTE_FORCE',
    onFailure: (error) => errors.push(error),
  });
  engine.onTransition = (transition) => writer.accept(transition);
  const attack = (ip: string, fromMs: number): void =>
    engine.ingest(
      'audit_security_log',
      Array.from({ length: 4 }, (_, i) => failure(tenant, fromMs + i * SECOND, `::ffff:${ip}`)),
    );
  const incidentOf = (ip: string): string => {
    const instance = engine.instance(tenant, bruteForce.id, `ip_address="${ip}"`);
    assert.ok(instance, JSON.stringify(engine.instances().map((i) => i.groupKey)));
    return instance.incidentId;
  };

  // A fires: its history insert commits and then fails; the state insert fails outright, so the
  // retry cannot tell from audit_alert_state that the incident was reported.
  faults.push(
    { table: 'audit_alert_event', mode: 'after-commit' },
    { table: 'audit_alert_state', mode: 'before-commit' },
  );
  now = t0 + 5 * SECOND;
  attack('198.51.100.7', t0);
  await until('the failed write', () => errors.length === 1);
  assert.ok(errors[0] instanceof StoreUnavailableError);
  assert.deepEqual(failed.splice(0).sort(), [
    'audit_alert_event:after-commit',
    'audit_alert_state:before-commit',
  ]);
  // B fires before the retry: A's fired row is retried together with B's.
  now = t0 + 3 * MINUTE + 5 * SECOND;
  attack('198.51.100.8', t0 + 3 * MINUTE);
  await writer.drain();
  assert.equal(errors.length, 1, 'the retry succeeded');
  const [a, b] = [incidentOf('198.51.100.7'), incidentOf('198.51.100.8')];
  assert.deepEqual(await history(a), ['fired'], 'A: one fired row');
  assert.deepEqual(await history(b), ['fired'], 'B: one fired row');
  const security = await store.query<{ n: string }>(
    'SELECT count() AS n FROM audit.audit_security_log WHERE event_id IN {ids:Array(UUID)} GROUP BY event_id',
    { ids: [a, b] },
  );
  assert.deepEqual(
    security.map((r) => Number(r.n)),
    [1, 1],
    'one security record per incident',
  );
  assert.deepEqual(await states(tenant), ['firing', 'firing']);

  // A resolves (its window passed, B's holds): the history insert commits and then fails again.
  faults.push({ table: 'audit_alert_event', mode: 'after-commit' });
  now = t0 + 6 * MINUTE;
  engine.tick();
  await until('the failed write', () => errors.length === 2);
  assert.deepEqual(failed.splice(0), ['audit_alert_event:after-commit']);
  // B resolves before the retry: A's resolved row is retried together with B's.
  now = t0 + 9 * MINUTE;
  engine.tick();
  await writer.drain();
  assert.equal(errors.length, 2, 'the retry succeeded');
  assert.deepEqual(await history(a), ['fired', 'resolved'], 'A: one row per transition');
  assert.deepEqual(await history(b), ['fired', 'resolved'], 'B: one row per transition');
  assert.deepEqual(await states(tenant), ['resolved', 'resolved']);
  writer.close();
  await pipeline.close();
});
