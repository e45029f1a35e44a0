import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React from 'react';

import type { Profile } from '../../api/behaviourSchemas';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

/**
 * Records per weekday × hour of day (UTC, the exporter's hourly buckets): each cell's opacity is
 * its share of the busiest cell, in the theme's primary colour; the count is in its title.
 */
export function ActivityHeatmap({ cells }: { cells: Profile['heatmap'] }) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const counts = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c.events]));
  const max = Math.max(1, ...cells.map((c) => c.events));
  return (
    <div className={styles.grid} role="grid" aria-label="Activity by weekday and hour (UTC)">
      <div />
      {HOURS.map((hour) => (
        <div key={hour} className={styles.hour}>
          {hour % 3 === 0 ? String(hour).padStart(2, '0') : ''}
        </div>
      ))}
      {WEEKDAYS.map((name, index) => (
        <React.Fragment key={name}>
          <div className={styles.day}>{name}</div>
          {HOURS.map((hour) => {
            const events = counts.get(`${index + 1}:${hour}`) ?? 0;
            return (
              <div
                key={hour}
                role="gridcell"
                data-testid={`heat-${index + 1}-${hour}`}
                title={`${name} ${String(hour).padStart(2, '0')}:00 UTC: ${events} records`}
                className={styles.cell}
                style={{
                  background: events > 0 ? theme.colors.primary.main : theme.colors.background.secondary,
                  opacity: events > 0 ? 0.2 + (0.8 * events) / max : 1,
                }}
              />
            );
          })}
        </React.Fragment>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: `40px repeat(24, minmax(12px, 1fr))`,
    gap: 2,
    maxWidth: 900,
    marginBottom: theme.spacing(2),
  }),
  hour: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  day: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  cell: css({ height: 18, borderRadius: theme.shape.radius.default }),
});
