import type { AuditRow } from '../../api/schemas';

export const CSV_COLUMNS: (keyof AuditRow)[] = [
  'event_time',
  'kind',
  'event_id',
  'tenant_id',
  'service',
  'user_id',
  'username',
  'ip_address',
  'operation_name',
  'result',
  'risk_level',
  'is_sensitive',
  'module',
  'summary',
  'description',
  'trace_id',
  'span_id',
  'session_id',
];

/** RFC 4180 field; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
