import { onCluster, type RenderTarget } from '../schema/ddl.js';
import type { Migration } from '../schema/migrations.js';

/**
 * Schema version 2 (alerting): audit_alert_state learns the incident id (the event id of its
 * `audit.security` record), the group labels (Grafana labels per group field) and when the
 * instance fired and resolved; audit_alert_event drops a repeated insert of the same transition
 * (the deduplication token is the incident id and transition), so that two exporters reporting
 * one incident store one history row. Idempotent (IF NOT EXISTS; settings are absolute).
 */
export const ALERTING_MIGRATION: Migration = {
  version: 2,
  name: 'alerting: incident id, group labels, fired/resolved times; deduplicated alert history',
  steps: (target: RenderTarget) => {
    const cluster = onCluster(target);
    const tables = (name: string) => (target.cluster ? [`${name}_local`, name] : [name]);
    return [
      ...tables('audit_alert_state').map(
        (table) =>
          `ALTER TABLE ${target.database}.${table}${cluster}
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
    ];
  },
};
