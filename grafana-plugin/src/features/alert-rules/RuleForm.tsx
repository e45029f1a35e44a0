import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import {
  Alert,
  Button,
  Drawer,
  Field,
  Input,
  Select,
  Stack,
  Switch,
  Text,
  TextArea,
  useStyles2,
} from '@grafana/ui';
import React, { useState } from 'react';

import { RULE_KINDS, type DryRun } from '../../api/alertSchemas';
import { KINDS } from '../../api/schemas';
import { ApiErrorView } from '../../components/QueryState/QueryState';
import { emptyDraft, ruleFromDraft, validateDraft, type RuleDraft } from './ruleDraft';
import { createRule, testRule, updateRule, useContactPoints } from './useAlertRules';
import { DataTable, type Column } from '../../components/Table/DataTable';
import { useScope } from '../scope/ScopeContext';
import { formatApiTime, parseApiTime } from '../time/time';

const SEVERITIES = [
  { label: '1 low', value: 1 },
  { label: '2 medium', value: 2 },
  { label: '3 high', value: 3 },
  { label: '4 critical', value: 4 },
];

type DryRunInstance = DryRun['instances'][number];

const DRY_RUN_COLUMNS: Array<Column<DryRunInstance>> = [
  { name: 'Fired', type: 'time', value: (i) => parseApiTime(i.firedAt), width: 180 },
  { name: 'Group', value: (i) => i.groupKey, width: 220 },
  { name: 'Matches', type: 'number', value: (i) => Number(i.matchCount), width: 90 },
  { name: 'Summary', value: (i) => i.summary },
];

function DryRunResult({ result }: { result: DryRun }) {
  const { timeZone } = useScope();
  return (
    <div aria-label="Dry run result" role="region">
      <Text>
        {result.instances.length} incident(s) from {Number(result.rowsScanned).toLocaleString('en-US')}{' '}
        records between {formatApiTime(result.from, timeZone)} and {formatApiTime(result.to, timeZone)}
        {result.truncated ? ' (scan truncated)' : ''}
      </Text>
      {result.instances.length > 0 && (
        <DataTable
          ariaLabel="Dry run incidents"
          rows={result.instances}
          columns={DRY_RUN_COLUMNS}
          maxHeight={300}
        />
      )}
    </div>
  );
}

/** Create or edit an alert rule: validated as typed, dry-run on stored data, saved through the admin route. */
export function RuleForm({
  tenant,
  initial,
  isNew,
  onClose,
  onSaved,
}: {
  tenant: string;
  initial?: RuleDraft;
  isNew: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<RuleDraft>(initial ?? emptyDraft(tenant));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState<'save' | 'test' | undefined>();
  const [error, setError] = useState<unknown>();
  const [dryRun, setDryRun] = useState<DryRun | undefined>();
  const contactPoints = useContactPoints();
  const problems = validateDraft(draft);
  const valid = Object.keys(problems).length === 0;
  const show = (key: keyof RuleDraft) =>
    touched || draft[key] !== (initial ?? emptyDraft(tenant))[key] ? problems[key] : undefined;
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) =>
    setDraft({ ...draft, [key]: value });
  const text = (
    key: keyof RuleDraft,
    label: string,
    props: { placeholder?: string; disabled?: boolean; description?: string } = {},
  ) => (
    <Field label={label} description={props.description} invalid={Boolean(show(key))} error={show(key)}>
      <Input
        id={`rule-${key}`}
        value={String(draft[key])}
        placeholder={props.placeholder}
        disabled={props.disabled}
        onChange={(e) => set(key, e.currentTarget.value as never)}
      />
    </Field>
  );

  const run = async (what: 'save' | 'test') => {
    setTouched(true);
    if (!valid) return;
    setBusy(what);
    setError(undefined);
    try {
      const rule = ruleFromDraft(draft);
      if (what === 'test') setDryRun(await testRule(tenant, rule, 24));
      else {
        await (isNew ? createRule(rule) : updateRule(rule));
        onSaved();
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(undefined);
    }
  };

  const contactOptions: SelectableValue<string>[] = [
    { label: 'Notification policies decide', value: '' },
    ...(contactPoints.data ?? []).map((name) => ({ label: name, value: name })),
  ];
  if (draft.contactPoint && !contactPoints.data?.includes(draft.contactPoint)) {
    contactOptions.push({ label: draft.contactPoint, value: draft.contactPoint });
  }

  return (
    <Drawer title={isNew ? 'New alert rule' : `Edit ${draft.name}`} onClose={onClose} size="md">
      <form
        aria-label="Alert rule"
        onSubmit={(e) => {
          e.preventDefault();
          void run('save');
        }}
      >
        {text('id', 'Id', { disabled: !isNew, placeholder: 'brute-force-vpn' })}
        {text('name', 'Name')}
        {text('description', 'Description')}
        <div className={styles.row}>
          <Field label="Kind">
            <Select
              inputId="rule-kind"
              aria-label="Kind"
              options={RULE_KINDS.map((k) => ({ label: k, value: k }))}
              value={draft.kind}
              onChange={(o) => set('kind', o?.value ?? 'threshold')}
            />
          </Field>
          <Field label="Source">
            <Select
              inputId="rule-source"
              aria-label="Source"
              options={[
                { label: 'every kind (*)', value: '*' },
                ...KINDS.map((k) => ({ label: k, value: k })),
              ]}
              value={draft.source}
              onChange={(o) => set('source', o?.value ?? '*')}
            />
          </Field>
          <Field label="Severity">
            <Select
              inputId="rule-severity"
              aria-label="Severity"
              options={SEVERITIES}
              value={draft.severity}
              onChange={(o) => set('severity', o?.value ?? 3)}
            />
          </Field>
        </div>
        <div className={styles.row}>
          {text('tenant', 'Tenant', { description: 'a tenant, @system, or * for every tenant' })}
          {text('window', 'Window', { placeholder: '1h' })}
          {draft.kind === 'threshold' &&
            text('threshold', 'Threshold', { description: 'fires above this count' })}
        </div>
        {text('groupBy', 'Group by', {
          placeholder: 'ip_address, user_id',
          description: 'comma-separated fields',
        })}
        <div className={styles.row}>
          {text('mitreTactic', 'MITRE tactic', { placeholder: 'TA0006' })}
          {text('mitreTechnique', 'MITRE technique', { placeholder: 'T1110' })}
          {text('eventType', 'Security event type')}
        </div>
        <Field
          label="Contact point"
          description="Grafana contact point that receives this rule's notifications"
          invalid={Boolean(contactPoints.error)}
          error={
            contactPoints.error
              ? `Grafana contact points could not be read: ${(contactPoints.error as Error).message}`
              : undefined
          }
        >
          <Select
            inputId="rule-contact-point"
            aria-label="Contact point"
            isLoading={contactPoints.isLoading}
            allowCustomValue
            options={contactOptions}
            value={draft.contactPoint}
            onChange={(o) => set('contactPoint', o?.value ?? '')}
          />
        </Field>
        {text('summary', 'Summary template', {
          placeholder: '{count} failed logins from {ip_address} in {window}',
        })}
        <Field
          label="Conditions (JSON)"
          description="filter, and per kind: sequence, newValue, silence; optional schedule, labels, cooldown"
          invalid={Boolean(show('advanced'))}
          error={show('advanced')}
        >
          <TextArea
            id="rule-advanced"
            rows={8}
            className={styles.code}
            value={draft.advanced}
            onChange={(e) => set('advanced', e.currentTarget.value)}
          />
        </Field>
        <Field label="Enabled">
          <Switch
            id="rule-enabled"
            value={draft.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
          />
        </Field>
        {touched && !valid && (
          <Alert severity="error" title="Fix the marked fields">
            {Object.entries(problems)
              .map(([k, v]) => `${k}: ${v}`)
              .join('; ')}
          </Alert>
        )}
        {error !== undefined && (
          <ApiErrorView error={error} what={busy === 'test' ? 'Dry run' : 'Alert rule'} />
        )}
        <Stack gap={1}>
          <Button type="submit" icon="save" disabled={Boolean(busy)}>
            {isNew ? 'Create rule' : 'Save rule'}
          </Button>
          <Button
            type="button"
            variant="secondary"
            icon="play"
            disabled={Boolean(busy)}
            onClick={() => void run('test')}
          >
            Dry run (last 24h)
          </Button>
          <Button type="button" variant="secondary" fill="text" onClick={onClose}>
            Cancel
          </Button>
        </Stack>
        {dryRun && <DryRunResult result={dryRun} />}
      </form>
    </Drawer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(150px, 1fr))',
    gap: theme.spacing(1),
  }),
  code: css({ fontFamily: theme.typography.fontFamilyMonospace }),
});
