import { detection } from './detections.js';
import { parseRule, type AlertRule, type AlertRuleInput } from './rule-model.js';

/** The security event type the exporter's scheduled integrity verification records on a failure. */
export const INTEGRITY_VIOLATION = 'INTEGRITY_VIOLATION';
/** The security event of an audit store whose disk is nearly full (storage-growth/module.ts). */
export const STORAGE_EXHAUSTION = 'STORAGE_EXHAUSTION';
export const STORAGE_DETECTION = 'storage-forecast';

/**
 * The built-in rule pack (DESIGN §7), on by default and editable through the API (an edited
 * built-in is stored like any rule; it cannot be deleted, only disabled). Thresholds follow the
 * source documents where they give one: 50 failed logins per hour and 20 high-risk operations per
 * hour (000_… check_security_alerts); the rest are common detection baselines.
 */
const PACK: AlertRuleInput[] = [
  {
    id: 'builtin.brute-force-ip',
    name: 'Brute force from one IP',
    description: 'More than 10 failed logins from one client IP within 5 minutes.',
    kind: 'threshold',
    source: 'security',
    filter: [
      { field: 'event_type', op: '=', value: 'LOGIN_FAILED' },
      { field: 'ip_address', op: '!=', value: '::' },
    ],
    groupBy: ['ip_address'],
    window: '5m',
    threshold: 10,
    severity: 3,
    ...detection('BRUTE_FORCE'),
    summary: '{count} failed logins from {ip_address} within {window}',
  },
  {
    id: 'builtin.brute-force-account',
    name: 'Brute force against one account',
    description: 'More than 10 failed logins for one account within 5 minutes (password guessing).',
    kind: 'threshold',
    source: 'security',
    filter: [
      { field: 'event_type', op: '=', value: 'LOGIN_FAILED' },
      { field: 'user_id', op: '!=', value: '' },
    ],
    groupBy: ['user_id'],
    window: '5m',
    threshold: 10,
    severity: 3,
    mitre: { tactic: 'TA0006', technique: 'T1110.001' },
    eventType: 'BRUTE_FORCE',
    summary: '{count} failed logins for account {user_id} within {window}',
  },
  {
    id: 'builtin.failed-logins-hourly',
    name: 'Failed logins per hour (source threshold)',
    description:
      'More than 50 failed logins in one hour across the tenant (the source guide: FAILED_LOGIN_THRESHOLD = 50 per hour).',
    kind: 'threshold',
    source: 'security',
    filter: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
    groupBy: [],
    window: '1h',
    threshold: 50,
    severity: 3,
    ...detection('BRUTE_FORCE'),
    summary: '{count} failed logins within {window}',
  },
  {
    id: 'builtin.high-risk-burst',
    name: 'High-risk operations per hour (source threshold)',
    description:
      'More than 20 high-risk (risk level ≥ 3) records in one hour across the tenant (the source guide: HIGH_RISK_THRESHOLD = 20 per hour).',
    kind: 'threshold',
    source: '*',
    filter: [
      { field: 'risk_level', op: 'range', min: 3 },
      { field: 'service', op: '!=', value: 'auditlens-exporter' },
    ],
    groupBy: [],
    window: '1h',
    threshold: 20,
    severity: 2,
    ...detection('HIGH_RISK_BURST'),
    summary: '{count} high-risk operations within {window}',
  },
  {
    id: 'builtin.account-takeover',
    name: 'Account takeover: failures then a success',
    description:
      'At least 5 failed logins followed by a successful login for the same account within 10 minutes.',
    kind: 'sequence',
    source: 'security',
    filter: [
      { field: 'event_type', op: 'in', values: ['LOGIN_FAILED', 'LOGIN_SUCCESS'] },
      { field: 'user_id', op: '!=', value: '' },
    ],
    groupBy: ['user_id'],
    window: '10m',
    sequence: {
      first: [{ field: 'event_type', op: '=', value: 'LOGIN_FAILED' }],
      minCount: 5,
      then: [{ field: 'event_type', op: '=', value: 'LOGIN_SUCCESS' }],
    },
    severity: 4,
    ...detection('ACCOUNT_TAKEOVER'),
    summary: 'successful login for {user_id} after repeated failed logins ({count} records within {window})',
  },
  {
    id: 'builtin.privilege-change',
    name: 'Privilege change',
    description: 'An administrative operation on roles, permissions or privileges.',
    kind: 'match',
    source: 'admin',
    filter: [
      {
        anyOf: [
          {
            field: 'target_type',
            op: 'in',
            values: [
              'role',
              'roles',
              'permission',
              'permissions',
              'privilege',
              'user_role',
              'group_membership',
            ],
          },
          {
            field: 'operation_name',
            op: 'regex',
            pattern: '(?i)(role|permission|privilege|grant|revoke|sudo)',
          },
        ],
      },
    ],
    groupBy: ['user_id', 'target_id'],
    window: '15m',
    severity: 3,
    ...detection('PRIVILEGE_CHANGE'),
    summary: 'privilege change by {user_id} on {target_id}',
  },
  {
    id: 'builtin.sensitive-change',
    name: 'Sensitive field changed',
    description: 'A change to a field marked sensitive (credentials, identity numbers, contact data…).',
    kind: 'match',
    source: 'field_change',
    filter: [{ field: 'is_sensitive', op: '=', value: true }],
    groupBy: ['user_id', 'db_table', 'field_name'],
    window: '15m',
    severity: 2,
    ...detection('SENSITIVE_DATA_CHANGE'),
    summary: '{user_id} changed sensitive field {db_table}.{field_name}',
  },
  {
    id: 'builtin.mass-export',
    name: 'Mass export by one user',
    description: 'More than 20 export requests by one user within an hour (possible exfiltration).',
    kind: 'threshold',
    source: 'request',
    filter: [
      { field: 'operation_name', op: 'in', values: ['export', 'EXPORT', 'data_export', 'DATA_EXPORT'] },
      { field: 'user_id', op: '!=', value: '' },
    ],
    groupBy: ['user_id'],
    window: '1h',
    threshold: 20,
    severity: 3,
    ...detection('MASS_EXPORT'),
    summary: '{count} exports by {user_id} within {window}',
  },
  {
    id: 'builtin.ai-spend',
    name: 'Unusual AI / API spend by one user',
    description:
      "The cost of one user's AI / API calls exceeds 50 (in the currency the calls report, each currency apart) within an hour: a runaway agent, a leaked key or abuse of paid models. Set the threshold to your own spend.",
    kind: 'threshold',
    source: 'request',
    sum: 'usage_cost',
    filter: [{ field: 'usage_currency', op: '!=', value: '' }],
    groupBy: ['user_id', 'usage_currency'],
    window: '1h',
    threshold: 50,
    severity: 3,
    ...detection('UNUSUAL_SPEND'),
    summary: '{sum} {usage_currency} of AI / API calls by {user_id} within {window} ({count} calls)',
  },
  {
    id: 'builtin.off-hours-admin',
    name: 'Administrative operation outside business hours',
    description:
      'An admin operation outside Monday–Friday 08:00–20:00 (time zone UTC: edit the rule for your own zone and hours).',
    kind: 'match',
    source: 'admin',
    filter: [],
    schedule: { timezone: 'UTC', weekdays: [1, 2, 3, 4, 5], from: '08:00', to: '20:00', match: 'outside' },
    groupBy: ['user_id'],
    window: '30m',
    severity: 2,
    ...detection('OFF_HOURS_ADMIN'),
    summary: 'admin operation by {user_id} outside business hours',
  },
  {
    id: 'builtin.new-admin-ip',
    name: 'Admin login from a new IP',
    description:
      'The first successful login of an administrator from an IP not seen for that account in 30 days.',
    kind: 'new_value',
    source: 'security',
    filter: [
      { field: 'event_type', op: '=', value: 'LOGIN_SUCCESS' },
      {
        field: 'user_roles',
        op: 'in',
        values: ['admin', 'administrator', 'superuser', 'root', 'audit-admin'],
      },
      { field: 'user_id', op: '!=', value: '' },
    ],
    groupBy: ['user_id'],
    window: '30m',
    newValue: { fields: ['ip_address'], lookback: '30d', requireHistory: true },
    severity: 3,
    ...detection('NEW_ADMIN_IP'),
    summary: 'admin {user_id} logged in from new IP {ip_address}',
  },
  {
    id: 'builtin.integrity-violation',
    name: 'Audit records tampered with',
    description:
      'The scheduled integrity verification found rows altered, removed or inserted out of band, or a broken checkpoint chain.',
    kind: 'match',
    source: 'security',
    filter: [
      { field: 'event_type', op: '=', value: INTEGRITY_VIOLATION },
      { field: 'detection_method', op: '=', value: 'scheduled-verification' },
    ],
    groupBy: ['target_resource'],
    window: '1h',
    severity: 4,
    ...detection('AUDIT_TAMPERING'),
    summary: 'integrity verification failed for {target_resource}',
  },
  {
    id: 'builtin.storage-exhaustion',
    name: 'Audit storage running out',
    description:
      "The audit store's disk is nearly full, or fills within days at the current growth (AUDITLENS_STORAGE_ALERT_PERCENT, AUDITLENS_STORAGE_ALERT_DAYS): when it is full, audit records are refused (GB/T 22239-2019 8.1.4.3 c; PCI DSS v4.0 10.7.2).",
    kind: 'match',
    source: 'security',
    filter: [
      { field: 'event_type', op: '=', value: STORAGE_EXHAUSTION },
      { field: 'detection_method', op: '=', value: STORAGE_DETECTION },
    ],
    groupBy: ['target_resource'],
    window: '6h',
    severity: 3,
    ...detection('AUDIT_STORAGE_EXHAUSTION'),
    summary: 'audit storage running out: {target_resource}',
  },
  {
    id: 'builtin.pipeline-silence',
    name: 'Audit pipeline silence',
    description:
      'A service that was sending audit records has sent none for 15 minutes: the audit process itself may have failed (GB/T 22239-2019 8.1.4.3 d; PCI DSS v4.0 10.7.2).',
    kind: 'silence',
    source: '*',
    filter: [
      { field: 'service', op: '!=', value: '' },
      { field: 'service', op: 'not_in', values: ['auditlens-exporter', 'auditlens-alerts'] },
    ],
    groupBy: ['service'],
    window: '15m',
    silence: { forgetAfter: '24h' },
    severity: 3,
    ...detection('AUDIT_PIPELINE_SILENCE'),
    summary: 'no audit records from {service} for {window}',
  },
];

/** The built-in rules, validated (a broken built-in fails loudly at start, and in tests). */
export const BUILTIN_RULES: readonly AlertRule[] = PACK.map((rule) => parseRule(rule));
export const BUILTIN_IDS: ReadonlySet<string> = new Set(BUILTIN_RULES.map((r) => r.id));
