import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, ConfirmButton, Stack, Switch, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';

import type { RuleView } from '../api/alertSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS, DEFAULT_DATASOURCE_UID, ROUTES } from '../constants';
import { draftFromRule } from '../features/alert-rules/ruleDraft';
import { RuleForm } from '../features/alert-rules/RuleForm';
import {
  applyGrafanaRules,
  deleteRule,
  setRuleEnabled,
  useAlertRules,
  useGrafanaSync,
  useRulesChanged,
  type SyncState,
} from '../features/alert-rules/useAlertRules';
import { appUrl } from '../features/links/links';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/scope/ScopeContext';
import { RiskBadge } from '../features/search/Badges';
import { useAppSettings } from '../features/settings/AppSettingsContext';
import { useUrlParams } from '../features/url/useUrlParams';

const SYNC_COLORS: Record<SyncState, 'green' | 'orange' | 'red' | 'blue'> = {
  'in sync': 'green',
  differs: 'orange',
  missing: 'red',
  unknown: 'blue',
};

function AlertRulesBody() {
  const styles = useStyles2(getStyles);
  const { tenant } = useScope();
  const settings = useAppSettings();
  const [params, update] = useUrlParams();
  const highlighted = params.get('rule');
  const canWrite = hasPermission(ACTIONS.rulesWrite);
  const rules = useAlertRules(tenant);
  const sync = useGrafanaSync(tenant, settings.datasourceUid || DEFAULT_DATASOURCE_UID);
  const changed = useRulesChanged();
  const [actionError, setActionError] = useState<unknown>();
  const [syncing, setSyncing] = useState<string | undefined>();
  // The rule being edited is part of the URL (`edit=<id>`, `edit=new`), like every open drawer.
  const editing = params.get('edit');
  const setEditing = useCallback((id: string | undefined) => update({ edit: id }), [update]);

  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      setActionError(undefined);
      try {
        await work();
        await changed();
      } catch (error) {
        setActionError(error);
      }
    },
    [changed],
  );

  const syncCell = useCallback(
    (ruleId: string) => {
      if (sync.error) return <Text color="secondary">—</Text>;
      const state = sync.data?.states.get(ruleId);
      if (!state) return <Text color="secondary">{sync.isLoading ? '…' : 'not managed'}</Text>;
      return <Badge color={SYNC_COLORS[state.state]} text={state.state} />;
    },
    [sync.data, sync.error, sync.isLoading],
  );

  const columns = useMemo<Array<Column<RuleView>>>(
    () => [
      {
        name: 'Enabled',
        value: (v) => (v.rule.enabled ? 'yes' : 'no'),
        cell: (v) => (
          <Switch
            aria-label={`Enabled ${v.rule.id}`}
            value={v.rule.enabled}
            disabled={!canWrite}
            onChange={() => void act(() => setRuleEnabled(v.rule.id, !v.rule.enabled))}
          />
        ),
        width: 90,
      },
      {
        name: 'Rule',
        value: (v) => v.rule.name,
        cell: (v) => (
          <span className={v.rule.id === highlighted ? styles.highlight : undefined} title={v.rule.id}>
            {v.rule.name}
            {v.builtIn ? ' · built in' : ''}
            {v.modified ? ' · modified' : ''}
          </span>
        ),
      },
      { name: 'Kind', value: (v) => v.rule.kind, width: 100 },
      { name: 'Source', value: (v) => v.rule.source, width: 110 },
      {
        name: 'Severity',
        type: 'number',
        value: (v) => Number(v.rule.severity),
        cell: (v) => <RiskBadge level={Number(v.rule.severity)} />,
        width: 100,
      },
      {
        name: 'Firing',
        type: 'number',
        value: (v) => Number(v.firing),
        cell: (v) => (
          <span data-testid={`firing-${v.rule.id}`}>
            {Number(v.firing) > 0 ? (
              <TextLink href={appUrl(ROUTES.SecurityEvents, params, { rule: v.rule.id })} inline={false}>
                {`${v.firing} firing`}
              </TextLink>
            ) : (
              '0'
            )}
          </span>
        ),
        width: 110,
      },
      { name: 'Contact point', value: (v) => v.rule.contactPoint || 'policies', width: 140 },
      {
        name: 'Grafana rule',
        value: (v) => sync.data?.states.get(v.rule.id)?.state ?? '',
        cell: (v) => <span data-testid={`sync-${v.rule.id}`}>{syncCell(v.rule.id)}</span>,
        width: 120,
      },
      {
        name: 'Actions',
        value: () => '',
        cell: (v) =>
          canWrite ? (
            <Stack gap={1}>
              <Button size="sm" variant="secondary" icon="pen" onClick={() => setEditing(v.rule.id)}>
                Edit
              </Button>
              {!v.builtIn && (
                <ConfirmButton
                  size="sm"
                  confirmText="Delete"
                  confirmVariant="destructive"
                  onConfirm={() => void act(() => deleteRule(v.rule.id))}
                >
                  Delete
                </ConfirmButton>
              )}
            </Stack>
          ) : null,
        width: 170,
      },
    ],
    [canWrite, highlighted, params, styles, act, setEditing, syncCell, sync.data],
  );

  const editedRule = rules.data?.find((v) => v.rule.id === editing);
  return (
    <>
      <Stack justifyContent="space-between" alignItems="center">
        <Text color="secondary">
          Rules are evaluated by the exporter as records arrive; Grafana-managed rules deliver their alerts to
          contact points.
        </Text>
        <Stack gap={1}>
          {canWrite && (
            <Button
              variant="secondary"
              icon="sync"
              disabled={!sync.data || Boolean(sync.data.grafanaError) || Boolean(syncing)}
              onClick={() => {
                const current = sync.data;
                if (!current) return;
                setSyncing('Syncing…');
                void act(() => applyGrafanaRules(current)).finally(() => setSyncing(undefined));
              }}
            >
              {syncing ?? 'Sync Grafana rules'}
            </Button>
          )}
          {canWrite && (
            <Button icon="plus" onClick={() => setEditing('new')}>
              New rule
            </Button>
          )}
        </Stack>
      </Stack>
      {sync.error && <ApiErrorView error={sync.error} what="Grafana rule sync state" />}
      {sync.data?.grafanaError !== undefined && (
        <ApiErrorView error={sync.data.grafanaError} what="Grafana's alert rules (sync state)" />
      )}
      {actionError !== undefined && <ApiErrorView error={actionError} what="Change" />}
      {!canWrite && (
        <Alert severity="info" title="Read only">
          Creating, editing, enabling and disabling rules needs the AuditLens Admin role ({ACTIONS.rulesWrite}
          ).
        </Alert>
      )}
      <QueryState
        state={rules}
        what="Alert rules"
        isEmpty={(list) => list.length === 0}
        emptyMessage="No alert rules for this tenant"
      >
        {(list) => <DataTable ariaLabel="Alert rules" rows={list} columns={columns} maxHeight={900} />}
      </QueryState>
      {canWrite && editing && (editing === 'new' || editedRule) && (
        <RuleForm
          tenant={tenant}
          isNew={editing === 'new'}
          initial={editedRule ? draftFromRule(editedRule.rule) : undefined}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            void changed();
          }}
        />
      )}
    </>
  );
}

export default function AlertRules() {
  return (
    <AppPage action={ACTIONS.read} showRange={false}>
      <AlertRulesBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  // The rule an alert notification linked to (`rule=<id>`).
  highlight: css({ color: theme.colors.primary.text, fontWeight: theme.typography.fontWeightBold }),
});
