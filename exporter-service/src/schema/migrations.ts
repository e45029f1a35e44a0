import { renderTable, renderView, type RenderTarget } from './ddl.js';
import {
  AUDIT_TABLE_DEFS,
  DEFAULT_RETENTION_POLICIES,
  SUMMARY_TABLE_DEFS,
  SUMMARY_VIEW_DEFS,
  SUPPORT_TABLE_DEFS,
} from './tables.js';

/** A statement, or rows to insert (JSONEachRow, deduplicated by the token). */
export type MigrationStep = string | { insertInto: string; rows: object[]; deduplicationToken: string };

export interface Migration {
  version: number;
  name: string;
  /** Every step must be safe to run again (IF NOT EXISTS, deduplicated inserts). */
  steps(target: RenderTarget): MigrationStep[];
}

/** The one migration history. Append new migrations; never edit a released one. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'audit tables, summaries, retention, integrity, alerting, reports',
    steps: (target) => [
      ...[...AUDIT_TABLE_DEFS, ...SUMMARY_TABLE_DEFS, ...SUPPORT_TABLE_DEFS].flatMap((t) =>
        renderTable(t, target),
      ),
      ...SUMMARY_VIEW_DEFS.map((v) => renderView(v, target)),
      {
        insertInto: 'audit_retention_policy',
        deduplicationToken: 'migration-1-default-retention-policies',
        rows: DEFAULT_RETENTION_POLICIES.map(([id, name, table, module, risk, online, archive]) => ({
          id,
          name,
          table_name: table,
          module,
          risk_level: risk,
          retention_days: online,
          archive_days: archive,
          compliance_requirement: 'MLPS 2.0 level 3 (GB/T 22239-2019 8.1.4.3); CSL art. 23(3)',
          updated_by: 'migration',
          version: 1,
        })),
      },
    ],
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
