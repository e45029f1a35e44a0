import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Badge, Button, Drawer, Field, LinkButton, Select, Stack, Text, useStyles2 } from '@grafana/ui';
import React, { useCallback, useMemo, useState } from 'react';

import { FRAMEWORKS, PERIODS, type ReportContent, type ReportListItem } from '../api/complianceSchemas';
import { AppPage } from '../components/Page/AppPage';
import { ApiErrorView, QueryState } from '../components/QueryState/QueryState';
import { formatCount, formatRate, StatCard, StatGrid } from '../components/Stat/StatCard';
import { DataTable, type Column } from '../components/Table/DataTable';
import { ACTIONS } from '../constants';
import {
  generateReport,
  reportFileUrl,
  useChanged,
  useReport,
  useReports,
} from '../features/compliance/useCompliance';
import { hasPermission } from '../features/permissions/permissions';
import { useScope } from '../features/scope/ScopeContext';
import { parseApiTime } from '../features/time/time';
import { useUrlParams } from '../features/url/useUrlParams';

const statusBadge = (status: string) => <Badge color={status === 'met' ? 'green' : 'orange'} text={status} />;

type Control = ReportContent['controls'][number];

const CONTROL_COLUMNS: Array<Column<Control>> = [
  { name: 'Control', value: (c) => `${c.id} ${c.title}`, width: 260 },
  { name: 'Requirement', value: (c) => c.requirement ?? '', inspect: true },
  { name: 'Status', value: (c) => c.status, cell: (c) => statusBadge(c.status), width: 110 },
  { name: 'Evidence', value: (c) => (c.evidence ?? []).join('; '), inspect: true },
];

export function ReportView({ content }: { content: ReportContent }) {
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
      <DataTable ariaLabel="Controls" rows={content.controls} columns={CONTROL_COLUMNS} maxHeight={2000} />
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
  const { tenant, fromMs, toMs } = useScope();
  const [params, update] = useUrlParams();
  const reports = useReports(tenant);
  const reportsChanged = useChanged('reports');
  const canCreate = hasPermission(ACTIONS.reportsCreate);
  // The form's choices and the open report are part of the URL.
  const framework = params.get('framework') ?? 'mlps3';
  const period = params.get('period') ?? 'daily';
  const open = params.get('report') ?? undefined;
  const setOpen = useCallback((id: string | undefined) => update({ report: id }), [update]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const file = useCallback(
    (id: string, format: 'pdf' | 'csv', lang?: 'zh-CN') =>
      `${config.appSubUrl ?? ''}/${reportFileUrl(tenant, id, format, lang)}`,
    [tenant],
  );

  const generate = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const range = period === 'custom' ? { from: fromMs, to: toMs } : {};
      const created = await generateReport({ tenant, framework, period, ...range });
      await reportsChanged();
      setOpen(created.id);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const columns = useMemo<Array<Column<ReportListItem>>>(
    () => [
      { name: 'Generated', type: 'time', value: (r) => parseApiTime(r.generatedAt), width: 180 },
      { name: 'Framework', value: (r) => r.frameworkName ?? r.framework, width: 260 },
      { name: 'Period', value: (r) => `${r.periodType} ${r.periodLabel}`, width: 220 },
      { name: 'Status', value: (r) => r.status, cell: (r) => statusBadge(r.status), width: 100 },
      { name: 'By', value: (r) => r.generatedBy, width: 120 },
      { name: 'SHA-256', value: (r) => r.sha256, inspect: true, width: 150 },
      {
        name: 'Files',
        value: () => '',
        cell: (r) => (
          <Stack gap={1}>
            <Button size="sm" variant="secondary" onClick={() => setOpen(r.id)}>
              View
            </Button>
            <LinkButton size="sm" variant="secondary" icon="download-alt" href={file(r.id, 'pdf')} download>
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
            <LinkButton size="sm" variant="secondary" icon="download-alt" href={file(r.id, 'csv')} download>
              CSV
            </LinkButton>
          </Stack>
        ),
        width: 330,
      },
    ],
    [file, setOpen],
  );

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
              onChange={(o) => update({ framework: o?.value ?? framework }, { replace: true })}
            />
          </Field>
          <Field label="Period" description="the last complete period; custom uses the time range">
            <Select
              inputId="report-period"
              aria-label="Period"
              width={20}
              options={PERIODS.map((p) => ({ label: p, value: p }))}
              value={period}
              onChange={(o) => update({ period: o?.value ?? period }, { replace: true })}
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
          <DataTable ariaLabel="Report history" rows={page.reports} columns={columns} maxHeight={500} />
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
});
