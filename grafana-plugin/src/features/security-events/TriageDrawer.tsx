import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Drawer,
  Field,
  Input,
  Select,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import React, { useState } from 'react';

import { SECURITY_EVENT_STATUSES, type SecurityEventDetail } from '../../api/alertSchemas';
import { ApiErrorView, QueryState } from '../../components/QueryState/QueryState';
import { ACTIONS } from '../../constants';
import { hasPermission } from '../permissions/permissions';
import { formatIp, formatValue, riskLabel } from '../search/format';
import { changeStatus, useSecurityEvent } from './useSecurityEvents';

export const STATUS_COLORS: Record<string, 'blue' | 'orange' | 'green' | 'red' | 'purple'> = {
  PENDING: 'orange',
  INVESTIGATING: 'blue',
  HANDLED: 'green',
  ESCALATED: 'red',
  FALSE_POSITIVE: 'purple',
  IGNORED: 'purple',
};

const DETAIL_FIELDS = [
  'event_time',
  'event_type',
  'username',
  'user_id',
  'ip_address',
  'risk_level',
  'threat_type',
  'attack_vector',
  'mitre_tactic',
  'mitre_technique',
  'detection_method',
  'rule_name',
  'target_resource',
  'related_events',
  'trace_id',
  'description',
] as const;

function TriageForm({
  event,
  tenant,
  onSaved,
}: {
  event: SecurityEventDetail;
  tenant: string;
  onSaved: () => void;
}) {
  const user = config.bootData?.user;
  const [status, setStatus] = useState(event.status === 'PENDING' ? 'INVESTIGATING' : event.status);
  const [handler, setHandler] = useState(event.handler || user?.login || '');
  const [result, setResult] = useState('');
  const [falsePositive, setFalsePositive] = useState(Boolean(event.falsePositive));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();
  const needsResult = ['HANDLED', 'FALSE_POSITIVE', 'IGNORED'].includes(status) && !result.trim();

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await changeStatus(tenant, event.event_id, {
        status,
        handler: handler.trim() || undefined,
        result: result.trim(),
        falsePositive: falsePositive || status === 'FALSE_POSITIVE',
      });
      setResult('');
      onSaved();
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      aria-label="Triage"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <Field label="Status">
        <Select
          inputId="triage-status"
          aria-label="New status"
          options={SECURITY_EVENT_STATUSES.map((s) => ({ label: s, value: s }))}
          value={status}
          onChange={(o) => setStatus(o?.value ?? status)}
        />
      </Field>
      <Field label="Handler">
        <Input id="triage-handler" value={handler} onChange={(e) => setHandler(e.currentTarget.value)} />
      </Field>
      <Field
        label="Result"
        description="What was found and done; required to close an event"
        invalid={needsResult}
        error={needsResult ? 'Describe the outcome before closing the event' : undefined}
      >
        <TextArea
          id="triage-result"
          rows={3}
          value={result}
          onChange={(e) => setResult(e.currentTarget.value)}
        />
      </Field>
      <Field>
        <Checkbox
          label="False positive"
          value={falsePositive || status === 'FALSE_POSITIVE'}
          onChange={(e) => setFalsePositive(e.currentTarget.checked)}
        />
      </Field>
      {error !== undefined && <ApiErrorView error={error} what="Status change" />}
      <Button type="submit" disabled={saving || needsResult} icon={saving ? 'spinner' : 'save'}>
        Append status
      </Button>
    </form>
  );
}

/** One security event: every field, the status history (append-only), and the triage form for admins. */
export function TriageDrawer({
  tenant,
  eventId,
  onClose,
  onChanged,
}: {
  tenant: string;
  eventId: string;
  onClose: () => void;
  onChanged: () => void;
}) {
  const styles = useStyles2(getStyles);
  const [tick, setTick] = useState(0);
  const event = useSecurityEvent(tenant, eventId, tick);
  const canTriage = hasPermission(ACTIONS.triage);
  return (
    <Drawer title={`Security event ${eventId}`} onClose={onClose} size="md">
      <QueryState state={event} what="Security event">
        {(e) => (
          <>
            <div className={styles.status}>
              <Badge color={STATUS_COLORS[e.status] ?? 'blue'} text={e.status} />
              {e.falsePositive && <Badge color="purple" text="false positive" />}
              {e.handler && <Text color="secondary">handler: {e.handler}</Text>}
            </div>
            <table className={styles.table} aria-label="Security event detail">
              <tbody>
                {DETAIL_FIELDS.filter((f) => e[f] !== undefined && e[f] !== '').map((field) => (
                  <tr key={field}>
                    <th>{field}</th>
                    <td>
                      {field === 'ip_address'
                        ? formatIp(String(e[field]))
                        : field === 'risk_level'
                          ? riskLabel(Number(e[field]))
                          : formatValue(e[field])}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Text element="h4">Status history</Text>
            {e.history.length === 0 ? (
              <Text color="secondary">Not triaged yet (PENDING).</Text>
            ) : (
              <ol className={styles.history} aria-label="Status history">
                {e.history.map((h, i) => (
                  <li key={i}>
                    <Badge color={STATUS_COLORS[h.status] ?? 'blue'} text={h.status} /> {h.changedAt} by{' '}
                    {h.changedBy || h.handler} {h.falsePositive ? '(false positive)' : ''}
                    {h.result && <div className={styles.result}>{h.result}</div>}
                  </li>
                ))}
              </ol>
            )}
            <Text element="h4">Triage</Text>
            {canTriage ? (
              <TriageForm
                event={e}
                tenant={tenant}
                onSaved={() => {
                  setTick((t) => t + 1);
                  onChanged();
                }}
              />
            ) : (
              <Alert severity="info" title="Read only">
                Triage needs the AuditLens Admin role ({ACTIONS.triage}).
              </Alert>
            )}
          </>
        )}
      </QueryState>
    </Drawer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  status: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    marginBottom: theme.spacing(2),
  }),
  table: css({
    width: '100%',
    marginBottom: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
    th: {
      textAlign: 'left',
      color: theme.colors.text.secondary,
      paddingRight: theme.spacing(2),
      verticalAlign: 'top',
    },
    td: { borderBottom: `1px solid ${theme.colors.border.weak}`, wordBreak: 'break-all' },
  }),
  history: css({
    paddingLeft: theme.spacing(2),
    marginBottom: theme.spacing(2),
    li: { marginBottom: theme.spacing(1) },
  }),
  result: css({ color: theme.colors.text.secondary, whiteSpace: 'pre-wrap' }),
});
