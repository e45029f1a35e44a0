// The streaming engine on its own: every rule kind, resolution, cooldown, memory bounds and the
// loop guard, on an injected clock (no waiting, no store).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { BUILTIN_RULES } from './builtin.js';
import { ALERT_SERVICE, type EngineRow } from './compile.js';
import { AlertEngine, type Transition } from './engine.js';
import { parseRule, type AlertRuleInput } from './rule-model.js';
import { failedLoginEngineRow, failedLoginsRule } from '../testing/rows.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0); // a Monday, 12:00 UTC
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function harness(rules: AlertRuleInput[], options: { minFiringMs?: number; maxGroupsPerRule?: number } = {}) {
  let now = T0;
  const transitions: Transition[] = [];
  const evicted: string[] = [];
  const engine = new AlertEngine({
    now: () => now,
    minFiringMs: options.minFiringMs ?? 0,
    maxGroupsPerRule: options.maxGroupsPerRule,
    onTransition: (t) => transitions.push({ type: t.type, instance: { ...t.instance } }),
    onEvict: (rule) => evicted.push(rule),
  });
  engine.setRules(rules.map((r) => parseRule(r)));
  return {
    engine,
    transitions,
    evicted,
    at: (ms: number) => {
      now = ms;
      engine.tick();
    },
    types: () =>
      transitions.filter((t) => t.type !== 'updated').map((t) => `${t.type}:${t.instance.groupKey}`),
  };
}

const security = failedLoginEngineRow;

const bruteForce = failedLoginsRule('bf', 10);

test('threshold: fires on the 11th failure within 5 minutes, once, and resolves when the window passes', () => {
  const h = harness([bruteForce]);
  const rows = Array.from({ length: 60 }, (_, i) => security(T0 + i * 100));
  h.engine.ingest('audit_security_log', rows.slice(0, 10));
  assert.deepEqual(h.types(), [], 'ten failures are not more than ten');
  h.engine.ingest('audit_security_log', rows.slice(10));
  assert.deepEqual(h.types(), ['fired:ip_address="198.51.100.4"']);
  const [instance] = h.engine.instances();
  assert.equal(instance?.matchCount, 60);
  assert.equal(instance?.triggerMs, T0 + 1000);
  assert.deepEqual(
    instance?.eventIds.slice(0, 11),
    rows.slice(0, 11).map((r) => r.eventId),
  );
  h.at(T0 + 5 * MINUTE);
  assert.equal(h.types().length, 1, 'still more than ten within the window');
  h.at(T0 + 6 * MINUTE);
  assert.deepEqual(h.types(), ['fired:ip_address="198.51.100.4"', 'resolved:ip_address="198.51.100.4"']);
});

test('threshold: failures spread wider than the window never fire; groups and tenants count separately', () => {
  const h = harness([bruteForce]);
  for (let i = 0; i < 30; i++) {
    h.at(T0 + i * 40 * SECOND); // 30 failures, 40 s apart: at most 8 in any 5 minutes
    h.engine.ingest('audit_security_log', [security(T0 + i * 40 * SECOND)]);
  }
  for (let i = 0; i < 6; i++) {
    h.engine.ingest('audit_security_log', [
      security(T0 + 1200 * SECOND + i, { ip_address: '::ffff:203.0.113.9' }),
      security(T0 + 1200 * SECOND + i, { ip_address: '::ffff:203.0.113.9' }, 'globex'),
    ]);
  }
  assert.deepEqual(h.types(), []);
});

test('match and the minimum firing time: a single record fires; Grafana gets at least min(2 min, window)', () => {
  const h = harness(
    [
      {
        id: 'm',
        name: 'm',
        kind: 'match',
        source: 'security',
        filter: [],
        groupBy: ['user_id'],
        window: '10m',
      },
    ],
    { minFiringMs: 2 * MINUTE },
  );
  h.engine.ingest('audit_security_log', [security(T0 - 20 * MINUTE)]); // a late record: long out of its window
  assert.deepEqual(h.types(), ['fired:user_id="u-1"']);
  h.at(T0 + MINUTE);
  assert.equal(h.types().length, 1, 'kept firing for the minimum time');
  h.at(T0 + 2 * MINUTE);
  assert.deepEqual(h.types(), ['fired:user_id="u-1"', 'resolved:user_id="u-1"']);
});

test('sequence: five failures then a success for one account within 10 minutes (account takeover)', () => {
  const takeover = BUILTIN_RULES.find((r) => r.id === 'builtin.account-takeover');
  assert.ok(takeover);
  const h = harness([takeover]);
  const fail = (t: number, user = 'alice') => security(t, { user_id: user });
  const ok = (t: number, user = 'alice') => security(t, { user_id: user, event_type: 'LOGIN_SUCCESS' });
  h.engine.ingest('audit_security_log', [fail(T0), fail(T0 + 1), fail(T0 + 2), fail(T0 + 3), ok(T0 + 4)]);
  assert.deepEqual(h.types(), [], 'four failures are not enough');
  h.engine.ingest('audit_security_log', [
    fail(T0 + 10, 'bob'),
    ...[1, 2, 3, 4, 5].map((i) => fail(T0 + MINUTE + i)),
    ok(T0 + 2 * MINUTE),
  ]);
  assert.deepEqual(h.types(), ['fired:user_id="alice"']);
  assert.equal(h.engine.instances()[0]?.eventIds.length, 6);
  // Failures older than the window do not count.
  h.engine.ingest('audit_security_log', [
    ...[1, 2, 3, 4, 5].map((i) => fail(T0 + 3 * MINUTE + i, 'carol')),
    ok(T0 + 14 * MINUTE, 'carol'),
  ]);
  assert.equal(h.types().length, 1);
});

test('new value: the first admin login from a new IP fires, a known IP does not, a first-ever login does not', () => {
  const rule = BUILTIN_RULES.find((r) => r.id === 'builtin.new-admin-ip');
  assert.ok(rule);
  const h = harness([rule]);
  const login = (t: number, ip: string, roles = ['admin']) =>
    security(t, { event_type: 'LOGIN_SUCCESS', user_id: 'root-1', user_roles: roles, ip_address: ip });
  h.engine.ingest('audit_security_log', [login(T0, '::ffff:10.0.0.1'), login(T0 + 1, '::ffff:10.0.0.1')]);
  assert.deepEqual(h.types(), [], 'no history yet: a first login is not an alert');
  h.engine.ingest('audit_security_log', [login(T0 + 2, '::ffff:10.0.0.2', ['viewer'])]);
  assert.deepEqual(h.types(), [], 'not an admin');
  h.engine.ingest('audit_security_log', [login(T0 + 3, '::ffff:10.0.0.2'), login(T0 + 4, '::ffff:10.0.0.2')]);
  assert.deepEqual(h.types(), ['fired:ip_address="10.0.0.2",user_id="root-1"']);
  assert.equal(h.engine.instances()[0]?.matchCount, 2);
});

test('silence: a service that stops sending fires after 15 minutes and resolves when it sends again', () => {
  const rule = BUILTIN_RULES.find((r) => r.id === 'builtin.pipeline-silence');
  assert.ok(rule);
  const h = harness([rule]);
  const request = (t: number, service: string): EngineRow => ({
    table: 'audit_request_log',
    tenantId: 'acme',
    eventId: randomUUID(),
    timeMs: t,
    values: { service, attributes: {} },
  });
  h.engine.ingest('audit_request_log', [request(T0, 'shop'), request(T0, 'auditlens-exporter')]);
  h.at(T0 + 14 * MINUTE);
  h.engine.ingest('audit_request_log', [request(T0 + 14 * MINUTE, 'billing')]);
  assert.deepEqual(h.types(), []);
  h.at(T0 + 15 * MINUTE + SECOND);
  assert.deepEqual(h.types(), ['fired:service="shop"'], 'the exporter itself is not watched');
  assert.equal(h.engine.instances()[0]?.triggerMs, T0 + 15 * MINUTE);
  h.at(T0 + 20 * MINUTE);
  assert.equal(h.types().length, 1, 'one alert per silence, not one per tick');
  h.engine.ingest('audit_request_log', [request(T0 + 20 * MINUTE, 'shop')]);
  h.at(T0 + 20 * MINUTE + SECOND);
  assert.deepEqual(h.types().slice(1), ['resolved:service="shop"']);
});

test('off-hours schedule: an admin operation on Saturday or at night fires, one on Monday noon does not', () => {
  const rule = BUILTIN_RULES.find((r) => r.id === 'builtin.off-hours-admin');
  assert.ok(rule);
  const h = harness([rule]);
  const admin = (t: number, user: string): EngineRow => ({
    table: 'audit_admin_log',
    tenantId: 'acme',
    eventId: randomUUID(),
    timeMs: t,
    values: { service: 'shop', user_id: user, operation_name: 'UPDATE_CONFIG', attributes: {} },
  });
  h.engine.ingest('audit_admin_log', [
    admin(T0, 'noon-monday'),
    admin(Date.UTC(2026, 0, 10, 12), 'saturday'),
    admin(Date.UTC(2026, 0, 6, 23, 30), 'tuesday-night'),
    admin(Date.UTC(2026, 0, 6, 19, 59), 'tuesday-evening'),
  ]);
  assert.deepEqual(h.types().sort(), ['fired:user_id="saturday"', 'fired:user_id="tuesday-night"']);
});

test('cooldown: a new incident shortly after resolution re-opens the previous one instead', () => {
  const h = harness([{ ...bruteForce, window: '1m', threshold: 2, cooldown: '10m' }]);
  const burst = (t: number) => [security(t), security(t + 1), security(t + 2)];
  h.engine.ingest('audit_security_log', burst(T0));
  h.at(T0 + 2 * MINUTE);
  const firstId = h.engine.instances()[0]?.incidentId;
  h.engine.ingest('audit_security_log', burst(T0 + 3 * MINUTE));
  assert.deepEqual(
    h.transitions.filter((t) => t.type !== 'updated').map((t) => t.type),
    ['fired', 'resolved', 'reopened'],
  );
  assert.equal(h.engine.instances()[0]?.incidentId, firstId);
  assert.equal(h.engine.instances()[0]?.matchCount, 6);
});

test('incident ids are deterministic: two engines seeing the same records name the incident alike', () => {
  const rows = Array.from({ length: 12 }, (_, i) => security(T0 + i));
  const a = harness([bruteForce]);
  const b = harness([bruteForce]);
  a.engine.ingest('audit_security_log', rows);
  b.engine.ingest('audit_security_log', [...rows].reverse().slice(0, 6));
  b.engine.ingest('audit_security_log', rows.slice(0, 6));
  assert.equal(a.engine.instances()[0]?.incidentId, b.engine.instances()[0]?.incidentId);
});

test('memory is bounded: groups past the cap evict the least recently updated one, counted', () => {
  const h = harness([bruteForce], { maxGroupsPerRule: 100 });
  const rows = Array.from({ length: 1000 }, (_, i) =>
    security(T0 + i, { ip_address: `::ffff:10.0.${Math.floor(i / 250)}.${i % 250}` }),
  );
  h.engine.ingest('audit_security_log', rows);
  assert.equal(h.engine.groups, 100);
  assert.equal(h.evicted.length, 900);
  h.at(T0 + 10 * MINUTE);
  assert.equal(h.engine.groups, 0, 'groups leave when their window has passed');
});

test('records the engine generated itself never feed rules (no alert loop)', () => {
  const h = harness([
    { id: 'any-high', name: 'any high risk', kind: 'match', source: 'security', filter: [], window: '1m' },
  ]);
  const generated = security(T0, {
    service: ALERT_SERVICE,
    detection_method: 'any-high',
    event_type: 'SUSPICIOUS_ACTIVITY',
  });
  h.engine.ingest('audit_security_log', [generated, generated, generated]);
  assert.deepEqual(h.types(), []);
  h.engine.ingest('audit_security_log', [security(T0)]);
  assert.equal(h.types().length, 1);
});

test('adopted instances: replaying records already reported neither re-fires nor re-counts them', () => {
  const rows = Array.from({ length: 20 }, (_, i) => security(T0 + i));
  const first = harness([bruteForce]);
  first.engine.ingest('audit_security_log', rows);
  const stored = first.engine.instances().map((i) => ({ ...i }));
  const restarted = harness([bruteForce]);
  restarted.engine.adopt(stored);
  restarted.engine.replay('bf', rows);
  assert.deepEqual(restarted.types(), []);
  assert.equal(restarted.engine.instances()[0]?.matchCount, 20);
  restarted.engine.ingest('audit_security_log', [security(T0 + 100)]);
  assert.equal(restarted.engine.instances()[0]?.matchCount, 21);
  // Resolved and replayed: the incident is not reported again.
  first.at(T0 + 10 * MINUTE);
  const resolved = first.engine.instances().map((i) => ({ ...i }));
  const again = harness([bruteForce]);
  again.engine.adopt(resolved);
  again.engine.replay('bf', rows);
  assert.deepEqual(again.types(), []);
});

test('disabling a rule resolves its firing instances', () => {
  const h = harness([bruteForce]);
  h.engine.ingest(
    'audit_security_log',
    Array.from({ length: 11 }, (_, i) => security(T0 + i)),
  );
  h.engine.setRules([parseRule({ ...bruteForce, enabled: false })]);
  assert.deepEqual(h.types(), ['fired:ip_address="198.51.100.4"', 'resolved:ip_address="198.51.100.4"']);
});

const usageRow = (timeMs: number, cost: number, values: Record<string, unknown> = {}): EngineRow => ({
  table: 'audit_request_log',
  tenantId: 'acme',
  eventId: randomUUID(),
  timeMs,
  values: {
    service: 'assistant',
    user_id: 'u-1',
    usage_cost: cost,
    usage_currency: 'USD',
    gen_ai_operation: 'chat',
    attributes: {},
    ...values,
  },
});

test('threshold with sum (builtin.ai-spend): fires when one user spends over 50 in an hour, per currency, and resolves', () => {
  const spend = BUILTIN_RULES.find((r) => r.id === 'builtin.ai-spend');
  assert.ok(spend);
  const h = harness([spend]);
  // 45 USD and 45 EUR: each currency apart stays under 50; many calls do not count, their cost does.
  h.engine.ingest('audit_request_log', [
    ...Array.from({ length: 90 }, (_, i) => usageRow(T0 + i * SECOND, 0.5)),
    usageRow(T0, 45, { usage_currency: 'EUR' }),
    usageRow(T0, 0, { usage_currency: '' }), // no cost reported: not part of the rule
  ]);
  assert.deepEqual(h.types(), []);
  const big = usageRow(T0 + 10 * MINUTE, 6);
  h.engine.ingest('audit_request_log', [big, big]); // the same record twice counts once
  assert.deepEqual(h.types(), ['fired:usage_currency="USD",user_id="u-1"']);
  const [instance] = h.engine.instances();
  assert.equal(instance?.summary, '51 USD of AI / API calls by u-1 within 1h (91 calls)');
  assert.equal(instance?.mitreTechnique, 'T1496');
  assert.equal(instance?.eventIds.at(-1), big.eventId);
  // An hour after the first calls, the 0.5s have left the window: 6 remains, the alert resolves.
  h.at(T0 + 61 * MINUTE + 30 * SECOND);
  assert.deepEqual(h.types(), [
    'fired:usage_currency="USD",user_id="u-1"',
    'resolved:usage_currency="USD",user_id="u-1"',
  ]);
});

test('threshold with sum: the summed field must be a number column of the source', () => {
  assert.throws(
    () =>
      parseRule({
        id: 'x',
        name: 'x',
        kind: 'threshold',
        source: 'request',
        sum: 'usage_currency',
        window: '1h',
        threshold: 5,
      }),
    /sum needs a number column of source request/,
  );
});
