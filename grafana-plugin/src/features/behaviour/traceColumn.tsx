import { TextLink } from '@grafana/ui';
import React from 'react';

import type { Column } from '../../components/Table/DataTable';
import { TRACE_PATH } from '../../constants';
import { appUrl } from '../links/links';

/** A table column linking a row's trace to the app's trace view (empty when it has none). */
export function traceColumn<Row extends { trace_id: string }>(params: URLSearchParams): Column<Row> {
  return {
    name: 'Trace',
    value: (row) => row.trace_id,
    cell: (row) =>
      row.trace_id ? (
        <TextLink href={appUrl(`${TRACE_PATH}/${row.trace_id}`, params)} inline={false} icon="link">
          trace
        </TextLink>
      ) : null,
    width: 90,
  };
}
