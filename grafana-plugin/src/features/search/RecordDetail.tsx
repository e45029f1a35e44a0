import { Drawer, LinkButton } from '@grafana/ui';
import React, { useMemo } from 'react';

import { QueryState } from '../../components/QueryState/QueryState';
import { DataTable, type Column } from '../../components/Table/DataTable';
import { useScope } from '../scope/ScopeContext';
import { formatApiTime } from '../time/time';
import { formatValue } from './format';
import { useRecord } from './useRecord';

type Property = { field: string; value: string };

/** Columns holding a time (event_time, changed_at, …): shown in the user's time zone. */
const TIME_COLUMN = /(_time|_at)$/;

const COLUMNS: Array<Column<Property>> = [
  { name: 'Field', value: (p) => p.field, width: 200 },
  { name: 'Value', value: (p) => p.value, inspect: true },
];

/**
 * Every column of one record, fetched on open. `reference` is the URL's `record` parameter,
 * "<kind>:<event id>", so an open record is part of a shared link.
 */
export function RecordDetail({
  tenant,
  reference,
  onClose,
  traceHref,
}: {
  tenant: string;
  reference: string;
  onClose: () => void;
  traceHref: (traceId: string) => string;
}) {
  const { timeZone } = useScope();
  const [kind = '', eventId = ''] = reference.split(':');
  const record = useRecord(tenant, kind, eventId);
  const properties = useMemo(
    () =>
      Object.entries(record.data ?? {}).map(([field, value]) => ({
        field,
        value:
          TIME_COLUMN.test(field) && typeof value === 'string'
            ? formatApiTime(value, timeZone)
            : formatValue(value),
      })),
    [record.data, timeZone],
  );
  const traceId = typeof record.data?.trace_id === 'string' ? record.data.trace_id : '';
  return (
    <Drawer title={`${kind} ${eventId}`} onClose={onClose} size="md">
      {traceId && (
        <LinkButton icon="link" variant="secondary" size="sm" href={traceHref(traceId)}>
          Show trace {traceId}
        </LinkButton>
      )}
      <QueryState state={record} what="Record">
        {() => <DataTable ariaLabel="Record detail" rows={properties} columns={COLUMNS} maxHeight={2000} />}
      </QueryState>
    </Drawer>
  );
}
