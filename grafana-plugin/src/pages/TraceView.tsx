import { LinkButton, Text } from '@grafana/ui';
import React from 'react';
import { useParams } from 'react-router-dom';

import { AppPage } from '../components/Page/AppPage';
import { QueryState } from '../components/QueryState/QueryState';
import { ACTIONS } from '../constants';
import { tracingDatasource, traceExploreUrl } from '../features/links/links';
import { OpenInExplore } from '../features/links/OpenInExplore';
import { useScope } from '../features/scope/ScopeContext';
import { useAppSettings } from '../features/settings/AppSettingsContext';
import { TraceChainTree } from '../features/search/TraceChain';
import { useTrace } from '../features/search/useRecord';

/** The trace in the organisation's tracing data source (Tempo, Jaeger, …), when there is one. */
function TracingLink({ traceId }: { traceId: string }) {
  const settings = useAppSettings();
  const { range } = useScope();
  const datasource = tracingDatasource(settings);
  if (!datasource) return null;
  return (
    <LinkButton variant="secondary" icon="gf-traces" href={traceExploreUrl(datasource, traceId, range)}>
      Open in {datasource.name}
    </LinkButton>
  );
}

/**
 * One trace as a page under Explore (its breadcrumb: AuditLens › Explore › Trace): everything the
 * operation recorded, as one chain, with the way out to Grafana Explore and to the tracing data source.
 */
export default function TraceView() {
  const { traceId = '' } = useParams();
  const { tenant } = useScope();
  const trace = useTrace(tenant, traceId);
  const sqlParams = { tenant, trace: traceId, limit: 1000 };
  return (
    <AppPage
      action={ACTIONS.read}
      showRange={false}
      pageNav={{ text: `Trace ${traceId.slice(0, 8)}…`, subTitle: traceId }}
      actions={
        <>
          <OpenInExplore path="/search/sql" params={sqlParams} />
          <TracingLink traceId={traceId} />
        </>
      }
    >
      <Text element="p" color="secondary">
        Everything trace {traceId} recorded, as one chain: request → db operations → field changes, with its
        security events and admin operations.
      </Text>
      <QueryState
        state={trace}
        what="Trace chain"
        isEmpty={(c) => c.rows === 0}
        emptyMessage="No audit records in this trace for this tenant"
      >
        {(chain) => (
          <>
            <Text color="secondary">{chain.rows} records</Text>
            <TraceChainTree chain={chain} />
          </>
        )}
      </QueryState>
    </AppPage>
  );
}
