import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Badge, Button, Drawer, Field, LinkButton, Select, Stack, Text, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { FRAMEWORKS, PERIODS, type ReportContent } from '../api/complianceSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { formatCount, formatRate, StatCard, StatGrid } from '../components/Stat/StatCard';
import { ACTIONS } from '../constants';
import { generateReport, reportFileUrl, useReport, useReports } from '../features/compliance/useCompliance';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/tenant/TenantContext';

const statusBadge = (status: string) => <Badge color={status === 'met' ? 'green' : 'orange'} text={status} />;

export function ReportView({ content }: { content: ReportContent }) {
  const styles = useStyles2(getStyles);
  const s = content.summary;
  return (
    <div aria-label="Report">
      <Text element="h4">
        {content.framework.name} — {content.period.label} {statusBadge(content.status)}
      </Text>
      <StatGrid>
        <StatCard label="Total events" value={formatCount(s.total)} />
        <StatCard label="Failed" value={formatCount(s.failed)} />
        <StatCard label="High risk" value={formatCount(s.highRisk)} />
        <StatCard label="Unique users" value={formatCount(s.uniqueUsers)} />
        <StatCard label="Unique IPs" value={formatCount(s.uniqueIps)} />
        <StatCard label="Error rate" value={formatRate(s.errorRate)} />
        <StatCard label="Risk rate" value={formatRate(s.riskRate)} />
      </StatGrid>
      <table className={styles.table} aria-label="Controls">
        <thead>
          <tr>
            <th>Control</th>
            <th>Requirement</th>
            <th>Status</th>
            <th>Evidence</th>
          </tr>
        </thead>
        <tbody>
          {content.controls.map((c) => (
            <tr key={c.id}>
              <td>
                {c.id} {c.title}
              </td>
              <td>{c.requirement}</td>
              <td>{statusBadge(c.status)}</td>
              <td>{(c.evidence ?? []).join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ReportDrawer({ tenant, id, onClose }: { tenant: string; id: string; onClose: () => void }) {
  const report = useReport(tenant, id);
  return (
    <Drawer title={`Report ${id}`} onClose={onClose} size="lg">
      <QueryState state={report} what="Report">
        {(r) => (
          <>
            {r.sha256 && <Text color="secondary">SHA-256 {r.sha256}</Text>}
            <ReportView content={r.content} />
          </>
        )}
      </QueryState>
    </Drawer>
  );
}

function ComplianceBody() {
  const styles = useStyles2(getStyles);
  const { tenant, key, resolve, refresh } = useScope();
  const reports = useReports(tenant, key);
  const canCreate = hasPermission(ACTIONS.reportsCreate);
  const [framework, setFramework] = useState<string>('mlps3');
  const [period, setPeriod] = useState<string>('daily');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [open, setOpen] = useState<string | undefined>();
  const file = (id: string, format: 'pdf' | 'csv', lang?: 'zh-CN') =>
    `${config.appSubUrl ?? ''}/${reportFileUrl(tenant, id, format, lang)}`;

  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const range = period === 'custom' ? { from: resolve().fromMs, to: resolve().toMs } : {};
      const created = await generateReport({ tenant, framework, period, ...range });
      setOpen(created.id);
      refresh();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {canCreate && (
        <Stack alignItems="flex-end" gap={1}>
          <Field label="Framework">
            <Select
              inputId="report-framework"
              aria-label="Framework"
              width={40}
              options={FRAMEWORKS.map((f) => ({ label: f.label, value: f.id }))}
              value={framework}
              onChange={(o) => setFramework(o?.value ?? framework)}
            />
          </Field>
          <Field label="Period" description="the last complete period; custom uses the time range">
            <Select
              inputId="report-period"
              aria-label="Period"
              width={20}
              options={PERIODS.map((p) => ({ label: p, value: p }))}
              value={period}
              onChange={(o) => setPeriod(o?.value ?? period)}
            />
          </Field>
          <Button
            icon={busy ? 'spinner' : 'file-alt'}
            disabled={busy}
            onClick={() => void generate()}
            className={styles.button}
          >
            Generate report
          </Button>
        </Stack>
      )}
      {error !== undefined && <ApiErrorView error={error} what="Report generation" />}
      <Text element="h3">History</Text>
      <QueryState
        state={reports}
        what="Compliance reports"
        isEmpty={(r) => r.reports.length === 0}
        emptyMessage="No reports generated for this tenant yet"
      >
        {(page) => (
          <table className={styles.table} aria-label="Report history">
            <thead>
              <tr>
                <th>Generated</th>
                <th>Framework</th>
                <th>Period</th>
                <th>Status</th>
                <th>By</th>
                <th>SHA-256</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {page.reports.map((r) => (
                <tr key={r.id}>
                  <td>{r.generatedAt}</td>
                  <td>{r.frameworkName ?? r.framework}</td>
                  <td>
                    {r.periodType} {r.periodLabel}
                  </td>
                  <td>{statusBadge(r.status)}</td>
                  <td>{r.generatedBy}</td>
                  <td className={styles.mono}>{r.sha256.slice(0, 16)}…</td>
                  <td>
                    <Stack gap={1}>
                      <Button size="sm" variant="secondary" onClick={() => setOpen(r.id)}>
                        View
                      </Button>
                      <LinkButton
                        size="sm"
                        variant="secondary"
                        icon="download-alt"
                        href={file(r.id, 'pdf')}
                        download
                      >
                        PDF
                      </LinkButton>
                      {r.framework === 'mlps3' && (
                        <LinkButton
                          size="sm"
                          variant="secondary"
                          icon="download-alt"
                          href={file(r.id, 'pdf', 'zh-CN')}
                          download
                        >
                          PDF 中文
                        </LinkButton>
                      )}
                      <LinkButton
                        size="sm"
                        variant="secondary"
                        icon="download-alt"
                        href={file(r.id, 'csv')}
                        download
                      >
                        CSV
                      </LinkButton>
                    </Stack>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
      {open && <ReportDrawer tenant={tenant} id={open} onClose={() => setOpen(undefined)} />}
    </>
  );
}

export default function ComplianceReports() {
  return (
    <AppPage action={ACTIONS.read} showRange>
      <ComplianceBody />
    </AppPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  button: css({ marginBottom: theme.spacing(2) }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace }),
  table: css({
    width: '100%',
    marginBottom: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
    th: { textAlign: 'left', padding: theme.spacing(0.5, 1), color: theme.colors.text.secondary },
    td: {
      padding: theme.spacing(0.5, 1),
      borderTop: `1px solid ${theme.colors.border.weak}`,
      verticalAlign: 'top',
    },
  }),
});
