import { ANOMALIES } from './anomalies.js';
import type { ReportContent } from './generate.js';

/**
 * A report as CSV (RFC 4180, UTF-8 with BOM for spreadsheet programs): one table with the columns
 * section, item, status, value, detail. Cells that a spreadsheet would run as a formula are
 * prefixed with an apostrophe.
 */
export function renderCsv(report: ReportContent, sha256: string): string {
  const rows: (string | number)[][] = [['section', 'item', 'status', 'value', 'detail']];
  const add = (section: string, item: string, status: string, value: string | number, detail = ''): void => {
    rows.push([section, item, status, value, detail]);
  };
  add('report', 'id', '', report.id);
  add('report', 'framework', '', report.framework.id, report.framework.name);
  add('report', 'tenant', '', report.tenant);
  add(
    'report',
    'period',
    '',
    report.period.label,
    `${report.period.type}; ${report.period.start} – ${report.period.end}`,
  );
  add('report', 'generated_at', '', report.generatedAt, report.generatedBy);
  add(
    'report',
    'status',
    report.status,
    '',
    `met ${report.statusCounts.met}; gap ${report.statusCounts.gap}; not applicable ${report.statusCounts.not_applicable}`,
  );
  add('report', 'content_sha256', '', sha256, 'SHA-256 of the stored report content (JSON)');
  const floor = report.retentionFloor;
  if (floor) {
    add(
      'report',
      'retention_floor_days',
      '',
      floor.days,
      `statutory minimum ${floor.statutoryMinimumDays} days (${floor.basis}); set by ${floor.setBy}`,
    );
  }
  const s = report.summary;
  for (const [item, value] of [
    ['total', s.total],
    ['failed', s.failed],
    ['high_risk', s.highRisk],
    ['sensitive', s.sensitive],
    ['unique_users', s.uniqueUsers],
    ['unique_ips', s.uniqueIps],
    ['error_rate', s.errorRate],
    ['risk_rate', s.riskRate],
  ] as const) {
    add('summary', item, '', value);
  }
  for (const [kind, n] of Object.entries(s.byKind)) add('by_kind', kind, '', n);
  for (const [result, n] of Object.entries(s.byResult)) add('by_result', result, '', n);
  for (const action of s.byAction) add('by_action', action.action, '', action.events);
  for (const point of s.trend)
    add('trend', point.bucket, '', point.events, `failed ${point.failed}; high-risk ${point.highRisk}`);
  for (const control of report.controls) {
    add('control', control.id, control.status, control.title, control.evidence.join(' | '));
  }
  for (const check of Object.values(report.checks))
    add('check', check.id, check.status, check.title, check.summary);
  for (const anomaly of ANOMALIES) {
    add('anomaly', anomaly.name, '', report.anomalies[anomaly.key] ?? '', anomaly.en);
  }
  return `\ufeff${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
