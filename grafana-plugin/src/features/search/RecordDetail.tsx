import { Drawer, LinkButton, Stack } from '@grafana/ui';
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

/** The resource a record is about (source 004), as the search's resourceType and resourceId. */
function resourceOf(record: Record<string, unknown> | undefined): { type: string; id: string } | undefined {
  const text = (name: string) => (typeof record?.[name] === 'string' ? (record[name] as string) : '');
  if (text('target_type') && text('target_id')) return { type: text('target_type'), id: text('target_id') };
  if (text('db_table') && text('record_id')) return { type: text('db_table'), id: text('record_id') };
  return undefined;
}

/**
 * Every column of one record, fetched on open. `reference` is the URL's `record` parameter,
 * "<kind>:<event id>" (and ":<tenant>" for a row of a search across tenants), so an open record
 * is part of a shared link. A record about a resource links to that resource's history.
 */
export function RecordDetail({
  tenant,
  reference,
  onClose,
  traceHref,
  historyHref,
}: {
  tenant: string;
  reference: string;
  onClose: () => void;
  traceHref: (traceId: string) => string;
  historyHref: (resourceType: string, resourceId: string) => string;
}) {
  const { timeZone } = useScope();
  const [kind = '', eventId = '', ...rowTenant] = reference.split(':');
  const record = useRecord(rowTenant.length > 0 ? rowTenant.join(':') : tenant, kind, eventId);
  const resource = resourceOf(record.data);
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
      <Stack gap={1}>
        {traceId && (
          <LinkButton icon="link" variant="secondary" size="sm" href={traceHref(traceId)}>
            Show trace {traceId}
          </LinkButton>
        )}
        {resource && (
          <LinkButton
            icon="history"
            variant="secondary"
            size="sm"
            href={historyHref(resource.type, resource.id)}
          >
            History of {resource.type}#{resource.id}
          </LinkButton>
        )}
      </Stack>
      <QueryState state={record} what="Record">
        {() => <DataTable ariaLabel="Record detail" rows={properties} columns={COLUMNS} maxHeight={2000} />}
      </QueryState>
    </Drawer>
  );
}
