import type { DataSourceInstanceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';

const datasource = (uid: string, name: string, type: string, tracing = false) =>
  ({ uid, name, type, meta: { id: type, tracing }, jsonData: {} }) as unknown as DataSourceInstanceSettings;

/** An organisation's data sources: the platform reader, acme's reader, and a Tempo. */
export const DATASOURCES = [
  datasource('auditlens-clickhouse', 'AuditLens: all tenants', 'grafana-clickhouse-datasource'),
  datasource('auditlens-acme', 'AuditLens: acme', 'grafana-clickhouse-datasource'),
  datasource('tempo', 'Tempo', 'tempo', true),
];

/** Grafana's DataSourceSrv over a list: by uid or name, and the list filtered as getList filters it. */
export function setDataSources(list = DATASOURCES): void {
  setDataSourceSrv({
    getInstanceSettings: (ref: string | { uid?: string } | null | undefined) => {
      const key = typeof ref === 'string' ? ref : ref?.uid;
      return list.find((ds) => ds.uid === key || ds.name === key);
    },
    getList: (filters: { tracing?: boolean } = {}) =>
      list.filter((ds) => filters.tracing === undefined || Boolean(ds.meta.tracing) === filters.tracing),
    get: () => Promise.reject(new Error('not in the test')),
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => undefined,
  } as unknown as DataSourceSrv);
}
