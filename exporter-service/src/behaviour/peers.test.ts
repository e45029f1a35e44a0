// The peer comparison of a behaviour profile reads per-user day totals (p_user_day, migration 9)
// for the whole days of the period and the audit rows for its partial first and last day. Its
// figures must be those of the per-hour reading it replaced (p_user_hour for the figures,
// p_user_client for the role match), kept here as the reference: records of several users,
// roles and tables are sent over OTLP (in two tenants), then both queries answer for periods with partial days at
// either end, inside one day, and on whole days, for users of every role set against both kinds
// of peers.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  RECORD_OF_EACH_KIND,
  postLogs,
  seededRandom,
  startTestExporter,
  tempDir,
  type TestRecord,
} from '@auditlens/test-support';
import type { RunningExporter } from '../exporter.js';
import { KINDS, type AuditKind } from '../mapping/kinds.js';
import { USER_CLIENT_KEYS, USER_DAY, USER_HOUR, offHoursSql } from '../schema/user-activity.js';
import type { AuditStore } from '../store/store.js';
import { peersSql, wholeDays } from './profile.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dir = tempDir('behaviour-peers');
let exporter: RunningExporter;

/** Midnight UTC 12 days ago: the records span the 10 days after it. */
const start = Math.floor(Date.now() / DAY) * DAY - 12 * DAY;

const ROLE_SETS = [['analyst'], ['ops'], ['analyst', 'ops'], ['admin'], []];
const RESULTS = ['success', 'success', 'success', 'failure', 'denied'];

/** 12 users with their own habits over 10 days; some change roles from day to day. */
function records(): TestRecord[] {
  const random = seededRandom(19);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const out: TestRecord[] = [];
  for (let u = 0; u < 12; u++) {
    const user = `u${u}`;
    const habit = ROLE_SETS[u % ROLE_SETS.length] as string[];
    const count = 5 + Math.floor(random() * 60);
    for (let i = 0; i < count; i++) {
      const [eventName, attributes] = pick(RECORD_OF_EACH_KIND);
      out.push({
        eventName,
        timeMs: start + Math.floor(random() * 10 * DAY),
        traceId: randomBytes(16).toString('hex'),
        spanId: randomBytes(8).toString('hex'),
        attributes: {
          'log.record.uid': randomUUID(),
          'audit.tenant_id': pick(['acme', 'acme', 'acme', 'globex']),
          'user.id': user,
          'user.roles': random() < 0.2 ? pick(ROLE_SETS) : habit,
          'audit.result': pick(RESULTS),
          'audit.risk_level': 1 + Math.floor(random() * 4),
          'audit.sensitive': random() < 0.3,
          ...attributes,
        },
      });
    }
  }
  return out;
}

/** The per-hour reading the day projection replaced: per user and hour from p_user_hour. */
function referenceSql(store: AuditStore, basis: 'role' | 'tenant'): string {
  const tables = (Object.keys(KINDS) as AuditKind[]).map((kind) => KINDS[kind].table);
  const union = (build: (table: string) => string): string => tables.map(build).join('\nUNION ALL\n');
  const peerFilter =
    basis === 'role'
      ? `AND user_id IN (${union(
          (table) => `SELECT user_id FROM ${store.database}.${table}
            WHERE tenant_id = {tenant:String} AND hasAny(user_roles, {roles:Array(String)})
              AND ${USER_DAY} >= toDate({from:DateTime('UTC')}) AND ${USER_DAY} <= toDate({to:DateTime('UTC')})
            GROUP BY ${USER_CLIENT_KEYS.join(', ')}`,
        )})`
      : '';
  const parts = union(
    (
      table,
    ) => `SELECT user_id, ${USER_HOUR} AS hour, result, risk_level, count() AS n, countIf(is_sensitive) AS s
      FROM ${store.database}.${table}
      WHERE tenant_id = {tenant:String} AND user_id != '' AND user_id != {user:String}
        AND ${USER_HOUR} >= {from:DateTime('UTC')} AND ${USER_HOUR} < {to:DateTime('UTC')} ${peerFilter}
      GROUP BY tenant_id, user_id, hour, result, risk_level`,
  );
  return `SELECT count() AS users, median(u_events) AS events, median(u_failed) AS failed,
      median(u_high_risk) AS highRisk, median(u_sensitive) AS sensitive, median(u_active_hours) AS activeHours,
      median(u_off_hours) AS offHours, median(u_failed / u_events) AS failureRate,
      countIf(u_events < {userEvents:UInt64}) AS fewer
    FROM (SELECT user_id, sum(n) AS u_events, sumIf(n, result IN ('failure', 'denied')) AS u_failed,
        sumIf(n, risk_level >= 3) AS u_high_risk, sum(s) AS u_sensitive,
        uniqExact(hour) AS u_active_hours, sumIf(n, ${offHoursSql('hour')}) AS u_off_hours
      FROM (${parts}) GROUP BY user_id)`;
}

before(async () => {
  exporter = await startTestExporter(dir.path, { modules: [] });
  const sent = records();
  for (let i = 0; i < sent.length; i += 200) {
    const answer = await postLogs(exporter.otlpUrl, sent.slice(i, i + 200));
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
  }
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test("the peers' figures from the day projection equal the per-hour reading, for any period of whole hours", async () => {
  const store = exporter.store;
  const periods: [string, number, number][] = [
    ['partial first and last day', start + 2 * DAY + 5 * HOUR, start + 8 * DAY + 17 * HOUR],
    ['inside one day', start + 4 * DAY + 3 * HOUR, start + 4 * DAY + 15 * HOUR],
    ['across one midnight', start + 4 * DAY + 20 * HOUR, start + 5 * DAY + 2 * HOUR],
    ['whole days', start + 1 * DAY, start + 9 * DAY],
    ['a whole first day, a partial last one', start + 3 * DAY, start + 6 * DAY + 1 * HOUR],
  ];
  let compared = 0;
  for (const [label, fromMs, toMs] of periods)
    for (let u = 0; u < ROLE_SETS.length; u++)
      for (const basis of ['role', 'tenant'] as const) {
        const params = {
          tenant: 'acme',
          user: `u${u}`,
          from: new Date(fromMs).toISOString().slice(0, 19).replace('T', ' '),
          to: new Date(toMs).toISOString().slice(0, 19).replace('T', ' '),
          roles: ROLE_SETS[u % ROLE_SETS.length],
          userEvents: 10 + u,
        };
        const expected = await store.query(referenceSql(store, basis), params);
        const actual = await store.query(peersSql(store, basis), { ...params, ...wholeDays(fromMs, toMs) });
        assert.deepEqual(actual, expected, `${label}, u${u}, ${basis} peers`);
        if (Number((expected[0] as { users: string }).users) > 1) compared++;
      }
  // The comparison saw peers, not only empty answers.
  assert.ok(compared > 40, `${compared} comparisons with more than one peer`);
});
