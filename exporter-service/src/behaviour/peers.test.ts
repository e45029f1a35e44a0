// The peer comparison of a behaviour profile reads per-user day totals (audit_user_day, migration
// 9) for the whole days of the period and the audit rows for its partial first and last day. Its
// figures must be those of the per-hour reading it replaced (p_user_hour for the figures,
// p_user_client for the role match), kept here as the reference: records of several users, roles
// and tables are sent over OTLP (in two tenants), half of them to a store at migration 8 (before
// audit_user_day and its views), the other half after migration 9 (its backfill and views), then
// both queries answer for periods with partial days at either end, inside one day, and on whole
// days, for users of every role set against both kinds of peers: a record counted twice or not
// at all changes the figures. Then migration 9 runs again (as after a crash before it was
// recorded), and the figures stay the same; a delete of audit rows (retention, archiving) leaves
// the summary as it was.
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
import { migrate } from '../schema/migrate.js';
import { AUDIT_TABLE_DEFS } from '../schema/tables.js';
import {
  USER_CLIENT_KEYS,
  USER_DAY,
  USER_DAY_TABLE,
  USER_HOUR,
  offHoursSql,
  userDayViewDefs,
} from '../schema/user-activity.js';
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

/** Takes the store back to migration 8: no audit_user_day, no views, migration 9 not recorded. */
async function undoMigration9(store: AuditStore): Promise<void> {
  const views = userDayViewDefs(
    AUDIT_TABLE_DEFS.map((t) => t.name),
    '',
  );
  for (const view of views) await store.command(`DROP VIEW IF EXISTS ${store.database}.${view.name}`);
  await store.command(`DROP TABLE ${store.database}.${USER_DAY_TABLE}`);
  await forgetMigration9(store);
}

/** Migration 9 not recorded: the next migrate runs all its steps again. */
async function forgetMigration9(store: AuditStore): Promise<void> {
  await store.command(
    `ALTER TABLE ${store.database}.schema_migrations DELETE WHERE version = 9 SETTINGS mutations_sync = 2`,
  );
}

async function send(batch: readonly TestRecord[]): Promise<void> {
  for (let i = 0; i < batch.length; i += 200) {
    const answer = await postLogs(exporter.otlpUrl, batch.slice(i, i + 200));
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
  }
}

/** Records in audit_user_day from the backfill and from the views. */
async function userDayOrigins(store: AuditStore): Promise<{ backfilled: number; fed: number }> {
  const [row] = await store.query<{ from_backfill: string; from_views: string }>(
    `SELECT sumIf(events, backfilled) AS from_backfill, sumIf(events, NOT backfilled) AS from_views
     FROM ${store.database}.${USER_DAY_TABLE}`,
  );
  return { backfilled: Number(row?.from_backfill), fed: Number(row?.from_views) };
}

const sent = records();
const beforeMigration9 = sent.filter((_, i) => i % 2 === 0);
const afterMigration9 = sent.filter((_, i) => i % 2 === 1);

before(async () => {
  exporter = await startTestExporter(dir.path, { modules: [] });
  await undoMigration9(exporter.store);
  await send(beforeMigration9);
  assert.deepEqual((await migrate(exporter.store)).applied, [9]);
  await send(afterMigration9);
});

after(async () => {
  await exporter.close();
  dir.remove();
});

async function assertPeersEqualReference(): Promise<void> {
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
}

test("the peers' figures from audit_user_day equal the per-hour reading, records before and after migration 9 each counted once", async () => {
  // Both halves reached the summary table, each by its own way (every record sent has a user).
  assert.deepEqual(await userDayOrigins(exporter.store), {
    backfilled: beforeMigration9.length,
    fed: afterMigration9.length,
  });
  await assertPeersEqualReference();
});

const userDayViews = (store: AuditStore): Promise<{ name: string; create_table_query: string }[]> =>
  store.query(
    `SELECT name, create_table_query FROM system.tables
     WHERE database = {database:String} AND endsWith(name, '_user_day_mv') ORDER BY name`,
    { database: store.database },
  );

test('migration 9 run again (a crash before it was recorded) keeps its cutover and counts every record once; deletes leave it', async () => {
  const store = exporter.store;
  const viewsBefore = await userDayViews(store);
  assert.equal(viewsBefore.length, 6);
  const cutover = /toDateTime64\('([^']+)'/.exec(viewsBefore[0]?.create_table_query ?? '')?.[1];
  assert.ok(cutover, viewsBefore[0]?.create_table_query);
  // An insert stamped before the cutover that commits after the views exist (the in-flight insert
  // migration 9 waits out on a server store): the views leave it to the backfill.
  await store.command(
    `INSERT INTO ${store.database}.audit_security_log (tenant_id, event_time, event_id, user_id, received_at)
     VALUES ('globex', now64(3), generateUUIDv4(), 'late', toDateTime64({cutover:String}, 3, 'UTC') - 1)`,
    { cutover },
  );
  assert.deepEqual(await userDayOrigins(store), {
    backfilled: beforeMigration9.length,
    fed: afterMigration9.length,
  });
  // A crash after some views were created: one is missing.
  await store.command(`DROP VIEW ${store.database}.${viewsBefore[2]?.name}`);
  await forgetMigration9(store);
  assert.deepEqual((await migrate(store)).applied, [9]);
  assert.deepEqual(await userDayViews(store), viewsBefore);
  assert.deepEqual(await userDayOrigins(store), {
    backfilled: beforeMigration9.length + 1,
    fed: afterMigration9.length,
  });
  await assertPeersEqualReference();
  // Retention's deletes (as its archiving does: ALTER … DELETE) leave the summary as it was.
  await store.command(
    `ALTER TABLE ${store.database}.audit_security_log DELETE WHERE user_id = 'late' SETTINGS mutations_sync = 2`,
  );
  assert.deepEqual(await userDayOrigins(store), {
    backfilled: beforeMigration9.length + 1,
    fed: afterMigration9.length,
  });
});
