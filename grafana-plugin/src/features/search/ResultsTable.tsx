import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, IconButton, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { AuditRow } from '../../api/schemas';
import { UserLink } from '../behaviour/UserLink';
import { formatIp, riskLabel } from './format';

const RESULT_COLORS: Record<string, 'green' | 'red' | 'orange' | 'purple'> = {
  success: 'green',
  failure: 'red',
  denied: 'purple',
  partial: 'orange',
};

/** Search results, newest first; a row opens its detail, the trace icon its trace chain. */
export function ResultsTable({
  rows,
  onOpen,
  onTrace,
}: {
  rows: AuditRow[];
  onOpen: (row: AuditRow) => void;
  onTrace: (traceId: string) => void;
}) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} aria-label="Audit records">
      <thead>
        <tr>
          <th>Time (UTC)</th>
          <th>Kind</th>
          <th>User</th>
          <th>IP</th>
          <th>Action</th>
          <th>Result</th>
          <th>Risk</th>
          <th>Summary</th>
          <th>Service</th>
          <th aria-label="Trace" />
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={`${row.kind}:${row.event_id}`}
            className={styles.row}
            onClick={() => onOpen(row)}
            tabIndex={0}
            onKeyDown={(e) => e.key === 'Enter' && onOpen(row)}
          >
            <td className={styles.nowrap}>{row.event_time}</td>
            <td>{row.kind}</td>
            <td>
              <UserLink userId={row.user_id} label={row.username || row.user_id} />
            </td>
            <td className={styles.nowrap}>{formatIp(row.ip_address)}</td>
            <td>{row.operation_name}</td>
            <td>
              <Badge color={RESULT_COLORS[row.result] ?? 'blue'} text={row.result || '—'} />
            </td>
            <td className={cx(Number(row.risk_level) >= 3 && styles.risk)}>
              {riskLabel(Number(row.risk_level))}
            </td>
            <td className={styles.summary}>{row.summary || row.description}</td>
            <td>{row.service}</td>
            <td>
              {row.trace_id && (
                <IconButton
                  name="link"
                  tooltip="Show the trace chain"
                  aria-label={`Trace ${row.trace_id}`}
                  onClick={(e) => {
                    e.stopPropagation();
                    onTrace(row.trace_id);
                  }}
                />
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    th: {
      textAlign: 'left',
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.medium}`,
      color: theme.colors.text.secondary,
      position: 'sticky',
      top: 0,
      background: theme.colors.background.primary,
    },
    td: { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}` },
  }),
  row: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover } }),
  nowrap: css({ whiteSpace: 'nowrap' }),
  summary: css({ maxWidth: 420, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  risk: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
});
