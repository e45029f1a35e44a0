import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { useEffect, useMemo, useState } from 'react';

import type { Evidence, Finding } from '../api/behaviourSchemas';
import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, ROUTES } from '../constants';
import { draftFromRule } from '../features/alert-rules/ruleDraft';
import { RuleForm } from '../features/alert-rules/RuleForm';
import { useRulesChanged } from '../features/alert-rules/useAlertRules';
import { traceColumn } from '../features/behaviour/traceColumn';
import { UserLink } from '../features/behaviour/UserLink';
import { useSuspicious } from '../features/behaviour/useBehaviour';
import { appUrl } from '../features/links/links';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/scope/ScopeContext';
import { RiskBadge } from '../features/search/Badges';
import { formatIp } from '../features/search/format';
import { parseApiTime } from '../features/time/time';
import { useUrlParams } from '../features/url/useUrlParams';

/** The records a finding rests on: each opens in Explore, and its trace in the trace view. */
function EvidenceTable({ finding }: { finding: Finding }) {
  const [params] = useUrlParams();
  const columns = useMemo<Array<Column<Evidence>>>(
    () => [
      { name: 'Time', type: 'time', value: (e) => parseApiTime(e.event_time), width: 190 },
      { name: 'Kind', value: (e) => e.kind, width: 110 },
      {
        name: 'Record',
        value: (e) => e.summary,
        cell: (e) => (
          <TextLink
            href={appUrl(ROUTES.Explore, params, { record: `${e.kind}:${e.event_id}` })}
            inline={false}
          >
            {e.summary || e.event_id}
          </TextLink>
        ),
      },
      { name: 'IP', value: (e) => formatIp(e.ip_address), width: 170 },
      traceColumn(params),
    ],
    [params],
  );
  return (
    <DataTable
      ariaLabel={`Evidence of ${finding.name}`}
      rows={finding.evidence}
      columns={columns}
      maxHeight={320}
    />
  );
}

/** The list's filters, from the URL. */
const filtersOf = (params: URLSearchParams) => ({
  user: params.get('user') ?? '',
  minScore: params.get('minScore') ?? '',
});

function SuspiciousBody() {
  const styles = useStyles2(getStyles);
  const { tenant } = useScope();
  const [params, update] = useUrlParams();
  const filters = filtersOf(params);
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filtersOf(params)), [params]);
  const list = useSuspicious(filters);
  const opened = params.get('finding');
  const [ruleFrom, setRuleFrom] = useState<Finding | undefined>();
  const [saved, setSaved] = useState<string | undefined>();
  const changed = useRulesChanged();
  const canWrite = hasPermission(ACTIONS.rulesWrite);
  const columns = useMemo<Array<Column<Finding>>>(
    () => [
      { name: 'Score', type: 'number', value: (f) => f.score, gauge: true, width: 130 },
      {
        name: 'Detection',
        value: (f) => f.name,
        cell: (f) => (
          <TextLink
            href={appUrl(ROUTES.SuspiciousActivity, params, { ...filtersOf(params), finding: f.id })}
            inline={false}
          >
            {f.name}
          </TextLink>
        ),
        width: 260,
      },
      { name: 'User', value: (f) => f.userId, cell: (f) => <UserLink userId={f.userId} />, width: 150 },
      { name: 'What', value: (f) => f.summary },
      {
        name: 'Severity',
        type: 'number',
        value: (f) => f.severity,
        cell: (f) => <RiskBadge level={f.severity} />,
        width: 100,
      },
      {
        name: 'MITRE',
        value: (f) => [f.mitre.tactic, f.mitre.technique].filter(Boolean).join(' / '),
        width: 140,
      },
      { name: 'Records', type: 'number', value: (f) => f.count, width: 90 },
      { name: 'Last', type: 'time', value: (f) => parseApiTime(f.lastSeen), width: 190 },
    ],
    [params],
  );
  return (
    <>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          update({ user: draft.user.trim(), minScore: draft.minScore.trim(), finding: undefined });
        }}
      >
        <Stack gap={2} alignItems="flex-end">
          <Field label="User id">
            <Input
              id="suspicious-user"
              value={draft.user}
              width={28}
              onChange={(e) => setDraft({ ...draft, user: e.currentTarget.value })}
            />
          </Field>
          <Field label="Minimum score">
            <Input
              id="suspicious-min-score"
              type="number"
              min={0}
              max={100}
              value={draft.minScore}
              width={16}
              onChange={(e) => setDraft({ ...draft, minScore: e.currentTarget.value })}
            />
          </Field>
          <Field label="">
            <Button type="submit" icon="search">
              Apply
            </Button>
          </Field>
        </Stack>
      </form>
      {saved && (
        <Alert severity="success" title="Alert rule created" onRemove={() => setSaved(undefined)}>
          <TextLink href={appUrl(ROUTES.AlertRules, params, { rule: saved })} inline={false}>
            {saved}
          </TextLink>{' '}
          now watches for this as records arrive.
        </Alert>
      )}
      <QueryState
        state={list}
        what="Suspicious activity"
        isEmpty={(answer) => answer.findings.length === 0}
        emptyMessage="Nothing suspicious in this period"
      >
        {(answer) => {
          const finding = answer.findings.find((f) => f.id === opened);
          return (
            <>
              <DataTable
                ariaLabel="Suspicious activity"
                rows={answer.findings}
                columns={columns}
                maxHeight={480}
              />
              {finding && (
                <section className={styles.section} data-testid="finding-detail">
                  <Stack justifyContent="space-between" alignItems="center">
                    <Text element="h3">
                      {finding.name}: {finding.summary}
                    </Text>
                    {canWrite && (
                      <Button icon="bell" onClick={() => setRuleFrom(finding)}>
                        Turn into alert rule
                      </Button>
                    )}
                  </Stack>
                  <Text color="secondary">
                    Score {finding.score} · {finding.count} records from {finding.firstSeen} to{' '}
                    {finding.lastSeen}
                    {finding.mitre.technique ? ` · MITRE ATT&CK ${finding.mitre.technique}` : ''}
                  </Text>
                  <EvidenceTable finding={finding} />
                </section>
              )}
            </>
          );
        }}
      </QueryState>
      {ruleFrom && (
        <RuleForm
          tenant={tenant}
          isNew
          initial={draftFromRule(ruleFrom.rule)}
          onClose={() => setRuleFrom(undefined)}
          onSaved={() => {
            setSaved(ruleFrom.rule.id);
            setRuleFrom(undefined);
            void changed();
          }}
        />
      )}
    </>
  );
}

export default function SuspiciousActivity() {
  return (
    <AppPage action={ACTIONS.read}>
      <SuspiciousBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginTop: theme.spacing(2) }),
});
