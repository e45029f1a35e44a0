import type { ExporterConfig } from '../config.js';
import type { ExporterModule, ModuleContext } from '../modules.js';
import type { AttributeValue } from '../otlp/values.js';

/** Security event types the exporter records about itself. */
export const SELF_AUDIT_EVENTS = {
  started: 'AUDIT_SERVICE_STARTED',
  stopped: 'AUDIT_SERVICE_STOPPED',
  configChanged: 'AUDIT_CONFIG_CHANGED',
  storeOutage: 'AUDIT_STORE_OUTAGE',
} as const;

/**
 * The configuration as recorded in audit records: everything that shapes what is audited and
 * who may write or read it, and no secret (tokens and passwords appear only as counts/presence).
 */
export function recordableConfig(config: ExporterConfig): Record<string, unknown> {
  const url = config.clickhouse.url ? new URL(config.clickhouse.url) : undefined;
  if (url) {
    url.username = '';
    url.password = '';
  }
  return {
    storeMode: url ? 'server' : 'embedded',
    clickhouseUrl: url?.toString() ?? null,
    clickhouseUser: config.clickhouse.user,
    clickhousePasswordSet: config.clickhouse.password !== '',
    database: config.clickhouse.database,
    cluster: config.clickhouse.cluster ?? null,
    otlpPort: config.otlpPort,
    apiPort: config.apiPort,
    host: config.host,
    ingestTokens: [...config.ingestTokens.values()].map((t) => [...t.tenants].sort().join(',')).sort(),
    apiTokens: [...config.apiTokens.values()]
      .map((t) => `${t.role}:${[...t.tenants].sort().join(',')}`)
      .sort(),
    spansAsRequests: config.spansAsRequests,
    batch: config.batch,
    maxBodyBytes: config.maxBodyBytes,
    maxAttributeBytes: config.maxAttributeBytes,
    maxFutureSkewMs: config.maxFutureSkewMs,
  };
}

export interface SelfAuditOptions {
  /** How often the store is probed to detect (and later record) an outage. */
  probeIntervalMs?: number;
}

/**
 * Audit-process protection (GB/T 22239-2019 8.1.4.3 d, PCI DSS 10.2.1.6 and 10.7.2): the
 * exporter records its own start and stop, configuration changes since its previous start,
 * and every store outage (recorded with its start and end once the store is back), as
 * system-level `audit.security` records.
 */
export function selfAuditModule(options: SelfAuditOptions = {}): ExporterModule {
  let context: ModuleContext | undefined;
  let probe: NodeJS.Timeout | undefined;
  let outageSince: number | undefined;
  let probing = false;

  const write = async (
    eventType: string,
    risk: number,
    description: string,
    extra: Record<string, AttributeValue>,
  ) => {
    await context?.recorder.write({
      kind: 'security',
      tenantId: '',
      description,
      attributes: {
        'audit.security.event_type': eventType,
        'audit.security.detection_method': 'self-audit',
        'audit.security.target_resource': 'auditlens-exporter',
        'audit.module': 'auditlens',
        'audit.operation': eventType.toLowerCase(),
        'audit.risk_level': risk,
        'audit.compliance_tags': ['GB/T 22239-2019 8.1.4.3', 'PCI DSS 10.2.1.6', 'PCI DSS 10.7.2'],
        ...extra,
      },
    });
  };

  const checkStore = async (): Promise<void> => {
    if (!context || probing) return;
    probing = true;
    try {
      const reachable = await context.store.ping().catch(() => false);
      if (!reachable && outageSince === undefined) {
        outageSince = Date.now();
        context.logger.error('audit store unreachable: records are refused with 503 until it is back');
      } else if (reachable && outageSince !== undefined) {
        const since = outageSince;
        const until = Date.now();
        await write(SELF_AUDIT_EVENTS.storeOutage, 3, `audit store was unreachable for ${until - since} ms`, {
          'audit.result': 'failure',
          'auditlens.outage.from': new Date(since).toISOString(),
          'auditlens.outage.to': new Date(until).toISOString(),
          'auditlens.outage.duration_ms': until - since,
        });
        outageSince = undefined;
        context.logger.warn({ durationMs: until - since }, 'audit store reachable again; outage recorded');
      }
    } catch (error) {
      context.logger.error({ err: (error as Error).message }, 'could not record the store outage yet');
    } finally {
      probing = false;
    }
  };

  return {
    name: 'self-audit',
    async start(moduleContext) {
      context = moduleContext;
      const current = recordableConfig(moduleContext.config);
      const devMode =
        moduleContext.config.ingestTokens.size === 0 || moduleContext.config.apiTokens.size === 0;
      const previous = await previousConfig(moduleContext);
      await write(
        SELF_AUDIT_EVENTS.started,
        devMode ? 3 : 1,
        devMode ? 'AuditLens exporter started in DEV MODE (no authentication)' : 'AuditLens exporter started',
        {
          'audit.result': 'success',
          'auditlens.config': JSON.stringify(current),
          'auditlens.dev_mode': devMode,
        },
      );
      if (previous) {
        const changed = Object.keys(current).filter(
          (key) => JSON.stringify(current[key]) !== JSON.stringify(previous[key]),
        );
        if (changed.length > 0) {
          await write(
            SELF_AUDIT_EVENTS.configChanged,
            2,
            `configuration changed since the previous start: ${changed.join(', ')}`,
            {
              'audit.result': 'success',
              'auditlens.config.changed': changed,
              'auditlens.config.before': JSON.stringify(
                Object.fromEntries(changed.map((k) => [k, previous[k] ?? null])),
              ),
              'auditlens.config.after': JSON.stringify(
                Object.fromEntries(changed.map((k) => [k, current[k]])),
              ),
            },
          );
        }
      }
      probe = setInterval(() => void checkStore(), options.probeIntervalMs ?? 10_000);
      probe.unref();
    },
    async stop() {
      if (probe) clearInterval(probe);
      await write(SELF_AUDIT_EVENTS.stopped, 2, 'AuditLens exporter stopping', {
        'audit.result': 'success',
      }).catch((error: unknown) =>
        context?.logger.error({ err: (error as Error).message }, 'could not record the stop'),
      );
    },
  };
}

async function previousConfig(context: ModuleContext): Promise<Record<string, unknown> | undefined> {
  const [row] = await context.store.query<{ config: string }>(
    `SELECT attributes['auditlens.config'] AS config FROM ${context.store.database}.audit_security_log
     WHERE tenant_id = '' AND event_type = {type:String} ORDER BY event_time DESC LIMIT 1`,
    { type: SELF_AUDIT_EVENTS.started },
  );
  return row?.config ? (JSON.parse(row.config) as Record<string, unknown>) : undefined;
}
