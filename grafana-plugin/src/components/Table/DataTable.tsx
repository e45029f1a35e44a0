import { css } from '@emotion/css';
import {
  applyFieldOverrides,
  createDataFrame,
  FieldColorModeId,
  FieldType,
  type DataFrame,
  type FieldConfig,
  type GrafanaTheme2,
} from '@grafana/data';
import {
  Table,
  TableCellDisplayMode,
  useStyles2,
  useTheme2,
  type CustomCellRendererProps,
  type TableSortByFieldState,
} from '@grafana/ui';
import React, { useMemo, useRef } from 'react';

import { useElementSize } from '../../hooks/useElementSize';
import { useScope } from '../../features/scope/ScopeContext';

/** One column: its header, how to read it from a row, and how to show it. */
export interface Column<Row> {
  name: string;
  /** time: epoch milliseconds, shown in the user's time zone and Grafana's date format. */
  type?: 'string' | 'number' | 'time';
  value: (row: Row) => string | number | null;
  /** A React cell instead of the text (links, badges, buttons). */
  cell?: (row: Row) => React.ReactNode;
  /** A horizontal bar gauge of the number, as Grafana's table panel draws one. */
  gauge?: boolean;
  width?: number;
  unit?: string;
  /** Long values: Grafana's cell inspector shows the whole value. */
  inspect?: boolean;
}

/**
 * Grafana's table draws again (and remounts its row components) whenever it renders; it only needs
 * to when its own props change.
 */
const GrafanaTable = React.memo(Table);

/** Grafana's table row height ("sm" cells) and header, for sizing a short table to its rows. */
const ROW_HEIGHT = 36;
const HEADER_HEIGHT = 36;

const FIELD_TYPES = { string: FieldType.string, number: FieldType.number, time: FieldType.time };

/** A custom cell: reads the current rows and columns, so that it stays one component across renders. */
type CellComponent = (props: CustomCellRendererProps) => React.ReactNode;

function fieldConfig<Row>(column: Column<Row>, cell: CellComponent | undefined): FieldConfig {
  const custom: Record<string, unknown> = { align: 'auto', inspect: Boolean(column.inspect) };
  if (column.width) custom.width = column.width;
  if (column.cell && cell) {
    custom.cellOptions = { type: TableCellDisplayMode.Custom, cellComponent: cell };
  } else if (column.gauge) {
    custom.cellOptions = { type: TableCellDisplayMode.Gauge, mode: 'basic' };
  }
  const gauge = column.gauge ? { min: 0, color: { mode: FieldColorModeId.Fixed, fixedColor: 'blue' } } : {};
  return { custom, unit: column.unit, ...gauge };
}

/**
 * Rows of any kind as Grafana's own table (@grafana/ui Table, the component of Grafana's table
 * panel): sortable columns, virtualised rows (only the visible ones are in the page), resizable
 * columns, theme colours, and times in the user's time zone (applyFieldOverrides formats them).
 */
export function DataTable<Row>({
  ariaLabel,
  rows,
  columns,
  maxHeight = 600,
  initialSortBy,
  onSortByChange,
}: {
  ariaLabel: string;
  rows: Row[];
  columns: Array<Column<Row>>;
  maxHeight?: number;
  initialSortBy?: TableSortByFieldState[];
  onSortByChange?: (sortBy: TableSortByFieldState[]) => void;
}) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const { timeZone } = useScope();
  const container = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(container);
  // Custom cells keep their identity while rows and columns change (a new component would remount
  // every cell, losing focus and the element a click is on); they read the latest from here.
  const latest = useRef({ rows, columns });
  latest.current = { rows, columns };
  const cells = useMemo(
    () =>
      Array.from({ length: columns.length }, (_, index): CellComponent => {
        function Cell({ rowIndex }: CustomCellRendererProps) {
          // rowIndex is the row's index in the frame, also after sorting.
          const row = latest.current.rows[rowIndex];
          const render = latest.current.columns[index]?.cell;
          return row === undefined || !render ? null : <>{render(row)}</>;
        }
        return Cell;
      }),
    [columns.length],
  );
  const frame = useMemo<DataFrame | undefined>(() => {
    // No frame name: Grafana would show it as the header of a column named "Value".
    const raw = createDataFrame({
      fields: columns.map((column, index) => ({
        name: column.name,
        type: FIELD_TYPES[column.type ?? 'string'],
        values: rows.map(column.value),
        config: fieldConfig(column, cells[index]),
      })),
    });
    return applyFieldOverrides({
      data: [raw],
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (value) => value,
      theme,
      timeZone,
    })[0];
  }, [columns, rows, cells, theme, timeZone]);
  const height = Math.min(maxHeight, HEADER_HEIGHT + Math.max(rows.length, 1) * ROW_HEIGHT + 2);
  return (
    <div ref={container} className={styles.container} style={{ height }} data-testid={`table-${ariaLabel}`}>
      {frame && width > 0 && (
        <GrafanaTable
          ariaLabel={ariaLabel}
          data={frame}
          width={width}
          height={height}
          resizable
          initialSortBy={initialSortBy}
          onSortByChange={onSortByChange}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({ width: '100%', marginBottom: theme.spacing(2) }),
});
