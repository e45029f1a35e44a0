import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';

/** One headline figure. */
export function StatCard({
  label,
  value,
  tone,
}: {
  label: string;
  value: string;
  tone?: 'error' | 'warning';
}) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.card} data-testid={`stat-${label}`}>
      <div className={styles.label}>{label}</div>
      <div className={cx(styles.value, tone && styles[tone])}>{value}</div>
    </div>
  );
}

export function StatGrid({ children }: { children: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return <div className={styles.grid}>{children}</div>;
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(150px, 1fr))',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(2),
  }),
  card: css({
    background: theme.colors.background.secondary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5),
  }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  error: css({ color: theme.colors.error.text }),
  warning: css({ color: theme.colors.warning.text }),
});

export const formatCount = (n: number): string => n.toLocaleString('en-US');
export const formatRate = (r: number): string => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 1)}%`;
