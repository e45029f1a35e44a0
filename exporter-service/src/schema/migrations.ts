import { renderTable, renderView, type RenderTarget } from './ddl.js';
import {
  AUDIT_TABLE_DEFS,
  DEFAULT_RETENTION_POLICIES,
  SUMMARY_TABLE_DEFS,
  SUMMARY_VIEW_DEFS,
  SUPPORT_TABLE_DEFS,
} from './tables.js';
import { ALERTING_MIGRATION } from '../alerts/schema.js';

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
  ALERTING_MIGRATION,
  {
    // Compliance (issue 6): per-row online days for archiving; the per-row TTL no longer deletes
    // rows whose retention_days is above 20000 (toDateTime(event_time) + 30000 days wraps past
    // 2106 into the past, which deleted such rows at once; above 20000 = permanent); per-row
    // digests and the minimum retention in integrity checkpoints; deduplication of a retried
    // checkpoint insert.
    version: 3,
    name: 'retention tiers (online_days), checkpoint row digests and minimum retention',
    steps: (target) => {
      const on = target.cluster ? ` ON CLUSTER ${target.cluster}` : '';
      const names = (table: string): string[] => (target.cluster ? [`${table}_local`, table] : [table]);
      return [
        ...AUDIT_TABLE_DEFS.flatMap((table) =>
          names(table.name).map(
            (name) =>
              `ALTER TABLE ${target.database}.${name}${on} ADD COLUMN IF NOT EXISTS ` +
              'online_days UInt16 DEFAULT retention_days AFTER retention_days',
          ),
        ),
        ...AUDIT_TABLE_DEFS.map(
          (table) =>
            `ALTER TABLE ${target.database}.${target.cluster ? `${table.name}_local` : table.name}${on} ` +
            'MODIFY TTL toDateTime(event_time) + toIntervalDay(retention_days) WHERE retention_days <= 20000 ' +
            'SETTINGS materialize_ttl_after_modify = 0',
        ),
        ...names('audit_integrity_checkpoint').map(
          (name) =>
            `ALTER TABLE ${target.database}.${name}${on} ` +
            'ADD COLUMN IF NOT EXISTS row_digests Array(FixedString(64)) CODEC(ZSTD(1)) AFTER event_ids, ' +
            'ADD COLUMN IF NOT EXISTS min_retention_days UInt16 DEFAULT 65535 AFTER row_count',
        ),
        ...(target.cluster
          ? []
          : [
              `ALTER TABLE ${target.database}.audit_integrity_checkpoint ` +
                'MODIFY SETTING non_replicated_deduplication_window = 1000',
            ]),
      ];
    },
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
