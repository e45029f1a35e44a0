import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, useStyles2 } from '@grafana/ui';
import React from 'react';

import type { AuditRow, TraceChain } from '../../api/schemas';
import { useScope } from '../scope/ScopeContext';
import { formatApiTime } from '../time/time';
import { formatIp, riskLabel } from './format';

function Line({ row, label }: { row: AuditRow; label: string }) {
  const styles = useStyles2(getStyles);
  const { timeZone } = useScope();
  return (
    <div className={styles.line} data-testid={`chain-${row.kind}`}>
      <Badge
        text={label}
        color={row.kind === 'security' ? 'red' : row.kind === 'field_change' ? 'purple' : 'blue'}
      />
      <span className={styles.summary}>{row.summary || row.description}</span>
      <span className={styles.meta}>
        {formatApiTime(row.event_time, timeZone)} · {row.username || row.user_id || '—'} ·{' '}
        {formatIp(row.ip_address)} · {row.result}
        {Number(row.risk_level) >= 3 ? ` · ${riskLabel(Number(row.risk_level))} risk` : ''}
      </span>
    </div>
  );
}

/** request → db operations → field changes → security events (and admin operations) as one chain. */
export function TraceChainTree({ chain }: { chain: TraceChain }) {
  const styles = useStyles2(getStyles);
  return (
    <div aria-label="Trace chain">
      {chain.requests.map((r) => (
        <Line key={r.event_id} row={r} label="request" />
      ))}
      <div className={styles.indent}>
        {chain.adminOperations.map((r) => (
          <Line key={r.event_id} row={r} label="admin" />
        ))}
        {chain.dbOperations.map((op) => (
          <div key={op.event_id}>
            <Line row={op} label="db operation" />
            <div className={styles.indent}>
              {op.changes.map((c) => (
                <Line key={c.event_id} row={c} label="field change" />
              ))}
            </div>
          </div>
        ))}
        {chain.securityEvents.map((r) => (
          <Line key={r.event_id} row={r} label="security" />
        ))}
      </div>
      {chain.orphanChanges.length > 0 && (
        <Alert
          severity="warning"
          title={`${chain.orphanChanges.length} field change(s) without their db operation`}
        >
          A data-quality anomaly: these changes name a db operation that is not in this trace.
          {chain.orphanChanges.map((c) => (
            <Line key={c.event_id} row={c} label="orphan change" />
          ))}
        </Alert>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
    alignItems: 'baseline',
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  summary: css({ fontFamily: theme.typography.fontFamilyMonospace }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  indent: css({
    marginLeft: theme.spacing(3),
    borderLeft: `2px solid ${theme.colors.border.medium}`,
    paddingLeft: theme.spacing(1),
  }),
});
