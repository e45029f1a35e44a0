import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Field,
  Input,
  Select,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import React, { useMemo, useState } from 'react';

import { SECURITY_EVENT_STATUSES, type SecurityEventDetail as Detail } from '../../api/alertSchemas';
import { ApiErrorView } from '../../components/QueryState/QueryState';
import { DataTable, type Column } from '../../components/Table/DataTable';
import { ACTIONS } from '../../constants';
import { hasPermission } from '../permissions/permissions';
import { useScope } from '../scope/ScopeContext';
import { formatIp, formatValue, riskLabel } from '../search/format';
import { formatApiTime } from '../time/time';
import { useChangeStatus } from './useSecurityEvents';

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

function TriageForm({ event, tenant }: { event: Detail; tenant: string }) {
  const user = config.bootData?.user;
  const [status, setStatus] = useState(event.status === 'PENDING' ? 'INVESTIGATING' : event.status);
  const [handler, setHandler] = useState(event.handler || user?.login || '');
  const [result, setResult] = useState('');
  const [falsePositive, setFalsePositive] = useState(Boolean(event.falsePositive));
  const change = useChangeStatus(tenant, event.event_id);
  const needsResult = ['HANDLED', 'FALSE_POSITIVE', 'IGNORED'].includes(status) && !result.trim();
  const saving = change.isPending;

  const save = () =>
    change.mutate(
      {
        status,
        handler: handler.trim() || undefined,
        result: result.trim(),
        falsePositive: falsePositive || status === 'FALSE_POSITIVE',
      },
      { onSuccess: () => setResult('') },
    );

  return (
    <form
      aria-label="Triage"
      onSubmit={(e) => {
        e.preventDefault();
        save();
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
      {change.error && <ApiErrorView error={change.error} what="Status change" />}
      <Button type="submit" disabled={saving || needsResult} icon={saving ? 'spinner' : 'save'}>
        Append status
      </Button>
    </form>
  );
}

type Property = { field: string; value: string };

const COLUMNS: Array<Column<Property>> = [
  { name: 'Field', value: (p) => p.field, width: 180 },
  { name: 'Value', value: (p) => p.value, inspect: true },
];

/** One security event: every field, the status history (append-only), and the triage form for admins. */
export function SecurityEventDetail({ event, tenant }: { event: Detail; tenant: string }) {
  const styles = useStyles2(getStyles);
  const { timeZone } = useScope();
  const canTriage = hasPermission(ACTIONS.triage);
  const properties = useMemo(
    () =>
      DETAIL_FIELDS.filter((f) => event[f] !== undefined && event[f] !== '').map((field) => ({
        field,
        value:
          field === 'ip_address'
            ? formatIp(String(event[field]))
            : field === 'risk_level'
              ? riskLabel(Number(event[field]))
              : field === 'event_time'
                ? formatApiTime(String(event[field]), timeZone)
                : formatValue(event[field]),
      })),
    [event, timeZone],
  );
  return (
    <>
      <div className={styles.status}>
        <Badge color={STATUS_COLORS[event.status] ?? 'blue'} text={event.status} />
        {event.falsePositive && <Badge color="purple" text="false positive" />}
        {event.handler && <Text color="secondary">handler: {event.handler}</Text>}
      </div>
      <DataTable ariaLabel="Security event detail" rows={properties} columns={COLUMNS} maxHeight={2000} />
      <Text element="h4">Status history</Text>
      {event.history.length === 0 ? (
        <Text color="secondary">Not triaged yet (PENDING).</Text>
      ) : (
        <ol className={styles.history} aria-label="Status history">
          {event.history.map((h, i) => (
            <li key={i}>
              <Badge color={STATUS_COLORS[h.status] ?? 'blue'} text={h.status} />{' '}
              {formatApiTime(h.changedAt, timeZone)} by {h.changedBy || h.handler}{' '}
              {h.falsePositive ? '(false positive)' : ''}
              {h.result && <div className={styles.result}>{h.result}</div>}
            </li>
          ))}
        </ol>
      )}
      <Text element="h4">Triage</Text>
      {canTriage ? (
        <TriageForm key={event.history.length} event={event} tenant={tenant} />
      ) : (
        <Alert severity="info" title="Read only">
          Triage needs the AuditLens Admin role ({ACTIONS.triage}).
        </Alert>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  status: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    marginBottom: theme.spacing(2),
  }),
  history: css({
    paddingLeft: theme.spacing(2),
    marginBottom: theme.spacing(2),
    li: { marginBottom: theme.spacing(1) },
  }),
  result: css({ color: theme.colors.text.secondary, whiteSpace: 'pre-wrap' }),
});
