import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Drawer, Field, Input, Stack, Switch, Text, useStyles2 } from '@grafana/ui';
import React, { useMemo, useState } from 'react';

import type { RetentionPolicy, RetentionStatus, VerifyResult } from '../api/complianceSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { formatCount } from '../components/Stat/StatCard';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS } from '../constants';
import {
  applyPreset,
  savePolicy,
  useChanged,
  usePublicKey,
  useRetentionPolicies,
  useRetentionStatus,
  verifyIntegrity,
  type PolicyInput,
} from '../features/compliance/useCompliance';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/scope/ScopeContext';
import { formatApiTime, parseApiTime } from '../features/time/time';

const days = (n: number | null | undefined) => (n === null || n === undefined ? '∞' : `${n} d`);

function PolicyEditor({
  policy,
  floorDays,
  onClose,
  onSaved,
}: {
  policy: RetentionPolicy;
  floorDays: number;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [retention, setRetention] = useState(String(policy.retentionDays));
  const [archive, setArchive] = useState(policy.archiveDays === null ? '' : String(policy.archiveDays));
  const [enabled, setEnabled] = useState(policy.enabled);
  const [error, setError] = useState<unknown>();
  const total = Math.max(Number(retention) || 0, archive ? Number(archive) : 0);
  const problem = !/^\d+$/.test(retention)
    ? 'a whole number of days'
    : archive && !/^\d+$/.test(archive)
      ? 'archive days: a whole number, or empty'
      : total < floorDays
        ? `rows must be kept at least ${floorDays} days in all (legal floor)`
        : undefined;
  const save = async () => {
    setError(undefined);
    const input: PolicyInput = {
      name: policy.name,
      table: policy.table,
      module: policy.module,
      riskLevel: policy.riskLevel,
      retentionDays: Number(retention),
      archiveDays: archive ? Number(archive) : null,
      autoArchive: policy.autoArchive,
      autoDelete: policy.autoDelete,
      complianceRequirement: policy.complianceRequirement,
      enabled,
    };
    try {
      await savePolicy(policy.id, input);
      onSaved();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <Drawer title={`Retention: ${policy.name}`} onClose={onClose} size="sm">
      <Field label="Online days" invalid={Boolean(problem)} error={problem}>
        <Input
          id="policy-retention"
          value={retention}
          onChange={(e) => setRetention(e.currentTarget.value)}
        />
      </Field>
      <Field label="Archive until day" description="empty: no archive tier">
        <Input id="policy-archive" value={archive} onChange={(e) => setArchive(e.currentTarget.value)} />
      </Field>
      <Field label="Enabled">
        <Switch id="policy-enabled" value={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
      </Field>
      {error !== undefined && <ApiErrorView error={error} what="Retention policy" />}
      <Button disabled={Boolean(problem)} onClick={() => void save()}>
        Save policy
      </Button>
    </Drawer>
  );
}

type StoredTable = RetentionStatus['tables'][number];
type IntegrityProblem = VerifyResult['problems'][number];

const STATUS_COLUMNS: Array<Column<StoredTable>> = [
  { name: 'Table', value: (t) => t.table },
  { name: 'Online rows', type: 'number', value: (t) => t.online.rows },
  { name: 'Oldest online', type: 'time', value: (t) => parseApiTime(t.online.oldest) },
  { name: 'Due for archive', type: 'number', value: (t) => t.online.dueForArchive },
  { name: 'Archived rows', type: 'number', value: (t) => t.archive.rows },
];

const PROBLEM_COLUMNS: Array<Column<IntegrityProblem>> = [
  { name: 'Problem', value: (p) => p.kind, cell: (p) => <Badge color="red" text={p.kind} />, width: 160 },
  { name: 'Table', value: (p) => p.table, width: 180 },
  { name: 'Time', type: 'time', value: (p) => parseApiTime(p.eventTime), width: 180 },
  { name: 'Detail', value: (p) => p.detail, inspect: true },
];

function Retention() {
  const styles = useStyles2(getStyles);
  const { tenant } = useScope();
  const policies = useRetentionPolicies();
  const status = useRetentionStatus(tenant);
  const changed = useChanged('retention');
  const canWrite = hasPermission(ACTIONS.retentionWrite);
  const [editing, setEditing] = useState<RetentionPolicy | undefined>();
  const [error, setError] = useState<unknown>();
  const policyColumns = useMemo<Array<Column<RetentionPolicy>>>(
    () => [
      { name: 'Policy', value: (p) => p.name, width: 200 },
      { name: 'Table', value: (p) => p.table, width: 170 },
      { name: 'Module', value: (p) => p.module, width: 100 },
      { name: 'Risk', value: (p) => String(p.riskLevel ?? 'any'), width: 70 },
      { name: 'Online', value: (p) => days(p.retentionDays), width: 80 },
      { name: 'Archive', value: (p) => days(p.archiveDays), width: 80 },
      { name: 'Kept in all', value: (p) => days(p.effective?.totalDays), width: 100 },
      { name: 'Requirement', value: (p) => p.complianceRequirement, inspect: true },
      { name: 'Enabled', value: (p) => (p.enabled ? 'yes' : 'no'), width: 80 },
      {
        name: 'Change',
        value: () => '',
        cell: (p) =>
          canWrite ? (
            <Button size="sm" variant="secondary" icon="pen" onClick={() => setEditing(p)}>
              Edit
            </Button>
          ) : null,
        width: 90,
      },
    ],
    [canWrite],
  );
  return (
    <section className={styles.section}>
      <Text element="h3">Retention policies</Text>
      {error !== undefined && <ApiErrorView error={error} what="Preset" />}
      <QueryState state={policies} what="Retention policies">
        {(list) => (
          <>
            <Text color="secondary">
              Legal floor: no policy may keep rows fewer than {list.floorDays} days.
            </Text>
            {canWrite && (
              <Stack gap={1} wrap="wrap">
                {list.presets.map((p) => (
                  <Button
                    key={p.id}
                    size="sm"
                    variant="secondary"
                    tooltip={p.basis}
                    onClick={() =>
                      void applyPreset(p.id).then(() => {
                        setError(undefined);
                        return changed();
                      }, setError)
                    }
                  >
                    Apply {p.title}
                  </Button>
                ))}
              </Stack>
            )}
            <DataTable
              ariaLabel="Retention policies"
              rows={list.policies}
              columns={policyColumns}
              maxHeight={600}
            />
            {!canWrite && (
              <Alert severity="info" title="Read only">
                Changing retention needs the AuditLens Admin role ({ACTIONS.retentionWrite}).
              </Alert>
            )}
            {editing && (
              <PolicyEditor
                policy={editing}
                floorDays={list.floorDays}
                onClose={() => setEditing(undefined)}
                onSaved={() => {
                  setEditing(undefined);
                  void changed();
                }}
              />
            )}
          </>
        )}
      </QueryState>
      <Text element="h3">Stored rows for this tenant</Text>
      <QueryState state={status} what="Retention status">
        {(s) => (
          <DataTable ariaLabel="Retention status" rows={s.tables} columns={STATUS_COLUMNS} maxHeight={400} />
        )}
      </QueryState>
    </section>
  );
}

function VerifyResultView({ result }: { result: VerifyResult }) {
  const { timeZone } = useScope();
  const time = (text: string) => formatApiTime(text, timeZone);
  return (
    <div role="region" aria-label="Verification result">
      <Alert
        severity={result.ok ? 'success' : 'error'}
        title={result.ok ? 'Intact: no record altered, removed or inserted out of band' : 'Integrity broken'}
      >
        {formatCount(result.rows)} rows in {formatCount(result.checkpoints)} signed checkpoints checked
        between {time(result.from)} and {time(result.to)} ({result.durationMs} ms).{' '}
        {formatCount(result.expiredRows)} expired by retention, {formatCount(result.unsealedRows)} not sealed
        yet.
        {result.firstBroken && (
          <div>
            First broken batch: {result.firstBroken.table} writer {result.firstBroken.writer} #
            {result.firstBroken.sequence} ({time(result.firstBroken.firstEventTime)} …{' '}
            {time(result.firstBroken.lastEventTime)})
          </div>
        )}
      </Alert>
      {result.problems.length > 0 && (
        <DataTable
          ariaLabel="Integrity problems"
          rows={result.problems}
          columns={PROBLEM_COLUMNS}
          maxHeight={400}
        />
      )}
    </div>
  );
}

function Integrity() {
  const styles = useStyles2(getStyles);
  const { tenant, fromMs, toMs } = useScope();
  const publicKey = usePublicKey();
  const [result, setResult] = useState<VerifyResult | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const verify = async () => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await verifyIntegrity(tenant, fromMs, toMs));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className={styles.section}>
      <Text element="h3">Integrity</Text>
      <Text color="secondary">
        Every stored row is covered by a signed hash chain; verification shows whether any row in the time
        range was altered, removed or inserted out of band.
      </Text>
      <div className={styles.verify}>
        <Button icon={busy ? 'spinner' : 'shield'} disabled={busy} onClick={() => void verify()}>
          Verify time range
        </Button>
      </div>
      {error !== undefined && <ApiErrorView error={error} what="Integrity verification" />}
      {result && <VerifyResultView result={result} />}
      <Text element="h4">Public key for auditors</Text>
      <QueryState state={publicKey} what="Public key">
        {(k) => (
          <>
            <Text color="secondary">
              {k.algorithm} key {k.keyId}
            </Text>
            <pre className={styles.pem} aria-label="Public key">
              {k.publicKeyPem}
            </pre>
          </>
        )}
      </QueryState>
    </section>
  );
}

export default function RetentionIntegrity() {
  return (
    <AppPage action={ACTIONS.read}>
      <Retention />
      <Integrity />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({ marginBottom: theme.spacing(4) }),
  verify: css({ margin: theme.spacing(1, 0, 2) }),
  pem: css({ fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'pre-wrap' }),
});
