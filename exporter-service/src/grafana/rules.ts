import type { AlertRule } from '../alerts/rule-model.js';
import type { GrafanaSettings } from './settings.js';

/**
 * Grafana-managed alert rules for AuditLens rules (DESIGN §7). Grafana's Alertmanager accepts no
 * pushed alerts, so each AuditLens rule becomes a Grafana rule whose ClickHouse query returns the
 * rule's firing instances from audit_alert_state, one labelled row per instance; Grafana then
 * notifies the rule's contact point and groups, repeats, silences and resolves as usual.
 * Shapes follow Grafana's provisioning API (ProvisionedAlertRule, AlertQuery,
 * AlertRuleNotificationSettings in pkg/services/ngalert/api/tooling/definitions).
 */

export const CLICKHOUSE_DATASOURCE_TYPE = 'grafana-clickhouse-datasource';
export const APP_ALERTS_PATH = '/a/auditlens-audit-app/alerts';
/** Label on every rule this module manages (sync deletes only rules carrying it). */
export const MANAGED_LABEL = 'auditlens_managed';

export interface RelativeTimeRange {
  from: number;
  to: number;
}

export interface AlertQuery {
  refId: string;
  queryType: string;
  relativeTimeRange: RelativeTimeRange;
  datasourceUid: string;
  model: Record<string, unknown>;
}

export interface NotificationSettings {
  receiver: string;
  group_by?: string[];
}

/** The body of POST/PUT /api/v1/provisioning/alert-rules. */
export interface ProvisionedAlertRule {
  uid: string;
  orgID: number;
  folderUID: string;
  ruleGroup: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'OK' | 'Error' | 'Alerting';
  for: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
  notification_settings?: NotificationSettings | null;
}

/** FNV-1a 32-bit (no node:crypto, so this module also runs in the Grafana app in a browser). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Grafana rule uid for an AuditLens rule id: [a-zA-Z0-9-_], at most 40 characters, stable. */
export function grafanaRuleUid(ruleId: string): string {
  const readable = `auditlens-${ruleId.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
  if (readable.length <= 40) return readable;
  const hash = fnv1a(ruleId).toString(16).padStart(8, '0');
  return `${readable.slice(0, 31)}-${hash}`;
}

/** A Grafana/Prometheus label name for a rule field. */
export function labelName(field: string): string {
  const name = field.replace(/^attributes\./, 'attr_').replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[a-zA-Z_]/.test(name) ? name : `_${name}`;
}

const sqlString = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const identifier = (name: string): string => `\`${name.replace(/`/g, '')}\``;

/** Labels every instance row carries (besides one per group field). */
export const INSTANCE_LABELS = [
  'tenant',
  'auditlens_rule',
  'rule_name',
  'group_key',
  'severity',
  'mitre_tactic',
  'mitre_technique',
  'incident_id',
] as const;

/**
 * The SQL of a rule's Grafana query: its firing instances, one row per instance, string columns
 * as labels and `matches` as the value. `$__toTime_ms` is the ClickHouse data source macro for
 * the end of the evaluation range (fromUnixTimestamp64Milli(…)): an instance fired after the
 * evaluated instant is not yet counted.
 */
export function firingInstancesSql(rule: AlertRule, database: string): string {
  const groupColumns = rule.groupBy
    .concat(rule.kind === 'new_value' ? rule.newValue.fields : [])
    .map((field) => `  group_labels[${sqlString(field)}] AS ${identifier(labelName(field))},`);
  return [
    'SELECT',
    '  tenant_id AS tenant,',
    '  rule_id AS auditlens_rule,',
    '  rule_name,',
    '  group_key,',
    '  toString(severity) AS severity,',
    '  mitre_tactic,',
    '  mitre_technique,',
    '  toString(security_event_id) AS incident_id,',
    ...groupColumns,
    '  toFloat64(greatest(match_count, 1)) AS matches',
    `FROM ${database}.audit_alert_state FINAL`,
    `WHERE rule_id = ${sqlString(rule.id)} AND state = 'firing' AND fired_at <= $__toTime_ms`,
  ].join('\n');
}

function appLink(rule: AlertRule, settings: GrafanaSettings): string {
  const base = settings.publicUrl ?? '';
  return `${base}${APP_ALERTS_PATH}?rule=${encodeURIComponent(rule.id)}&tenant={{ $labels.tenant }}&incident={{ $labels.incident_id }}`;
}

const SEVERITY = ['', 'low', 'medium', 'high', 'critical'];

/**
 * The Grafana-managed rule of an AuditLens rule. `receiver` overrides the rule's contact point;
 * with neither, no notification_settings are set and Grafana's notification policies route it.
 */
export function grafanaRulePayload(
  rule: AlertRule,
  settings: GrafanaSettings,
  options: { receiver?: string | undefined } = {},
): ProvisionedAlertRule {
  const receiver = options.receiver ?? rule.contactPoint;
  const payload: ProvisionedAlertRule = {
    uid: grafanaRuleUid(rule.id),
    orgID: 1,
    folderUID: settings.folderUid,
    ruleGroup: settings.ruleGroup,
    title: `AuditLens: ${rule.name}`.slice(0, 190),
    condition: 'B',
    data: [
      {
        refId: 'A',
        queryType: 'table',
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: settings.datasourceUid,
        model: {
          refId: 'A',
          datasource: { type: CLICKHOUSE_DATASOURCE_TYPE, uid: settings.datasourceUid },
          editorType: 'sql',
          queryType: 'table',
          format: 1,
          rawSql: firingInstancesSql(rule, settings.database),
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      {
        refId: 'B',
        queryType: '',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: {
          refId: 'B',
          type: 'threshold',
          expression: 'A',
          datasource: { type: '__expr__', uid: '__expr__' },
          conditions: [
            {
              type: 'query',
              evaluator: { type: 'gt', params: [0] },
              operator: { type: 'and' },
              query: { params: ['B'] },
              reducer: { type: 'last', params: [] },
            },
          ],
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
    ],
    noDataState: 'OK',
    execErrState: 'Error',
    for: '0s',
    annotations: {
      summary: `${rule.name}: {{ $labels.group_key }} ({{ $labels.tenant }})`,
      description: rule.description || rule.name,
      auditlens_url: appLink(rule, settings),
    },
    labels: {
      ...rule.labels,
      [MANAGED_LABEL]: 'true',
      auditlens_rule_id: rule.id,
      auditlens_severity: SEVERITY[rule.severity] ?? String(rule.severity),
    },
    isPaused: !rule.enabled,
  };
  if (receiver) payload.notification_settings = { receiver };
  return payload;
}
