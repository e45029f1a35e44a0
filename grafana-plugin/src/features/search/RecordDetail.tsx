import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, Drawer, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { AuditRow } from '../../api/schemas';
import { QueryState } from '../../components/QueryState/QueryState';
import { formatValue } from './format';
import { useRecord } from './useRecord';

/** Every column of one record, fetched on open. */
export function RecordDetail({
  tenant,
  row,
  onClose,
  onTrace,
}: {
  tenant: string;
  row: AuditRow;
  onClose: () => void;
  onTrace: (traceId: string) => void;
}) {
  const styles = useStyles2(getStyles);
  const record = useRecord(tenant, row.kind, row.event_id);
  return (
    <Drawer title={`${row.kind} ${row.event_id}`} subtitle={row.summary} onClose={onClose} size="md">
      {row.trace_id && (
        <Button
          icon="link"
          variant="secondary"
          size="sm"
          onClick={() => onTrace(row.trace_id)}
          className={styles.button}
        >
          Show trace {row.trace_id}
        </Button>
      )}
      <QueryState state={record} what="Record">
        {(data) => (
          <table className={styles.table} aria-label="Record detail">
            <tbody>
              {Object.entries(data).map(([key, value]) => (
                <tr key={key}>
                  <th>{key}</th>
                  <td>
                    <pre className={styles.pre}>{formatValue(value)}</pre>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </Drawer>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  button: css({ marginBottom: theme.spacing(2) }),
  table: css({
    width: '100%',
    fontSize: theme.typography.bodySmall.fontSize,
    th: {
      textAlign: 'left',
      verticalAlign: 'top',
      paddingRight: theme.spacing(2),
      color: theme.colors.text.secondary,
      whiteSpace: 'nowrap',
    },
    td: { borderBottom: `1px solid ${theme.colors.border.weak}` },
  }),
  pre: css({
    margin: 0,
    padding: 0,
    background: 'none',
    border: 'none',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-all',
  }),
});
