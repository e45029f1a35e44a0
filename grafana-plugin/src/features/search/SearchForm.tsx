import { css } from '@emotion/css';
import type { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Button, Field, Input, MultiSelect, Select, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { KINDS, RESULTS } from '../../api/schemas';
import { EMPTY_FILTERS, type SearchFilters } from './useSearch';

const KIND_OPTIONS: SelectableValue<string>[] = KINDS.map((k) => ({ label: k, value: k }));
const RESULT_OPTIONS: SelectableValue<string>[] = [
  { label: 'any', value: '' },
  ...RESULTS.map((r) => ({ label: r, value: r })),
];
const ORDER_OPTIONS: SelectableValue<string>[] = [
  { label: 'newest first', value: '' },
  { label: 'oldest first', value: 'asc' },
];
const RISK_OPTIONS: SelectableValue<string>[] = [
  { label: 'any', value: '' },
  { label: '≥ 2 medium', value: '2' },
  { label: '≥ 3 high', value: '3' },
  { label: '4 critical', value: '4' },
];

/** Problems the exporter would reject, caught before asking it. */
export function validateFilters(f: SearchFilters): Partial<Record<keyof SearchFilters, string>> {
  const problems: Partial<Record<keyof SearchFilters, string>> = {};
  if (f.trace.trim() && !/^[0-9a-fA-F]{32}$/.test(f.trace.trim()))
    problems.trace = 'a 32-character hex trace id';
  if (f.ip.trim() && !/^[0-9a-fA-F:.]+$/.test(f.ip.trim())) problems.ip = 'an IPv4 or IPv6 address';
  if (f.resourceId.trim() && !f.resourceType.trim())
    problems.resourceType = 'the table or target type of the id';
  return problems;
}

/** Search filters; applied with the Search button (or Enter), cleared with Reset. */
export function SearchForm({
  initial,
  onSearch,
}: {
  initial: SearchFilters;
  onSearch: (f: SearchFilters) => void;
}) {
  const styles = useStyles2(getStyles);
  const [draft, setDraft] = useState<SearchFilters>(initial);
  const problems = validateFilters(draft);
  const set = (key: keyof SearchFilters) => (event: React.FormEvent<HTMLInputElement>) =>
    setDraft({ ...draft, [key]: event.currentTarget.value });
  const submit = (event?: React.FormEvent) => {
    event?.preventDefault();
    if (Object.keys(problems).length === 0) onSearch(draft);
  };
  const text = (
    key: 'user' | 'ip' | 'trace' | 'action' | 'module' | 'service' | 'text' | 'resourceType' | 'resourceId',
    label: string,
    placeholder = '',
  ) => (
    <Field label={label} invalid={Boolean(problems[key])} error={problems[key]} className={styles.field}>
      <Input id={`search-${key}`} value={draft[key]} placeholder={placeholder} onChange={set(key)} />
    </Field>
  );
  const choice = (key: 'result' | 'minRisk' | 'order', label: string, options: SelectableValue<string>[]) => (
    <Field label={label} className={styles.field}>
      <Select
        inputId={`search-${label.toLowerCase()}`}
        aria-label={label}
        options={options}
        value={draft[key]}
        onChange={(o) => setDraft({ ...draft, [key]: o?.value ?? '' })}
      />
    </Field>
  );
  return (
    <form onSubmit={submit} className={styles.form} aria-label="Search filters">
      <Field label="Kinds" className={styles.wide}>
        <MultiSelect
          inputId="search-kinds"
          aria-label="Kinds"
          placeholder="all kinds"
          options={KIND_OPTIONS}
          value={draft.kinds}
          onChange={(values) =>
            setDraft({ ...draft, kinds: values.map((v) => v.value ?? '').filter(Boolean) })
          }
        />
      </Field>
      {text('user', 'User', 'user id or name')}
      {text('ip', 'IP address', '192.0.2.10')}
      {text('action', 'Action', 'operation name')}
      {choice('result', 'Result', RESULT_OPTIONS)}
      {choice('minRisk', 'Risk', RISK_OPTIONS)}
      {text('module', 'Module')}
      {text('service', 'Service')}
      {text('trace', 'Trace id', '32 hex characters')}
      {text('text', 'Text', 'in the description')}
      {text('resourceType', 'Resource type', 'table or target type')}
      {text('resourceId', 'Resource id', 'record or target id')}
      {choice('order', 'Order', ORDER_OPTIONS)}
      <div className={styles.buttons}>
        <Button type="submit" icon="search" disabled={Object.keys(problems).length > 0}>
          Search
        </Button>
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            setDraft(EMPTY_FILTERS);
            onSearch(EMPTY_FILTERS);
          }}
        >
          Reset
        </Button>
      </div>
    </form>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  form: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(180px, 1fr))',
    columnGap: theme.spacing(1),
    alignItems: 'end',
    marginBottom: theme.spacing(1),
  }),
  field: css({ marginBottom: theme.spacing(1) }),
  wide: css({ gridColumn: 'span 2', marginBottom: theme.spacing(1) }),
  buttons: css({ display: 'flex', gap: theme.spacing(1), marginBottom: theme.spacing(1) }),
});
