import {
  hasColumn,
  onCluster,
  renderTable,
  renderView,
  storageTable,
  tablesToAlter,
  type RenderTarget,
} from './ddl.js';
import {
  AUDIT_TABLE_DEFS,
  DEFAULT_RETENTION_POLICIES,
  SUMMARY_TABLE_DEFS,
  SUMMARY_VIEW_DEFS,
  SUPPORT_TABLE_DEFS,
  STORAGE_SNAPSHOT_TABLE_DEF,
} from './tables.js';
import { createUserDayViewsAndBackfill } from './user-day-backfill.js';
import { USER_DAY_TABLE_DEF, userClientProjection, userHourProjection } from './user-activity.js';
import type { AuditStore } from '../store/store.js';

/**
 * A statement, rows to insert (JSONEachRow, deduplicated by the token), or a step that must look
 * at the store (described for `migrate --print`).
 */
export type MigrationStep =
  | string
  | { insertInto: string; rows: object[]; deduplicationToken: string }
  | { describe: string; run(store: AuditStore): Promise<void> };

export interface Migration {
  version: number;
  name: string;
  /** Every step must be safe to run again (IF NOT EXISTS, deduplicated inserts). */
  steps(target: RenderTarget): MigrationStep[];
}

/**
 * Migration 4's column changes (issue 7: bytes on disk), measured with chdb on the bench's records
 * (1 M rows, parts fully merged): 106.9 → 100.2 B/row, for ~5% more insert CPU on the request and
 * database tables. LowCardinality where a table holds few distinct values (user agents 3.1 → 0.4
 * B/row, field labels 0.5 → 0.1); ZSTD(6) where content repeats beyond the reach of ZSTD(1)'s
 * 6-byte minimum match (the 48-bit time prefix of UUIDv7 event ids 14.8 → 13.6, descriptions
 * 4.5 → 3.6, SQL text, role and tag arrays); ZSTD(3) for user names and unmapped attributes.
 * Left as they are, measured: the JSON payloads (request headers/body, before/after images, SQL
 * parameters) gain ~2 B/row at ZSTD(9) but cost 35–70% more insert time on their tables; trace
 * and span ids are random hex, which ZSTD already stores at ~4 bits per digit, as compact as
 * binary FixedString would be (and every reader would have to hex() them); DoubleDelta/T64/Gorilla
 * lose to Delta+ZSTD on event times and to ZSTD on durations.
 */
const COLUMN_TUNING: readonly (readonly [column: string, definition: string])[] = [
  ['event_id', 'CODEC(ZSTD(6))'],
  ['username', 'CODEC(ZSTD(3))'],
  ['user_agent', 'LowCardinality(String) CODEC(ZSTD(1))'],
  ['user_roles', 'CODEC(ZSTD(6))'],
  ['compliance_tags', 'CODEC(ZSTD(6))'],
  ['description', 'CODEC(ZSTD(6))'],
  ['attributes', 'CODEC(ZSTD(3))'],
  ['query_text', 'CODEC(ZSTD(6))'],
  ['field_label', 'LowCardinality(String) CODEC(ZSTD(1))'],
  ['related_events', 'CODEC(ZSTD(6))'],
];

/**
 * Per tenant, day and service: row count, oldest and newest event time, kept by ClickHouse in every
 * part of an audit table (so for every insert, merge and retention delete, no backfill race): the
 * source's archive status query (§4.5.5) and per-day volumes read a few hundred rows instead of
 * the table.
 */
const TENANT_DAY_PROJECTION =
  'p_tenant_day (SELECT tenant_id, toDate(event_time), service, count(), min(event_time), max(event_time) ' +
  'GROUP BY tenant_id, toDate(event_time), service)';

/**
 * Event ids in id order per tenant, with their event time: the ingest idempotency check looks a
 * batch's ids up across all time (a reused id with a new timestamp is refused, issue 17) and this
 * makes that a primary-key lookup. Measured with chdb on 10 M rows, 2,000 ids: 53–82 ms instead of
 * 320–626 ms through the event_id bloom filter.
 */
export const EVENT_ID_PROJECTION =
  'p_event_id (SELECT tenant_id, event_id, event_time ORDER BY tenant_id, event_id)';

/**
 * The GenAI usage columns of audit_request_log (migration 7). Typed columns rather than typed
 * maps (numbers in a Map(LowCardinality(String), Float64), names in a Map(…, String)), measured
 * by `npm run bench -- --only=usage` (bench/src/usage-storage.ts; 10% of the rows AI calls): at
 * 10 M rows 1.35 B/row against 1.83, and the per-user × model × day aggregation of a tenant's
 * 30 days in 626 ms against 1,266 (docs/ai-usage.md §5). Rows that are not AI calls hold the
 * defaults, stored sparsely.
 */
export const USAGE_COLUMNS: readonly string[] = [
  'gen_ai_provider LowCardinality(String) CODEC(ZSTD(1))',
  'gen_ai_operation LowCardinality(String) CODEC(ZSTD(1))',
  'gen_ai_request_model LowCardinality(String) CODEC(ZSTD(1))',
  'gen_ai_response_model LowCardinality(String) CODEC(ZSTD(1))',
  'gen_ai_input_tokens UInt64 CODEC(ZSTD(1))',
  'gen_ai_output_tokens UInt64 CODEC(ZSTD(1))',
  'usage_cost Float64 CODEC(ZSTD(1))',
  'usage_currency LowCardinality(String) CODEC(ZSTD(1))',
];

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
  {
    // Alerting: audit_alert_state learns the incident id (the event id of its `audit.security`
    // record), the group labels (Grafana labels per group field) and when the instance fired and
    // resolved; audit_alert_event drops a repeated insert of the same transition (the
    // deduplication token is the incident id and transition), so that two exporters reporting one
    // incident store one history row. Idempotent (IF NOT EXISTS; settings are absolute).
    version: 2,
    name: 'alerting: incident id, group labels, fired/resolved times; deduplicated alert history',
    steps: (target) => [
      ...tablesToAlter('audit_alert_state', target).map(
        (table) =>
          `ALTER TABLE ${table}${onCluster(target)}
    ADD COLUMN IF NOT EXISTS security_event_id UUID,
    ADD COLUMN IF NOT EXISTS group_labels Map(String, String),
    ADD COLUMN IF NOT EXISTS fired_at DateTime64(3, 'UTC'),
    ADD COLUMN IF NOT EXISTS resolved_at DateTime64(3, 'UTC')`,
      ),
      // Replicated tables deduplicate inserts by token already (replicated_deduplication_window).
      ...(target.cluster
        ? []
        : [
            `ALTER TABLE ${target.database}.audit_alert_event MODIFY SETTING non_replicated_deduplication_window = 1000`,
          ]),
    ],
  },
  {
    // Compliance (issue 6): per-row online days for archiving; the per-row TTL no longer deletes
    // rows whose retention_days is above 20000 (toDateTime(event_time) + 30000 days wraps past
    // 2106 into the past, which deleted such rows at once; above 20000 = permanent); per-row
    // digests and the minimum retention in integrity checkpoints; deduplication of a retried
    // checkpoint insert.
    version: 3,
    name: 'retention tiers (online_days), checkpoint row digests and minimum retention',
    steps: (target) => {
      const on = onCluster(target);
      return [
        ...AUDIT_TABLE_DEFS.flatMap((table) =>
          tablesToAlter(table.name, target).map(
            (name) =>
              `ALTER TABLE ${name}${on} ADD COLUMN IF NOT EXISTS ` +
              'online_days UInt16 DEFAULT retention_days AFTER retention_days',
          ),
        ),
        ...AUDIT_TABLE_DEFS.map(
          (table) =>
            `ALTER TABLE ${storageTable(table.name, target)}${on} ` +
            'MODIFY TTL toDateTime(event_time) + toIntervalDay(retention_days) WHERE retention_days <= 20000 ' +
            'SETTINGS materialize_ttl_after_modify = 0',
        ),
        ...tablesToAlter('audit_integrity_checkpoint', target).map(
          (name) =>
            `ALTER TABLE ${name}${on} ` +
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
  {
    // Storage (issue 7): codecs and LowCardinality types (COLUMN_TUNING; a codec change applies to
    // parts written from now on, a type change rewrites that column in the background), and the
    // per-tenant-day projection, materialized for the parts already there.
    version: 4,
    name: 'column codecs and types for size; per tenant-day count projection',
    steps: (target) => {
      const on = onCluster(target);
      const local = (table: string): string => storageTable(table, target);
      return AUDIT_TABLE_DEFS.flatMap((table) => {
        const tuning = COLUMN_TUNING.filter(([column]) => hasColumn(table, column));
        const retyped = tuning.filter(([, definition]) => !definition.startsWith('CODEC'));
        return [
          `ALTER TABLE ${local(table.name)}${on} ` +
            tuning.map(([column, definition]) => `MODIFY COLUMN ${column} ${definition}`).join(', '),
          // The Distributed table's columns follow the type (it stores no data, so no codec).
          ...(target.cluster && retyped.length > 0
            ? [
                `ALTER TABLE ${target.database}.${table.name}${on} ` +
                  retyped
                    .map(
                      ([column, definition]) =>
                        `MODIFY COLUMN ${column} ${definition.replace(/ CODEC\(.*$/, '')}`,
                    )
                    .join(', '),
              ]
            : []),
          `ALTER TABLE ${local(table.name)}${on} ADD PROJECTION IF NOT EXISTS ${TENANT_DAY_PROJECTION}`,
          `ALTER TABLE ${local(table.name)}${on} MATERIALIZE PROJECTION p_tenant_day`,
        ];
      });
    },
  },
  {
    // Event-id identity (issue 17): the idempotency check finds an id at any event time.
    version: 5,
    name: 'per tenant event-id projection for the idempotency check',
    steps: (target) => {
      const on = onCluster(target);
      return AUDIT_TABLE_DEFS.flatMap((table) => {
        const name = `${storageTable(table.name, target)}${on}`;
        return [
          `ALTER TABLE ${name} ADD PROJECTION IF NOT EXISTS ${EVENT_ID_PROJECTION}`,
          `ALTER TABLE ${name} MATERIALIZE PROJECTION p_event_id`,
        ];
      });
    },
  },
  {
    // User behaviour (issue 19): per-user activity by hour and per-user clients by day, kept in
    // every part of every audit table (schema/user-activity.ts says why projections).
    version: 6,
    name: 'per user activity and client projections for behaviour profiles',
    steps: (target) => {
      const on = onCluster(target);
      return AUDIT_TABLE_DEFS.flatMap((table) => {
        const name = `${storageTable(table.name, target)}${on}`;
        return [
          `ALTER TABLE ${name} ADD PROJECTION IF NOT EXISTS ${userHourProjection(table.name)}`,
          `ALTER TABLE ${name} ADD PROJECTION IF NOT EXISTS ${userClientProjection()}`,
          `ALTER TABLE ${name} MATERIALIZE PROJECTION p_user_hour`,
          `ALTER TABLE ${name} MATERIALIZE PROJECTION p_user_client`,
        ];
      });
    },
  },
  {
    // AI and API usage (issue 19): the GenAI fields of outbound calls as typed columns of the
    // request table (USAGE_COLUMNS).
    version: 7,
    name: 'AI / API usage columns on audit_request_log',
    steps: (target) =>
      tablesToAlter('audit_request_log', target).map((name) => {
        // A Distributed table stores no data: its columns take the type without the codec.
        const stored = name === storageTable('audit_request_log', target);
        return (
          `ALTER TABLE ${name}${onCluster(target)} ` +
          USAGE_COLUMNS.map(
            (column) => `ADD COLUMN IF NOT EXISTS ${stored ? column : column.replace(/ CODEC\(.*$/, '')}`,
          ).join(', ')
        );
      }),
  },
  {
    // Storage growth (issue 20): the snapshots of bytes and rows per table and tenant.
    version: 8,
    name: 'storage growth snapshots',
    steps: (target) => renderTable(STORAGE_SNAPSHOT_TABLE_DEF, target),
  },
  {
    // User behaviour at scale (issue 19): per-user day totals across the six audit tables for the
    // peer comparison, which reads a whole tenant's period (schema/user-activity.ts,
    // USER_DAY_TABLE_DEF), fed by one view per audit table from a cutover on, the records stored
    // before it backfilled once (schema/user-day-backfill.ts).
    version: 9,
    name: 'per user day summary for behaviour peers',
    steps: (target) => [
      ...renderTable(USER_DAY_TABLE_DEF, target),
      {
        describe: 'views <audit table>_user_day_mv from a cutover, and the backfill of the records before it',
        run: (store) => createUserDayViewsAndBackfill(store, target),
      },
    ],
  },
];

export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
