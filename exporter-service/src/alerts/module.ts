import express from 'express';
import type { AuditRow } from '../mapping/row.js';
import type { ExporterModule, ModuleContext } from '../modules.js';
import { BUILTIN_RULES } from './builtin.js';
import type { EngineRow } from './compile.js';
import { AlertEngine, type AlertInstance } from './engine.js';
import { fetchRuleRows, ruleHorizonMs } from './history.js';
import { AlertWriter, loadRecentStates } from './persistence.js';
import type { AlertRule } from './rule-model.js';
import { RuleStore, type StoredRule } from './rule-store.js';
import type { AlertingRuntime } from './runtime.js';
import { createAlertRoutes } from './routes.js';
import { createSecurityEventRoutes } from './security-events.js';
import { grafanaSettingsFrom, type GrafanaSettings } from '../grafana/settings.js';

export interface AlertingOptions {
  /** Clock for the engine (tests). */
  now?: () => number;
  /** How often time-based transitions (resolution, silence) are evaluated. Default 1 s. */
  tickMs?: number;
  /** Shortest firing time of an instance (capped at its rule's window). Default 2 min. */
  minFiringMs?: number;
  /** Group keys kept per rule. Default 50 000. */
  maxGroupsPerRule?: number;
  /** Rows read per rule when rebuilding windows after a restart. Default 100 000. */
  maxReplayRows?: number;
  /** How far back a restart replays stored records at least (incidents missed while down). Default 1 h. */
  recoveryMs?: number;
  /** How often rule edits made through another exporter are picked up. Default 30 s. */
  ruleRefreshMs?: number;
  /** Grafana delivery settings (default: from the AUDITLENS_GRAFANA_* configuration). */
  grafana?: GrafanaSettings;
  /** Called when a transition is stored, with the time since the commit that caused it (benchmarks). */
  onPersisted?: (transition: string, instance: AlertInstance, latencyMs: number) => void;
}

function toEngineRows(rows: readonly AuditRow[]): EngineRow[] {
  return rows.map((row) => ({
    table: row.table,
    tenantId: row.tenantId,
    eventId: row.eventId,
    timeMs: row.eventTimeMs,
    values: row.values,
  }));
}

/**
 * The alerting feature (DESIGN §7): streaming rule evaluation over committed rows, alert state
 * and history in ClickHouse, an `audit.security` record per incident, the rules / alerts /
 * security-event triage API, and the Grafana delivery endpoints.
 */
export class AlertingModule implements ExporterModule {
  readonly name = 'alerting';
  private runtime: AlertingRuntime | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private refresher: NodeJS.Timeout | undefined;
  private ready = false;
  private buffered: { table: string; rows: EngineRow[] }[] = [];
  private replayed = new Set<string>();
  private knownVersion = 0;
  private enabled = true;

  constructor(private readonly options: AlertingOptions = {}) {}

  get engine(): AlertEngine | undefined {
    return this.runtime?.engine;
  }

  get writer(): AlertWriter | undefined {
    return this.runtime?.writer;
  }

  async start(context: ModuleContext): Promise<void> {
    const settings = context.config.alerts;
    this.enabled = settings.enabled;
    const now = this.options.now ?? Date.now;
    const { metrics, logger } = context;
    const engine = new AlertEngine({
      now,
      maxGroupsPerRule: this.options.maxGroupsPerRule ?? settings.maxGroupsPerRule,
      minFiringMs: this.options.minFiringMs ?? settings.minFiringMs,
      onEvict: (rule) => metrics.alertGroupsEvicted.inc({ rule }),
    });
    const rules = new RuleStore(context.store, (id, message) =>
      logger.error({ rule: id, err: message }, 'stored alert rule is invalid; ignored'),
    );
    let ruleList: AlertRule[] = [...BUILTIN_RULES];
    const writer = new AlertWriter(context.store, context.pipeline, engine, logger, {
      now,
      eventTypeOf: (ruleId) => ruleList.find((r) => r.id === ruleId)?.eventType ?? 'SUSPICIOUS_ACTIVITY',
      onPersisted: (transition, instance, latencyMs) => {
        metrics.alertTransitions.inc({ rule: instance.ruleId, transition });
        if (transition === 'fired') metrics.alertLatency.observe(latencyMs / 1000);
        this.options.onPersisted?.(transition, instance, latencyMs);
      },
      onFailure: () => metrics.alertWriteFailures.inc(),
    });
    engine.onTransition = (transition) => writer.accept(transition);

    const reload = async (): Promise<StoredRule[]> => {
      const stored = await rules.list();
      ruleList = stored.map((s) => s.rule);
      const started = this.enabled ? engine.setRules(ruleList) : [];
      this.knownVersion = Math.max(this.knownVersion, ...stored.map((s) => s.version));
      if (this.ready) await this.rebuild(started, ruleList);
      return stored;
    };
    this.runtime = {
      context,
      rules,
      engine,
      writer,
      grafana: this.options.grafana ?? grafanaSettingsFrom(context.config),
      reload,
    };

    // Rows committed while the windows are rebuilt are held back, then fed once (not twice).
    context.pipeline.onCommit((table, rows) => {
      if (!this.enabled) return;
      try {
        const engineRows = toEngineRows(rows);
        if (!this.ready) {
          this.buffered.push({ table, rows: engineRows });
          return;
        }
        engine.ingest(table, engineRows);
      } catch (error) {
        // Never fail a committed batch because of alerting.
        logger.error({ err: (error as Error).message, table }, 'alert evaluation failed');
      }
    });

    const stored = await reload();
    if (this.enabled) {
      const started = stored.filter((s) => s.rule.enabled).map((s) => s.rule.id);
      await this.rebuild(started, ruleList, true);
    }
    this.ready = true;
    for (const { table, rows } of this.buffered) {
      engine.ingest(
        table,
        rows.filter((r) => !this.replayed.has(r.eventId)),
      );
    }
    this.buffered = [];
    this.replayed.clear();

    this.ticker = setInterval(() => {
      try {
        engine.tick();
        metrics.alertGroups.set(engine.groups);
        metrics.alertFiring.set(engine.instances().filter((i) => i.state === 'firing').length);
      } catch (error) {
        logger.error({ err: (error as Error).message }, 'alert tick failed');
      }
    }, this.options.tickMs ?? 1000);
    this.ticker.unref();
    this.refresher = setInterval(() => {
      rules.latestVersion().then(
        (version) => (version > this.knownVersion ? reload().then(() => undefined) : undefined),
        () => undefined,
      );
    }, this.options.ruleRefreshMs ?? 30_000);
    this.refresher.unref();
    logger.info(
      { rules: engine.ruleIds().length, enabled: this.enabled, groups: engine.groups },
      'alerting ready',
    );
  }

  /**
   * Rebuilds the windows of the given rules from ClickHouse: adopts the stored instances (so a
   * restart reports nothing twice), then replays each rule's records since its longest horizon
   * (so incidents committed while the exporter was down are reported, once).
   */
  private async rebuild(
    ruleIds: readonly string[],
    ruleList: readonly AlertRule[],
    startup = false,
  ): Promise<void> {
    const runtime = this.runtime;
    if (!runtime || ruleIds.length === 0) return;
    const { engine, context } = runtime;
    const now = (this.options.now ?? Date.now)();
    const recovery = this.options.recoveryMs ?? 3_600_000;
    const selected = ruleList.filter((r) => ruleIds.includes(r.id));
    const longest = Math.max(0, ...selected.map((r) => Math.max(ruleHorizonMs(r), recovery)));
    if (startup) engine.adopt(await loadRecentStates(context.store, now - longest));
    for (const rule of selected) {
      try {
        const from = now - Math.max(ruleHorizonMs(rule), recovery);
        const { rows, truncated } = await fetchRuleRows(
          context.store,
          rule,
          from,
          now + 60_000,
          this.options.maxReplayRows ?? 100_000,
        );
        if (truncated)
          context.logger.warn({ rule: rule.id, rows: rows.length }, 'alert window rebuild truncated');
        if (!this.ready) for (const row of rows) this.replayed.add(row.eventId);
        engine.replay(rule.id, rows);
      } catch (error) {
        context.logger.error({ rule: rule.id, err: (error as Error).message }, 'alert window rebuild failed');
      }
    }
  }

  routes(): express.Router {
    const runtime = this.runtime;
    if (!runtime) throw new Error('alerting module not started');
    const router = express.Router();
    router.use(createAlertRoutes(runtime));
    router.use(createSecurityEventRoutes(runtime));
    return router;
  }

  async stop(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    if (this.refresher) clearInterval(this.refresher);
    const runtime = this.runtime;
    if (!runtime) return;
    runtime.engine.tick();
    await runtime.writer.drain();
    runtime.writer.close();
  }
}

/** The alerting module with its defaults (what defaultModules() runs). */
export function alertingModule(options: AlertingOptions = {}): AlertingModule {
  return new AlertingModule(options);
}
