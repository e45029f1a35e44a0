import type { TableDef, ViewDef } from './ddl.js';

// Version 1 of the AuditLens schema (DESIGN §4). Frozen once released: later changes are new
// migrations in migrations.ts, never edits here.

/** Leading columns of every audit table. */
const COMMON_COLUMNS = `
    tenant_id LowCardinality(String) CODEC(ZSTD(1)),
    event_time DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    event_id UUID CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    service LowCardinality(String) CODEC(ZSTD(1)),
    service_version LowCardinality(String) CODEC(ZSTD(1)),
    environment LowCardinality(String) CODEC(ZSTD(1)),
    user_id String CODEC(ZSTD(1)),
    username String CODEC(ZSTD(1)),
    user_roles Array(LowCardinality(String)) CODEC(ZSTD(1)),
    session_id String CODEC(ZSTD(1)),
    ip_address IPv6 CODEC(ZSTD(1)),
    user_agent String CODEC(ZSTD(1)),
    result LowCardinality(String) CODEC(ZSTD(1)),
    risk_level UInt8 CODEC(ZSTD(1)),
    is_sensitive Bool CODEC(ZSTD(1)),
    module LowCardinality(String) CODEC(ZSTD(1)),
    operation_name LowCardinality(String) CODEC(ZSTD(1)),
    compliance_tags Array(LowCardinality(String)) CODEC(ZSTD(1)),
    description String CODEC(ZSTD(1)),
    attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    retention_days UInt16 DEFAULT 2555,
    received_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta(8), ZSTD(1))`;

const COMMON_INDEXES = `
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_ip_address ip_address TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_keys mapKeys(attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_attr_values mapValues(attributes) TYPE bloom_filter(0.01) GRANULARITY 1`;

const HTTP_COLUMNS = `
    http_method LowCardinality(String) CODEC(ZSTD(1)),
    url_path String CODEC(ZSTD(1)),
    url_query String CODEC(ZSTD(1)),
    http_route LowCardinality(String) CODEC(ZSTD(1)),
    status_code UInt16 CODEC(ZSTD(1)),
    duration_ms Float64 CODEC(ZSTD(1)),
    request_params String CODEC(ZSTD(3)),
    request_headers String CODEC(ZSTD(3)),
    request_body String CODEC(ZSTD(3)),
    error_type LowCardinality(String) CODEC(ZSTD(1)),
    error_message String CODEC(ZSTD(1))`;

const APPROVAL_COLUMNS = `
    approval_required Bool CODEC(ZSTD(1)),
    approval_status LowCardinality(String) CODEC(ZSTD(1)),
    approver_id String CODEC(ZSTD(1)),
    approval_time DateTime64(3, 'UTC') CODEC(ZSTD(1)),
    approval_comment String CODEC(ZSTD(1))`;

function auditTable(name: string, columns: string, extraIndexes = ''): TableDef {
  return {
    name,
    body: [COMMON_COLUMNS, columns, COMMON_INDEXES, extraIndexes].filter((part) => part.trim()).join(',\n'),
    engine: { family: 'MergeTree' },
    partitionBy: 'toYYYYMM(event_time)',
    orderBy: '(tenant_id, event_time, event_id)',
    // Per-row retention: retention_days is set at ingest from audit_retention_policy.
    ttl: 'toDateTime(event_time) + toIntervalDay(retention_days)',
    // The window lets a batch retried with the same deduplication token be dropped by the store.
    settings: 'index_granularity = 8192, non_replicated_deduplication_window = 1000',
    shardingKey: 'cityHash64(event_id)',
  };
}

export const AUDIT_TABLE_DEFS: TableDef[] = [
  auditTable('audit_request_log', HTTP_COLUMNS),
  auditTable(
    'audit_database_log',
    `
    db_system LowCardinality(String) CODEC(ZSTD(1)),
    db_namespace LowCardinality(String) CODEC(ZSTD(1)),
    db_table LowCardinality(String) CODEC(ZSTD(1)),
    db_operation LowCardinality(String) CODEC(ZSTD(1)),
    query_text String CODEC(ZSTD(3)),
    query_params String CODEC(ZSTD(3)),
    affected_rows Int64 CODEC(ZSTD(1)),
    duration_ms Float64 CODEC(ZSTD(1)),
    transaction_id String CODEC(ZSTD(1)),
    before_data String CODEC(ZSTD(3)),
    after_data String CODEC(ZSTD(3)),
    error_type LowCardinality(String) CODEC(ZSTD(1)),
    error_message String CODEC(ZSTD(1))`,
  ),
  auditTable(
    'audit_change_log',
    `
    db_table LowCardinality(String) CODEC(ZSTD(1)),
    record_id String CODEC(ZSTD(1)),
    field_name LowCardinality(String) CODEC(ZSTD(1)),
    field_label String CODEC(ZSTD(1)),
    old_value String CODEC(ZSTD(3)),
    new_value String CODEC(ZSTD(3)),
    value_type LowCardinality(String) CODEC(ZSTD(1)),
    change_type LowCardinality(String) CODEC(ZSTD(1)),
    change_reason String CODEC(ZSTD(1)),
    db_event_id UUID CODEC(ZSTD(1)),
    is_encrypted Bool CODEC(ZSTD(1)),${APPROVAL_COLUMNS}`,
    `    INDEX idx_db_event_id db_event_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_record_id record_id TYPE bloom_filter(0.01) GRANULARITY 1`,
  ),
  auditTable(
    'audit_security_log',
    `
    event_type LowCardinality(String) CODEC(ZSTD(1)),
    threat_type LowCardinality(String) CODEC(ZSTD(1)),
    attack_vector LowCardinality(String) CODEC(ZSTD(1)),
    mitre_technique LowCardinality(String) CODEC(ZSTD(1)),
    mitre_tactic LowCardinality(String) CODEC(ZSTD(1)),
    detection_method LowCardinality(String) CODEC(ZSTD(1)),
    rule_name LowCardinality(String) CODEC(ZSTD(1)),
    target_resource String CODEC(ZSTD(1)),
    related_events Array(UUID) CODEC(ZSTD(1))`,
  ),
  auditTable(
    'audit_admin_log',
    `${HTTP_COLUMNS},
    target_type LowCardinality(String) CODEC(ZSTD(1)),
    target_id String CODEC(ZSTD(1)),
    target_name String CODEC(ZSTD(1)),${APPROVAL_COLUMNS}`,
  ),
  auditTable(
    'audit_access_log',
    `
    access_type LowCardinality(String) CODEC(ZSTD(1)),
    resource LowCardinality(String) CODEC(ZSTD(1)),
    query_filter String CODEC(ZSTD(3)),
    rows_returned UInt64 CODEC(ZSTD(1))`,
  ),
];

/** Counts for dashboards, one row per bucket × tenant × kind × service × operation × result × risk. */
function summaryTable(name: string): TableDef {
  return {
    name,
    body: `
    tenant_id LowCardinality(String),
    bucket DateTime('UTC'),
    kind LowCardinality(String),
    service LowCardinality(String),
    operation_name LowCardinality(String),
    result LowCardinality(String),
    risk_level UInt8,
    events SimpleAggregateFunction(sum, UInt64),
    sensitive_events SimpleAggregateFunction(sum, UInt64),
    users AggregateFunction(uniq, String),
    ips AggregateFunction(uniq, IPv6)`,
    engine: { family: 'AggregatingMergeTree' },
    partitionBy: 'toYYYYMM(bucket)',
    orderBy: '(tenant_id, bucket, kind, service, operation_name, result, risk_level)',
    ttl: 'bucket + INTERVAL 2555 DAY',
    shardingKey: 'cityHash64(tenant_id)',
  };
}

export const SUMMARY_TABLE_DEFS: TableDef[] = [
  summaryTable('audit_summary_minute'),
  summaryTable('audit_summary_hour'),
];

const KIND_OF_TABLE: Record<string, string> = {
  audit_request_log: 'request',
  audit_database_log: 'db_operation',
  audit_change_log: 'field_change',
  audit_security_log: 'security',
  audit_admin_log: 'admin',
  audit_access_log: 'access',
};

export const SUMMARY_VIEW_DEFS: ViewDef[] = AUDIT_TABLE_DEFS.flatMap((table) =>
  (
    [
      ['minute', 'toStartOfMinute'],
      ['hour', 'toStartOfHour'],
    ] as const
  ).map(([grain, bucketFunction]) => ({
    name: `${table.name}_summary_${grain}_mv`,
    to: `audit_summary_${grain}`,
    from: table.name,
    select: `SELECT tenant_id, ${bucketFunction}(event_time) AS bucket, '${KIND_OF_TABLE[table.name]}' AS kind,
    service, operation_name, result, risk_level,
    count() AS events, countIf(is_sensitive) AS sensitive_events,
    uniqState(user_id) AS users, uniqState(ip_address) AS ips
FROM {from}
GROUP BY tenant_id, bucket, kind, service, operation_name, result, risk_level`,
  })),
);

export const SUPPORT_TABLE_DEFS: TableDef[] = [
  {
    name: 'audit_security_event_status',
    body: `
    tenant_id LowCardinality(String),
    event_id UUID,
    status LowCardinality(String),
    handler_id String,
    handler_name String,
    handle_result String CODEC(ZSTD(3)),
    false_positive Bool,
    changed_at DateTime64(3, 'UTC') DEFAULT now64(3),
    changed_by String`,
    engine: { family: 'MergeTree' },
    orderBy: '(tenant_id, event_id, changed_at)',
    shardingKey: 'cityHash64(tenant_id)',
  },
  {
    name: 'audit_retention_policy',
    body: `
    id String,
    name String,
    table_name LowCardinality(String),
    module LowCardinality(String),
    risk_level Nullable(UInt8),
    retention_days UInt32,
    archive_days Nullable(UInt32),
    auto_archive Bool DEFAULT true,
    auto_delete Bool DEFAULT false,
    compliance_requirement String,
    enabled Bool DEFAULT true,
    deleted Bool DEFAULT false,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_by String,
    version UInt64`,
    engine: { family: 'ReplacingMergeTree', version: 'version' },
    orderBy: 'id',
    shardingKey: 'cityHash64(id)',
  },
  {
    name: 'audit_integrity_checkpoint',
    body: `
    tenant_id LowCardinality(String),
    table_name LowCardinality(String),
    writer_id LowCardinality(String),
    sequence UInt64,
    first_event_time DateTime64(3, 'UTC'),
    last_event_time DateTime64(3, 'UTC'),
    row_count UInt32,
    event_ids Array(UUID) CODEC(ZSTD(3)),
    batch_digest FixedString(64),
    previous_digest FixedString(64),
    chain_digest FixedString(64),
    signature String,
    key_id LowCardinality(String),
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)`,
    engine: { family: 'MergeTree' },
    partitionBy: 'toYYYYMM(created_at)',
    orderBy: '(tenant_id, table_name, writer_id, sequence)',
    shardingKey: 'cityHash64(tenant_id)',
  },
  {
    name: 'audit_alert_rule',
    body: `
    id String,
    tenant_scope String,
    name String,
    definition String CODEC(ZSTD(3)),
    enabled Bool,
    deleted Bool DEFAULT false,
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    updated_by String,
    version UInt64`,
    engine: { family: 'ReplacingMergeTree', version: 'version' },
    orderBy: 'id',
    shardingKey: 'cityHash64(id)',
  },
  {
    name: 'audit_alert_state',
    body: `
    tenant_id LowCardinality(String),
    rule_id LowCardinality(String),
    group_key String,
    state LowCardinality(String),
    severity UInt8,
    rule_name String,
    mitre_tactic LowCardinality(String),
    mitre_technique LowCardinality(String),
    contact_point String,
    summary String,
    match_count UInt64,
    first_seen DateTime64(3, 'UTC'),
    last_seen DateTime64(3, 'UTC'),
    event_ids Array(UUID),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    version UInt64`,
    engine: { family: 'ReplacingMergeTree', version: 'version' },
    orderBy: '(tenant_id, rule_id, group_key)',
    shardingKey: 'cityHash64(tenant_id)',
  },
  {
    name: 'audit_alert_event',
    body: `
    tenant_id LowCardinality(String),
    rule_id LowCardinality(String),
    group_key String,
    transition LowCardinality(String),
    severity UInt8,
    event_time DateTime64(3, 'UTC'),
    event_ids Array(UUID),
    security_event_id UUID,
    details String CODEC(ZSTD(3))`,
    engine: { family: 'MergeTree' },
    partitionBy: 'toYYYYMM(event_time)',
    orderBy: '(tenant_id, rule_id, event_time)',
    shardingKey: 'cityHash64(tenant_id)',
  },
  {
    name: 'audit_compliance_report',
    body: `
    id UUID,
    tenant_id LowCardinality(String),
    framework LowCardinality(String),
    period_type LowCardinality(String),
    period_start DateTime64(3, 'UTC'),
    period_end DateTime64(3, 'UTC'),
    generated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    generated_by String,
    status LowCardinality(String),
    content String CODEC(ZSTD(3)),
    content_sha256 FixedString(64)`,
    engine: { family: 'MergeTree' },
    partitionBy: 'toYear(generated_at)',
    orderBy: '(tenant_id, framework, generated_at)',
    shardingKey: 'cityHash64(tenant_id)',
  },
];

/**
 * The source design's default retention policies (its §3.0 seed rows): ordinary request and
 * database rows one year online then archived to seven years; sensitive rows, field changes,
 * security events and admin operations seven years online.
 */
export const DEFAULT_RETENTION_POLICIES = [
  ['default-request-normal', 'Web requests — ordinary', 'audit_request_log', 'NORMAL', 1, 365, 2555],
  ['default-request-sensitive', 'Web requests — sensitive', 'audit_request_log', 'SENSITIVE', 3, 2555, null],
  ['default-database-normal', 'Database operations — ordinary', 'audit_database_log', 'NORMAL', 1, 365, 2555],
  [
    'default-database-sensitive',
    'Database operations — sensitive',
    'audit_database_log',
    'SENSITIVE',
    3,
    2555,
    null,
  ],
  ['default-change-all', 'Field changes — all', 'audit_change_log', 'ALL', null, 2555, null],
  ['default-security-all', 'Security events — all', 'audit_security_log', 'ALL', null, 2555, null],
  ['default-admin-all', 'Admin operations — all', 'audit_admin_log', 'ALL', null, 2555, null],
  ['default-access-all', 'Audit data access — all', 'audit_access_log', 'ALL', null, 2555, null],
] as const;

/**
 * Storage growth (issue 20, source 004): bytes and rows per table and tenant, one row each per
 * snapshot (storage-growth/snapshots.ts), with the database's total and its disk's free and total
 * bytes of the moment, so that a forecast needs no other table. Created by migration 8 (not part
 * of the tenant readers' tables: disk figures are the platform's).
 */
export const STORAGE_SNAPSHOT_TABLE_DEF: TableDef = {
  name: 'audit_storage_snapshot',
  body: `
    taken_at DateTime('UTC'),
    table_name LowCardinality(String),
    tenant_id LowCardinality(String),
    row_count UInt64,
    bytes_on_disk UInt64,
    database_bytes UInt64,
    disk_free_bytes UInt64,
    disk_total_bytes UInt64`,
  engine: { family: 'MergeTree' },
  partitionBy: 'toYYYYMM(taken_at)',
  orderBy: '(taken_at, table_name, tenant_id)',
  ttl: 'taken_at + INTERVAL 800 DAY',
  shardingKey: 'cityHash64(table_name)',
};
