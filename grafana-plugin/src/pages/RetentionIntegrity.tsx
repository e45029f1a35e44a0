import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Drawer, Field, Input, Stack, Switch, Text, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import type { RetentionPolicy, VerifyResult } from '../api/complianceSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { formatCount } from '../components/Stat/StatCard';
import { ACTIONS } from '../constants';
import {
  applyPreset,
  savePolicy,
  usePublicKey,
  useRetentionPolicies,
  useRetentionStatus,
  verifyIntegrity,
  type PolicyInput,
} from '../features/compliance/useCompliance';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/tenant/TenantContext';

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

function Retention() {
  const styles = useStyles2(getStyles);
  const { tenant, key, refresh } = useScope();
  const policies = useRetentionPolicies(key);
  const status = useRetentionStatus(tenant, key);
  const canWrite = hasPermission(ACTIONS.retentionWrite);
  const [editing, setEditing] = useState<RetentionPolicy | undefined>();
  const [error, setError] = useState<unknown>();
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
                        refresh();
                      }, setError)
                    }
                  >
                    Apply {p.title}
                  </Button>
                ))}
              </Stack>
            )}
            <table className={styles.table} aria-label="Retention policies">
              <thead>
                <tr>
                  <th>Policy</th>
                  <th>Table</th>
                  <th>Module</th>
                  <th>Risk</th>
                  <th>Online</th>
                  <th>Archive</th>
                  <th>Kept in all</th>
                  <th>Requirement</th>
                  <th>Enabled</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.policies.map((p) => (
                  <tr key={p.id}>
                    <td>{p.name}</td>
                    <td>{p.table}</td>
                    <td>{p.module}</td>
                    <td>{p.riskLevel ?? 'any'}</td>
                    <td>{days(p.retentionDays)}</td>
                    <td>{days(p.archiveDays)}</td>
                    <td>{days(p.effective?.totalDays)}</td>
                    <td>{p.complianceRequirement}</td>
                    <td>{p.enabled ? 'yes' : 'no'}</td>
                    <td>
                      {canWrite && (
                        <Button size="sm" variant="secondary" icon="pen" onClick={() => setEditing(p)}>
                          Edit
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
                  refresh();
                }}
              />
            )}
          </>
        )}
      </QueryState>
      <Text element="h3">Stored rows for this tenant</Text>
      <QueryState state={status} what="Retention status">
        {(s) => (
          <table className={styles.table} aria-label="Retention status">
            <thead>
              <tr>
                <th>Table</th>
                <th>Online rows</th>
                <th>Oldest online</th>
                <th>Due for archive</th>
                <th>Archived rows</th>
              </tr>
            </thead>
            <tbody>
              {s.tables.map((t) => (
                <tr key={t.table}>
                  <td>{t.table}</td>
                  <td>{formatCount(t.online.rows)}</td>
                  <td>{t.online.oldest ?? '—'}</td>
                  <td>{formatCount(t.online.dueForArchive)}</td>
                  <td>{formatCount(t.archive.rows)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}

function VerifyResultView({ result }: { result: VerifyResult }) {
  const styles = useStyles2(getStyles);
  return (
    <div role="region" aria-label="Verification result">
      <Alert
        severity={result.ok ? 'success' : 'error'}
        title={result.ok ? 'Intact: no record altered, removed or inserted out of band' : 'Integrity broken'}
      >
        {formatCount(result.rows)} rows in {formatCount(result.checkpoints)} signed checkpoints checked
        between {result.from} and {result.to} ({result.durationMs} ms). {formatCount(result.expiredRows)}{' '}
        expired by retention, {formatCount(result.unsealedRows)} not sealed yet.
        {result.firstBroken && (
          <div>
            First broken batch: {result.firstBroken.table} writer {result.firstBroken.writer} #
            {result.firstBroken.sequence} ({result.firstBroken.firstEventTime} …{' '}
            {result.firstBroken.lastEventTime})
          </div>
        )}
      </Alert>
      {result.problems.length > 0 && (
        <table className={styles.table} aria-label="Integrity problems">
          <tbody>
            {result.problems.map((p, i) => (
              <tr key={i}>
                <td>
                  <Badge color="red" text={p.kind} />
                </td>
                <td>{p.table}</td>
                <td>{p.eventTime}</td>
                <td>{p.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Integrity() {
  const styles = useStyles2(getStyles);
  const { tenant, resolve, key } = useScope();
  const publicKey = usePublicKey(key);
  const [result, setResult] = useState<VerifyResult | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const verify = async () => {
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const { fromMs, toMs } = resolve();
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
  table: css({
    width: '100%',
    margin: theme.spacing(1, 0, 2),
    fontSize: theme.typography.bodySmall.fontSize,
    th: { textAlign: 'left', padding: theme.spacing(0.5, 1), color: theme.colors.text.secondary },
    td: { padding: theme.spacing(0.5, 1), borderTop: `1px solid ${theme.colors.border.weak}` },
  }),
});
