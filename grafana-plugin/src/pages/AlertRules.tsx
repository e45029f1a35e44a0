import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, ConfirmButton, Stack, Switch, Text, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';
import { useSearchParams } from 'react-router-dom';

import type { RuleView } from '../api/alertSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { ACTIONS, DEFAULT_DATASOURCE_UID } from '../constants';
import { draftFromRule } from '../features/alert-rules/ruleDraft';
import { RuleForm } from '../features/alert-rules/RuleForm';
import {
  applyGrafanaRules,
  deleteRule,
  setRuleEnabled,
  useAlertRules,
  useGrafanaSync,
  type SyncState,
} from '../features/alert-rules/useAlertRules';
import { hasPermission } from '../features/permissions/permissions';
import { riskLabel } from '../features/search/format';
import { useAppSettings } from '../features/settings/AppSettingsContext';
import { useScope } from '../features/tenant/TenantContext';

const SYNC_COLORS: Record<SyncState, 'green' | 'orange' | 'red' | 'blue'> = {
  'in sync': 'green',
  differs: 'orange',
  missing: 'red',
  unknown: 'blue',
};

function AlertRulesBody() {
  const styles = useStyles2(getStyles);
  const { tenant, key, refresh } = useScope();
  const settings = useAppSettings();
  const [params] = useSearchParams();
  const highlighted = params.get('rule');
  const canWrite = hasPermission(ACTIONS.rulesWrite);
  const rules = useAlertRules(tenant, key);
  const sync = useGrafanaSync(tenant, settings.datasourceUid || DEFAULT_DATASOURCE_UID, key);
  const [editing, setEditing] = useState<{ rule?: RuleView } | undefined>();
  const [actionError, setActionError] = useState<unknown>();
  const [syncing, setSyncing] = useState<string | undefined>();

  const act = async (work: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await work();
      refresh();
    } catch (error) {
      setActionError(error);
    }
  };

  const syncCell = (ruleId: string) => {
    if (sync.error) return <Text color="secondary">—</Text>;
    const state = sync.data?.states.get(ruleId);
    if (!state) return <Text color="secondary">{sync.loading ? '…' : 'not managed'}</Text>;
    return <Badge color={SYNC_COLORS[state.state]} text={state.state} />;
  };

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
            <Button icon="plus" onClick={() => setEditing({})}>
              New rule
            </Button>
          )}
        </Stack>
      </Stack>
      {sync.error !== undefined && <ApiErrorView error={sync.error} what="Grafana rule sync state" />}
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
        {(list) => (
          <table className={styles.table} aria-label="Alert rules">
            <thead>
              <tr>
                <th>Enabled</th>
                <th>Rule</th>
                <th>Kind</th>
                <th>Source</th>
                <th>Severity</th>
                <th>Firing</th>
                <th>Contact point</th>
                <th>Grafana rule</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((view) => {
                const r = view.rule;
                return (
                  <tr key={r.id} className={r.id === highlighted ? styles.highlight : undefined}>
                    <td>
                      <Switch
                        aria-label={`Enabled ${r.id}`}
                        value={r.enabled}
                        disabled={!canWrite}
                        onChange={() => void act(() => setRuleEnabled(r.id, !r.enabled))}
                      />
                    </td>
                    <td>
                      <div>{r.name}</div>
                      <Text color="secondary" variant="bodySmall">
                        {r.id}
                        {view.builtIn ? ' · built in' : ''}
                        {view.modified ? ' · modified' : ''}
                      </Text>
                    </td>
                    <td>{r.kind}</td>
                    <td>{r.source}</td>
                    <td>{riskLabel(Number(r.severity))}</td>
                    <td data-testid={`firing-${r.id}`}>
                      {Number(view.firing) > 0 ? <Badge color="red" text={`${view.firing} firing`} /> : '0'}
                    </td>
                    <td>{r.contactPoint || <Text color="secondary">policies</Text>}</td>
                    <td data-testid={`sync-${r.id}`}>{syncCell(r.id)}</td>
                    <td>
                      {canWrite && (
                        <Stack gap={1}>
                          <Button
                            size="sm"
                            variant="secondary"
                            icon="pen"
                            onClick={() => setEditing({ rule: view })}
                          >
                            Edit
                          </Button>
                          {!view.builtIn && (
                            <ConfirmButton
                              size="sm"
                              confirmText="Delete"
                              confirmVariant="destructive"
                              onConfirm={() => void act(() => deleteRule(r.id))}
                            >
                              Delete
                            </ConfirmButton>
                          )}
                        </Stack>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </QueryState>
      {editing && (
        <RuleForm
          tenant={tenant}
          isNew={!editing.rule}
          initial={editing.rule ? draftFromRule(editing.rule.rule) : undefined}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            refresh();
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
  table: css({
    width: '100%',
    marginTop: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
    th: { textAlign: 'left', padding: theme.spacing(0.5, 1), color: theme.colors.text.secondary },
    td: {
      padding: theme.spacing(0.5, 1),
      borderTop: `1px solid ${theme.colors.border.weak}`,
      verticalAlign: 'middle',
    },
  }),
  highlight: css({ background: theme.colors.action.selected }),
});
