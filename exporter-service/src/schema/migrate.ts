import { onCluster, renderTable, type RenderTarget, type TableDef } from './ddl.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type MigrationStep } from './migrations.js';
import type { AuditStore } from '../store/store.js';

const MIGRATIONS_TABLE: TableDef = {
  name: 'schema_migrations',
  body: `
    version UInt32,
    name String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
  engine: { family: 'MergeTree' },
  orderBy: 'version',
};

export interface MigrationReport {
  applied: number[];
  current: number;
}

/** Every statement the schema consists of, for a target (used by `migrate --print` and tests). */
export function schemaStatements(target: RenderTarget): MigrationStep[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${target.database}${onCluster(target)}`,
    ...renderTable(MIGRATIONS_TABLE, target),
    ...MIGRATIONS.flatMap((m) => m.steps(target)),
  ];
}

async function runStep(store: AuditStore, step: MigrationStep): Promise<void> {
  if (typeof step === 'string') {
    await store.command(step);
  } else if ('run' in step) {
    await step.run(store);
  } else {
    await store.insertJsonLines(step.insertInto, step.rows.map((r) => JSON.stringify(r)).join('\n'), {
      deduplicationToken: step.deduplicationToken,
    });
  }
}

export async function appliedVersions(store: AuditStore): Promise<Set<number>> {
  const rows = await store.query<{ version: number }>(
    `SELECT DISTINCT version FROM ${store.database}.schema_migrations`,
  );
  return new Set(rows.map((r) => Number(r.version)));
}

/** Applies the migrations not yet recorded, in order. Safe to run concurrently and repeatedly. */
export async function migrate(
  store: AuditStore,
  options: { cluster?: string | undefined; onStep?: (done: number, total: number) => void } = {},
): Promise<MigrationReport> {
  const target: RenderTarget = { database: store.database, cluster: options.cluster };
  await store.command(`CREATE DATABASE IF NOT EXISTS ${target.database}${onCluster(target)}`);
  for (const statement of renderTable(MIGRATIONS_TABLE, target)) await store.command(statement);
  const done = await appliedVersions(store);
  const pending = MIGRATIONS.filter((m) => !done.has(m.version));
  const steps = pending.map((m) => ({ migration: m, steps: m.steps(target) }));
  const total = steps.reduce((n, s) => n + s.steps.length, 0);
  let completed = 0;
  for (const { migration, steps: migrationSteps } of steps) {
    for (const step of migrationSteps) {
      await runStep(store, step);
      options.onStep?.(++completed, total);
    }
    await store.insertJsonLines(
      'schema_migrations',
      JSON.stringify({ version: migration.version, name: migration.name }),
    );
  }
  return { applied: pending.map((m) => m.version), current: LATEST_SCHEMA_VERSION };
}

/** True when every known migration is recorded (readiness). */
export async function schemaIsCurrent(store: AuditStore): Promise<boolean> {
  try {
    const done = await appliedVersions(store);
    return MIGRATIONS.every((m) => done.has(m.version));
  } catch {
    return false;
  }
}
