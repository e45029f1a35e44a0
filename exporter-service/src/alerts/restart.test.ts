// Incidents across restarts and across engines: a restart rebuilds the windows from ClickHouse
// and neither loses nor duplicates an incident; two engines over one store report one incident.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { defaultModules, type RunningExporter } from '../exporter.js';
import type { ExporterModule } from '../modules.js';
import { postLogs, securityRecord, tempDir, startTestExporter } from '@auditlens/test-support';
import { alertingModule } from './module.js';

const dir = tempDir('alerts-restart');
let running: RunningExporter | undefined;

after(async () => {
  await running?.close();
  dir.remove();
});

async function start(modules?: ExporterModule[]): Promise<RunningExporter> {
  running = await startTestExporter(dir.path, { ...(modules ? { modules } : {}) });
  return running;
}

async function stop(exporter: RunningExporter): Promise<void> {
  await exporter.close();
  running = undefined;
}

const failures = (ip: string, n: number) =>
  Array.from({ length: n }, () =>
    securityRecord({ tenant: 'acme', attributes: { 'client.address': ip, 'user.id': '' } }),
  );

interface Counts {
  security: number;
  fired: number;
  states: number;
  state: string;
  incident: string;
  matches: number;
}

async function counts(exporter: RunningExporter, ip: string): Promise<Counts> {
  const key = `ip_address="${ip}"`;
  const params = { key };
  const [security] = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_security_log
     WHERE detection_method = 'builtin.brute-force-ip' AND target_resource = {key:String}`,
    params,
  );
  const [fired] = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.audit_alert_event
     WHERE rule_id = 'builtin.brute-force-ip' AND group_key = {key:String} AND transition = 'fired'`,
    params,
  );
  const states = await exporter.store.query<{ state: string; id: string; match_count: string }>(
    `SELECT state, toString(security_event_id) AS id, match_count FROM audit.audit_alert_state FINAL
     WHERE rule_id = 'builtin.brute-force-ip' AND group_key = {key:String}`,
    params,
  );
  return {
    security: Number(security?.n),
    fired: Number(fired?.n),
    states: states.length,
    state: states[0]?.state ?? '',
    incident: states[0]?.id ?? '',
    matches: Number(states[0]?.match_count ?? 0),
  };
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > 8000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a restart neither loses nor duplicates an incident', async () => {
  const ip = '192.0.2.10';
  let exporter = await start();
  assert.equal((await postLogs(exporter.otlpUrl, failures(ip, 20))).status, 200);
  await until('the incident', async () => (await counts(exporter, ip)).state === 'firing');
  const before = await counts(exporter, ip);
  await stop(exporter);

  exporter = await start();
  const afterRestart = await counts(exporter, ip);
  assert.deepEqual(afterRestart, before, 'the rebuilt windows re-reported nothing');
  assert.equal(afterRestart.security, 1);
  assert.equal(afterRestart.fired, 1);
  // The adopted instance goes on counting, still as the same incident.
  assert.equal((await postLogs(exporter.otlpUrl, failures(ip, 5))).status, 200);
  await until('the adopted instance counting on', async () => (await counts(exporter, ip)).matches === 25);
  const later = await counts(exporter, ip);
  assert.equal(later.incident, before.incident);
  assert.equal(later.security, 1);
  await stop(exporter);
});

test('records committed while no engine ran are alerted at the next start, once', async () => {
  const ip = '192.0.2.20';
  let exporter = await start([]); // the exporter without alerting (as if it crashed before evaluating)
  assert.equal((await postLogs(exporter.otlpUrl, failures(ip, 15))).status, 200);
  assert.equal((await counts(exporter, ip)).security, 0);
  await stop(exporter);

  exporter = await start();
  await until('the recovered incident', async () => (await counts(exporter, ip)).state === 'firing');
  const recovered = await counts(exporter, ip);
  assert.equal(recovered.security, 1);
  assert.equal(recovered.fired, 1);
  assert.equal(recovered.matches, 15);
  await stop(exporter);

  exporter = await start(defaultModules());
  assert.deepEqual(await counts(exporter, ip), recovered, 'and a further restart adds nothing');
  await stop(exporter);
});

test('two engine instances over one store produce one incident', async () => {
  const ip = '192.0.2.30';
  const first = alertingModule();
  const second = alertingModule();
  const exporter = await start([first, second]);
  assert.equal((await postLogs(exporter.otlpUrl, failures(ip, 30))).status, 200);
  await until('both engines firing', async () =>
    [first, second].every((m) =>
      m.engine
        ?.instances()
        .some((i) => i.ruleId === 'builtin.brute-force-ip' && i.groupKey === `ip_address="${ip}"`),
    ),
  );
  await Promise.all([first.writer?.drain(), second.writer?.drain()]);
  const result = await counts(exporter, ip);
  assert.equal(result.security, 1, 'one security record');
  assert.equal(result.fired, 1, 'one history row (the second insert was dropped by its deduplication token)');
  assert.equal(result.states, 1, 'one instance row');
  const ids = [first, second].map(
    (m) =>
      m.engine
        ?.instances()
        .find((i) => i.groupKey === `ip_address="${ip}"` && i.ruleId === 'builtin.brute-force-ip')
        ?.incidentId,
  );
  assert.equal(ids[0], ids[1]);
  assert.equal(ids[0], result.incident);
  // Both engines raced (each checked the store before either wrote, so each wrote the incident);
  // the deterministic ids and deduplication made the store keep one.
  const persisted = await exporter.metrics.registry
    .getSingleMetric('auditlens_alert_transitions_total')
    ?.get();
  const fired = persisted?.values.filter(
    (v) => v.labels.transition === 'fired' && v.labels.rule === 'builtin.brute-force-ip',
  );
  assert.equal(fired?.[0]?.value, 2);
  await stop(exporter);
});
