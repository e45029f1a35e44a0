import { setTimeout as delay } from 'node:timers/promises';
import { localName, onCluster, renderView, storageTable, type RenderTarget } from './ddl.js';
import { AUDIT_TABLE_DEFS } from './tables.js';
import { USER_DAY_TABLE, cutoverLiteral, userDaySelect, userDayViewDefs } from './user-activity.js';
import { SERVER_REQUEST_TIMEOUT_MS } from '../store/server.js';
import type { AuditStore } from '../store/store.js';

// Migration 9's second step: the views that feed audit_user_day, and the backfill of the records
// stored before them, each record counted exactly once. The cut is `received_at` (set by
// ClickHouse at insert, DEFAULT now64(3); the exporter never sends it): the views take the records
// received from the cutover on, the backfill those received before it.
//
// Two races, both about inserts in flight while the views are created:
// - an insert begun before a view exists does not feed it (ClickHouse fixes an insert's views
//   when it starts), so its records must be received before the cutover: on a server store with
//   records (other exporters may be inserting), the cutover is set one insert bound plus a DDL
//   margin ahead, and the step checks the views exist before it;
// - the backfill must see every record received before the cutover, so it waits until the
//   cutover plus one insert bound has passed (an insert lasts at most the client's request
//   timeout, SERVER_REQUEST_TIMEOUT_MS).
// The embedded store runs migrations before ingest starts in the same process (exporter.ts), and
// a server store without records has nothing in flight to miss: no wait for either.
//
// Safe to re-run after a crash mid-way (the migration is recorded only after all its steps): the
// cutover is read back from a view that exists, missing views are created with it, and the
// backfill deletes its own rows (`backfilled`) before inserting them again. Two exporters
// running migration 9 on one store at the very same time could both insert the backfill: run
// `auditlens migrate` once before starting several (docs/behaviour.md).

/** Time allowed for creating the views (ON CLUSTER included) before the cutover. */
const VIEW_DDL_MARGIN_MS = 30_000;

const CUTOVER_PATTERN = /toDateTime64\('(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})', 3, 'UTC'\)/;

async function serverNowMs(store: AuditStore): Promise<number> {
  const [row] = await store.query<{ now: string }>('SELECT toUnixTimestamp64Milli(now64(3)) AS now');
  return Number(row?.now);
}

/** The views that exist already (a re-run) and the cutover they hold. */
async function existingViews(
  store: AuditStore,
  target: RenderTarget,
  names: readonly string[],
): Promise<{ names: Set<string>; cutover: string | undefined }> {
  const rows = await store.query<{ name: string; create_table_query: string }>(
    'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}',
    { database: target.database, names },
  );
  const cutovers = new Set(rows.map((row) => CUTOVER_PATTERN.exec(row.create_table_query)?.[1]));
  const [cutover, ...others] = cutovers;
  if (others.length > 0 || (rows.length > 0 && cutover === undefined)) {
    throw new Error(
      `migration 9: the views ${names.join(', ')} do not hold one cutover: ${[...cutovers].join(', ')}`,
    );
  }
  return { names: new Set(rows.map((row) => row.name)), cutover };
}

async function hasRecords(store: AuditStore): Promise<boolean> {
  for (const table of AUDIT_TABLE_DEFS) {
    const rows = await store.query(`SELECT 1 FROM ${store.database}.${table.name} LIMIT 1`);
    if (rows.length > 0) return true;
  }
  return false;
}

/** Creates audit_user_day's views and backfills the records received before their cutover. */
export async function createUserDayViewsAndBackfill(store: AuditStore, target: RenderTarget): Promise<void> {
  const waitForInFlight = store.mode === 'server' && (await hasRecords(store));
  const aheadMs = waitForInFlight ? SERVER_REQUEST_TIMEOUT_MS + VIEW_DDL_MARGIN_MS : 0;
  const names = userDayViewDefs(
    AUDIT_TABLE_DEFS.map((t) => t.name),
    '',
  ).map((view) => localName(view.name, target));
  const existing = await existingViews(store, target, names);
  const cutover =
    existing.cutover ??
    new Date((await serverNowMs(store)) + aheadMs).toISOString().replace('T', ' ').slice(0, 23);
  const cutoverMs = Date.parse(`${cutover.replace(' ', 'T')}Z`);
  const views = userDayViewDefs(
    AUDIT_TABLE_DEFS.map((t) => t.name),
    cutover,
  );
  const created = views.filter((view) => !existing.names.has(localName(view.name, target)));
  for (const view of created) await store.command(renderView(view, target));
  const on = onCluster(target);
  if (waitForInFlight) {
    const viewsReadyMs = await serverNowMs(store);
    if (created.length > 0 && viewsReadyMs >= cutoverMs) {
      // Start again from nothing on the next run: no view, no row (the migration is not recorded).
      for (const view of views) {
        await store.command(`DROP VIEW IF EXISTS ${storageTable(view.name, target)}${on}`);
      }
      // ALTER … DELETE rather than TRUNCATE: the migrator user may ALTER, not TRUNCATE.
      await store.command(
        `ALTER TABLE ${storageTable(USER_DAY_TABLE, target)}${on} DELETE WHERE true SETTINGS mutations_sync = 2`,
      );
      throw new Error(
        `migration 9: creating the views took until past their cutover ${cutover} UTC, so an insert ` +
          'begun before them might be neither fed to them nor backfilled; they were dropped: run the migration again',
      );
    }
    await delay(Math.max(0, cutoverMs + SERVER_REQUEST_TIMEOUT_MS - viewsReadyMs));
  }
  await store.command(
    `ALTER TABLE ${storageTable(USER_DAY_TABLE, target)}${on} DELETE WHERE backfilled SETTINGS mutations_sync = 2`,
  );
  for (const table of AUDIT_TABLE_DEFS) {
    await store.command(
      `INSERT INTO ${target.database}.${USER_DAY_TABLE} ` +
        userDaySelect(`${target.database}.${table.name}`, true, `received_at < ${cutoverLiteral(cutover)}`),
    );
  }
}
