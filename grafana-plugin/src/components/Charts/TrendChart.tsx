import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';

export interface TrendPoint {
  bucket: string;
  events: number;
  failed: number;
  highRisk: number;
}

/** Events per bucket as bars, failures and high-risk events as overlaid bars. */
export function TrendChart({ points, height = 160 }: { points: TrendPoint[]; height?: number }) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const max = Math.max(1, ...points.map((p) => p.events));
  const width = 1000;
  const step = width / Math.max(points.length, 1);
  const bar = Math.max(1, step * 0.8);
  const y = (value: number) => height - (value / max) * (height - 16);
  return (
    <div className={styles.wrap}>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Event trend"
        className={styles.svg}
      >
        {points.map((p, i) => (
          <g key={p.bucket}>
            <title>{`${p.bucket}: ${p.events} events, ${p.failed} failed, ${p.highRisk} high-risk`}</title>
            <rect
              x={i * step}
              y={y(p.events)}
              width={bar}
              height={height - y(p.events)}
              fill={theme.colors.primary.main}
              opacity={0.6}
            />
            <rect
              x={i * step}
              y={y(p.failed)}
              width={bar / 2}
              height={height - y(p.failed)}
              fill={theme.colors.error.main}
            />
            <rect
              x={i * step + bar / 2}
              y={y(p.highRisk)}
              width={bar / 2}
              height={height - y(p.highRisk)}
              fill={theme.colors.warning.main}
            />
          </g>
        ))}
      </svg>
      <div className={styles.legend}>
        <span>
          <i style={{ background: theme.colors.primary.main }} /> events (max {max})
        </span>
        <span>
          <i style={{ background: theme.colors.error.main }} /> failed
        </span>
        <span>
          <i style={{ background: theme.colors.warning.main }} /> high risk
        </span>
        {points.length > 0 && (
          <span className={styles.range}>
            {points[0]?.bucket} — {points[points.length - 1]?.bucket} UTC
          </span>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ width: '100%' }),
  svg: css({ width: '100%', height: 160, display: 'block', background: theme.colors.background.secondary }),
  legend: css({
    display: 'flex',
    gap: theme.spacing(2),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    marginTop: theme.spacing(0.5),
    i: { display: 'inline-block', width: 10, height: 10, marginRight: 4 },
  }),
  range: css({ marginLeft: 'auto' }),
});
