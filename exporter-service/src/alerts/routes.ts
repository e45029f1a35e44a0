import { AUDIT_KINDS } from '@auditlens/contract';
import express, { type Request, type Response } from 'express';
import {
  alertsQuerySchema,
  grafanaChangeRequestSchema,
  type grafanaChangeAnswerSchema,
  type AppSettingsRecord,
  type GrafanaChangeRequest,
  grafanaSyncRequestSchema,
  incidentsQuerySchema,
  ruleTestRequestSchema,
  RULE_ID,
  type alertsSchema,
  type Answer,
  type desiredGrafanaRulesSchema,
  type dryRunSchema,
  type incidentsSchema,
  type ruleListSchema,
  type ruleViewSchema,
} from '@auditlens/contract/rest';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { principalOf, requireAdmin, type Principal } from '../api/principal.js';
import { formatTime, parseTime } from '../mapping/fields.js';
import { GrafanaClient, desiredGrafanaRules, syncGrafanaRules } from '../grafana/client.js';
import { recordAdminOperation } from './admin-audit.js';
import { readPeriod, singleValues } from '../api/params.js';
import { authorizeRuleTenant, iso, recordTenant, ruleVisible, tenantScope } from './api-support.js';
import { BUILTIN_IDS } from './builtin.js';
import { dryRun } from './dry-run.js';
import { fieldNames, fieldSpec, type RuleSource } from './fields.js';
import type { AlertingRuntime } from './runtime.js';
import { instanceFromState, STATE_COLUMNS, type StateRow } from './persistence.js';
import { parseRule, type AlertRule } from './rule-model.js';
import { VersionConflictError, type StoredRule } from './rule-store.js';

const HOUR = 3_600_000;

/** A rule as the API returns it. */
function ruleView(entry: StoredRule, firing: number): Answer<typeof ruleViewSchema> {
  return {
    rule: entry.rule,
    builtIn: entry.builtIn,
    modified: entry.modified,
    version: entry.version,
    updatedAt: entry.updatedAt,
    updatedBy: entry.updatedBy,
    firing,
  };
}

function instanceView(row: StateRow) {
  const instance = instanceFromState(row);
  return {
    tenant: instance.tenantId,
    ruleId: instance.ruleId,
    ruleName: instance.ruleName,
    groupKey: instance.groupKey,
    groupLabels: instance.groupLabels,
    state: instance.state,
    severity: instance.severity,
    mitreTactic: instance.mitreTactic,
    mitreTechnique: instance.mitreTechnique,
    contactPoint: instance.contactPoint,
    summary: instance.summary,
    matchCount: instance.matchCount,
    firstSeen: iso(instance.firstSeenMs),
    lastSeen: iso(instance.lastSeenMs),
    firedAt: iso(instance.firedAtMs),
    resolvedAt: iso(instance.resolvedAtMs),
    updatedAt: iso(parseTime(row.updated_at)),
    securityEventId: instance.incidentId,
    eventIds: instance.eventIds,
  };
}

interface EventRow {
  tenant_id: string;
  rule_id: string;
  group_key: string;
  transition: string;
  severity: number;
  event_time: string;
  event_ids: string[];
  security_event_id: string;
  details: string;
}

function eventView(row: EventRow) {
  let details: unknown = {};
  try {
    details = JSON.parse(row.details);
  } catch {
    details = { raw: row.details };
  }
  return {
    tenant: row.tenant_id,
    ruleId: row.rule_id,
    groupKey: row.group_key,
    transition: row.transition,
    severity: Number(row.severity),
    time: iso(parseTime(row.event_time)),
    securityEventId: row.security_event_id,
    eventIds: row.event_ids,
    details,
  };
}

/** How many group keys of an incident's newest instances are named. */
const INCIDENT_SAMPLES = 5;

interface IncidentRow {
  tenant_id: string;
  rule_id: string;
  name: string;
  top_severity: number;
  firing: string;
  matches: string;
  newest: string;
  oldest: string;
  tactic: string;
  technique: string;
  newest_keys: string[];
}

function incidentView(row: IncidentRow) {
  return {
    tenant: row.tenant_id,
    ruleId: row.rule_id,
    ruleName: row.name,
    severity: Number(row.top_severity),
    firing: Number(row.firing),
    matches: Number(row.matches),
    newestFiredAt: iso(parseTime(row.newest)),
    oldestFiredAt: iso(parseTime(row.oldest)),
    mitreTactic: row.tactic,
    mitreTechnique: row.technique,
    newestGroupKeys: row.newest_keys,
  };
}

/**
 * The alert rules and alerts API (DESIGN §5, §7): rule CRUD (admin, audited as audit.admin),
 * enable/disable, dry runs, firing instances and history, and the Grafana delivery endpoints.
 * Every read is scoped to a tenant the token may read and recorded as audit.access.
 */
export function createAlertRoutes(runtime: AlertingRuntime): express.Router {
  const router = express.Router();
  const { context, rules } = runtime;
  const { store, accessLog, recorder } = context;

  const firingCount = (ruleId: string): number =>
    runtime.engine.instances().filter((i) => i.ruleId === ruleId && i.state === 'firing').length;

  /** Audits the change, then applies it; a failed change is audited as a failure too. */
  async function change<T>(
    principal: Principal,
    request: Request,
    rule: AlertRule,
    operation: string,
    apply: () => Promise<T>,
  ): Promise<T> {
    const base = {
      tenantId: recordTenant(rule.tenant),
      operation,
      targetType: 'alert_rule',
      targetId: rule.id,
      targetName: rule.name,
      method: request.method,
      path: request.originalUrl.split('?')[0] ?? request.path,
      params: rule,
      description: `${principal.userName || principal.subject} ${operation} ${rule.id}`,
    };
    await recordAdminOperation(recorder, principal, { ...base, result: 'success' });
    try {
      const result = await apply();
      await runtime.reload();
      return result;
    } catch (error) {
      if (!(error instanceof VersionConflictError)) {
        await recordAdminOperation(recorder, principal, {
          ...base,
          result: 'failure',
          description: `${base.description} failed`,
          errorMessage: (error as Error).message,
        }).catch(() => undefined);
      }
      throw error;
    }
  }

  async function existing(id: string): Promise<StoredRule> {
    if (!RULE_ID.test(id)) throw new ApiError(400, 'id: not a rule id');
    const entry = await rules.get(id);
    if (!entry) throw new ApiError(404, `no alert rule ${id}`);
    return entry;
  }

  function expectedVersion(request: Request): number | undefined {
    const header = request.headers['if-match'];
    if (header === undefined) return undefined;
    const version = Number(String(header).replace(/"/g, ''));
    if (!Number.isInteger(version) || version < 0)
      throw new ApiError(400, 'If-Match: a rule version expected');
    return version;
  }

  /** Refuses a stale If-Match before anything is recorded (the store re-checks when it saves). */
  function checkVersion(current: StoredRule, version: number | undefined): void {
    if (version !== undefined && current.version !== version) {
      throw new ApiError(
        409,
        `rule ${current.rule.id} is at version ${current.version}, not ${version}: reload it and retry`,
      );
    }
  }

  const save = async (rule: AlertRule, principal: Principal, version?: number): Promise<StoredRule> => {
    try {
      return await rules.save(rule, principal.userName || principal.subject, version);
    } catch (error) {
      if (error instanceof VersionConflictError) throw new ApiError(409, error.message);
      throw error;
    }
  };

  router.get('/alert-rule-fields', (request: Request, response: Response) => {
    const { source } = z
      .object({ source: z.enum([...AUDIT_KINDS, '*']).default('*') })
      .parse(singleValues(request.query));
    response.json({
      source,
      fields: fieldNames(source as RuleSource).map((name) => ({ name, type: fieldSpec(source, name)?.type })),
      attributes: 'attributes.<key> (text) for any attribute without its own column',
    });
  });

  router.get('/alert-rules', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = singleValues(request.query);
    const tenantId = tenantScope(principal, query.tenant);
    const visible = (await rules.list()).filter((entry) => ruleVisible(entry.rule.tenant, tenantId));
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'read',
      resource: 'GET /api/v1/alert-rules',
      filter: { tenant: query.tenant },
      rows: visible.length,
    });
    response.json({
      rules: visible.map((entry) => ruleView(entry, firingCount(entry.rule.id))),
    } satisfies Answer<typeof ruleListSchema>);
  });

  router.get('/alert-rules/:id', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const tenantId = tenantScope(principal, singleValues(request.query).tenant);
    const entry = await existing(String(request.params.id));
    if (!ruleVisible(entry.rule.tenant, tenantId)) throw new ApiError(404, `no alert rule ${entry.rule.id}`);
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'read',
      resource: 'GET /api/v1/alert-rules/{id}',
      filter: { id: entry.rule.id },
      rows: 1,
    });
    response.json(ruleView(entry, firingCount(entry.rule.id)));
  });

  router.post('/alert-rules', requireAdmin, async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const rule = parseRule(request.body);
    authorizeRuleTenant(principal, rule.tenant);
    if (BUILTIN_IDS.has(rule.id) || (await rules.get(rule.id))) {
      throw new ApiError(
        409,
        `id: alert rule ${rule.id} exists already (PUT /api/v1/alert-rules/${rule.id} replaces it)`,
      );
    }
    const saved = await change(principal, request, rule, 'ALERT_RULE_CREATE', () => save(rule, principal));
    response.status(201).json(ruleView(saved, 0));
  });

  router.put('/alert-rules/:id', requireAdmin, async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const id = String(request.params.id);
    const body: unknown = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ApiError(400, 'body: a rule object expected');
    }
    const input = body as Record<string, unknown>;
    if (input.id !== undefined && input.id !== id) throw new ApiError(400, `id: must match the path (${id})`);
    const rule = parseRule({ ...input, id });
    const current = await existing(id);
    authorizeRuleTenant(principal, current.rule.tenant);
    authorizeRuleTenant(principal, rule.tenant);
    const version = expectedVersion(request);
    checkVersion(current, version);
    const saved = await change(principal, request, rule, 'ALERT_RULE_UPDATE', () =>
      save(rule, principal, version),
    );
    response.json(ruleView(saved, firingCount(id)));
  });

  router.delete('/alert-rules/:id', requireAdmin, async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const current = await existing(String(request.params.id));
    authorizeRuleTenant(principal, current.rule.tenant);
    if (current.builtIn) {
      throw new ApiError(
        409,
        `alert rule ${current.rule.id} is built in: disable it (POST /api/v1/alert-rules/${current.rule.id}/disable) or edit it instead`,
      );
    }
    await change(principal, request, current.rule, 'ALERT_RULE_DELETE', () =>
      rules.remove(current.rule, principal.userName || principal.subject),
    );
    response.json({ deleted: current.rule.id });
  });

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    router.post(`/alert-rules/:id/${action}`, requireAdmin, async (request: Request, response: Response) => {
      const principal = principalOf(response);
      const current = await existing(String(request.params.id));
      authorizeRuleTenant(principal, current.rule.tenant);
      const rule = { ...current.rule, enabled };
      checkVersion(current, expectedVersion(request));
      const saved = await change(principal, request, rule, `ALERT_RULE_${action.toUpperCase()}`, () =>
        save(rule, principal, expectedVersion(request)),
      );
      response.json(ruleView(saved, firingCount(rule.id)));
    });
  }

  async function runTest(
    request: Request,
    response: Response,
    rule: AlertRule,
    hours: number,
  ): Promise<void> {
    const principal = principalOf(response);
    const tenantId = tenantScope(principal, singleValues(request.query).tenant);
    if (!ruleVisible(rule.tenant, tenantId))
      throw new ApiError(404, `no alert rule ${rule.id} for this tenant`);
    const scoped: AlertRule = {
      ...rule,
      tenant: tenantId === undefined ? rule.tenant : tenantId === '' ? '@system' : tenantId,
    };
    const toMs = Date.now();
    const result = await dryRun(store, scoped, toMs - hours * HOUR, toMs);
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'search',
      resource: 'POST /api/v1/alert-rules/{id}/test',
      filter: { rule: rule.id, hours },
      rows: result.rowsScanned,
    });
    response.json(result satisfies Answer<typeof dryRunSchema>);
  }

  router.post('/alert-rules/test', async (request: Request, response: Response) => {
    const body = ruleTestRequestSchema.parse(request.body ?? {});
    if (body.rule === undefined) throw new ApiError(400, 'rule: the rule to test is required');
    let rule: AlertRule;
    try {
      rule = parseRule(body.rule);
    } catch (error) {
      if (error instanceof z.ZodError) {
        throw new ApiError(400, error.issues.map((i) => `rule.${i.path.join('.')}: ${i.message}`).join('; '));
      }
      throw error;
    }
    await runTest(request, response, rule, body.hours);
  });

  router.post('/alert-rules/:id/test', async (request: Request, response: Response) => {
    const body = ruleTestRequestSchema.parse(request.body ?? {});
    if (body.rule !== undefined)
      throw new ApiError(400, 'rule: use POST /api/v1/alert-rules/test to test a draft');
    const entry = await existing(String(request.params.id));
    await runTest(request, response, entry.rule, body.hours);
  });

  router.get('/alerts', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = alertsQuerySchema.parse(singleValues(request.query));
    const tenantId = tenantScope(principal, query.tenant);
    const { fromMs, toMs } = readPeriod(query, 24 * HOUR);
    const params: Record<string, unknown> = {
      states: query.state === 'all' ? ['firing', 'resolved'] : [query.state],
      limit: query.limit,
      from: formatTime(fromMs),
      to: formatTime(toMs),
    };
    const where = ['state IN {states:Array(String)}'];
    const history = ["event_time >= {from:DateTime64(3, 'UTC')}", "event_time < {to:DateTime64(3, 'UTC')}"];
    const both = (condition: string, name: string, value: unknown) => {
      where.push(condition);
      history.push(condition);
      params[name] = value;
    };
    if (tenantId !== undefined) both('tenant_id = {tenant:String}', 'tenant', tenantId);
    if (query.rule) both('rule_id = {rule:String}', 'rule', query.rule);
    if (query.minSeverity) both('severity >= {minSeverity:UInt8}', 'minSeverity', query.minSeverity);
    if (query.state !== 'firing') where.push("updated_at >= {from:DateTime64(3, 'UTC')}");
    const [instances, events] = await Promise.all([
      store.query<StateRow>(
        `SELECT ${STATE_COLUMNS} FROM ${store.database}.audit_alert_state FINAL
         WHERE ${where.join(' AND ')} ORDER BY updated_at DESC LIMIT {limit:UInt32}`,
        params,
      ),
      store.query<EventRow>(
        `SELECT tenant_id, rule_id, group_key, transition, severity, event_time, event_ids,
                toString(security_event_id) AS security_event_id, details
         FROM ${store.database}.audit_alert_event WHERE ${history.join(' AND ')}
         ORDER BY event_time DESC LIMIT 1 BY security_event_id, transition, event_time LIMIT {limit:UInt32}`,
        params,
      ),
    ]);
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'read',
      resource: 'GET /api/v1/alerts',
      filter: { ...singleValues(request.query) },
      rows: instances.length + events.length,
    });
    response.json({
      instances: instances.map(instanceView),
      history: events.map(eventView),
    } satisfies Answer<typeof alertsSchema>);
  });

  // Firing instances as incidents: one row per rule (and tenant) with how many of its instances
  // fire, newest first, so that hundreds of instances of one rule read as one incident.
  router.get('/alerts/incidents', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = incidentsQuerySchema.parse(singleValues(request.query));
    const tenantId = tenantScope(principal, query.tenant);
    const params: Record<string, unknown> = { limit: query.limit, samples: INCIDENT_SAMPLES };
    const where = ["state = 'firing'"];
    if (tenantId !== undefined) {
      where.push('tenant_id = {tenant:String}');
      params.tenant = tenantId;
    }
    if (query.minSeverity) {
      where.push('severity >= {minSeverity:UInt8}');
      params.minSeverity = query.minSeverity;
    }
    const rows = await store.query<IncidentRow>(
      `SELECT tenant_id, rule_id, argMax(rule_name, updated_at) AS name, max(severity) AS top_severity,
              count() AS firing, sum(match_count) AS matches, max(fired_at) AS newest, min(fired_at) AS oldest,
              argMax(mitre_tactic, fired_at) AS tactic, argMax(mitre_technique, fired_at) AS technique,
              arraySlice(arrayReverseSort((key, at) -> at, groupArray(group_key), groupArray((fired_at, last_seen))), 1, {samples:UInt32})
                AS newest_keys
       FROM ${store.database}.audit_alert_state FINAL WHERE ${where.join(' AND ')}
       GROUP BY tenant_id, rule_id ORDER BY newest DESC, rule_id LIMIT {limit:UInt32}`,
      params,
    );
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'read',
      resource: 'GET /api/v1/alerts/incidents',
      filter: { ...singleValues(request.query) },
      rows: rows.length,
    });
    response.json({ incidents: rows.map(incidentView) } satisfies Answer<typeof incidentsSchema>);
  });

  // Grafana delivery: the desired Grafana-managed rules (for the app to apply with the user's
  // session), the contact points and a sync run by the exporter (with AUDITLENS_GRAFANA_*).
  router.get('/grafana/alert-rules', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = z
      .object({
        tenant: z.string().optional(),
        all: z.enum(['true', 'false']).default('false'),
        datasourceUid: z
          .string()
          .regex(/^[a-zA-Z0-9_-]{1,40}$/)
          .optional(),
      })
      .parse(singleValues(request.query));
    const tenantId = tenantScope(principal, query.tenant);
    const visible = (await rules.list()).map((e) => e.rule).filter((r) => ruleVisible(r.tenant, tenantId));
    const settings = {
      ...runtime.grafana,
      database: store.database,
      datasourceUid: query.datasourceUid ?? runtime.grafana.datasourceUid,
    };
    const { payloads, skipped } = desiredGrafanaRules(visible, settings, { all: query.all === 'true' });
    await accessLog.record(principal, {
      tenantId: tenantId ?? '',
      type: 'read',
      resource: 'GET /api/v1/grafana/alert-rules',
      filter: query,
      rows: payloads.length,
    });
    response.json({
      folder: { uid: settings.folderUid, title: settings.folderTitle },
      ruleGroup: settings.ruleGroup,
      headers: { 'X-Disable-Provenance': 'true' },
      rules: payloads,
      skipped,
    } satisfies Answer<typeof desiredGrafanaRulesSchema>);
  });

  function grafanaClient(): GrafanaClient {
    if (!runtime.grafana.url) {
      throw new ApiError(
        409,
        'Grafana is not configured on the exporter (AUDITLENS_GRAFANA_URL, AUDITLENS_GRAFANA_TOKEN); the app can call Grafana directly',
      );
    }
    return new GrafanaClient({ url: runtime.grafana.url, token: runtime.grafana.token });
  }

  router.get('/grafana/contact-points', async (_request: Request, response: Response) => {
    principalOf(response);
    try {
      response.json({ contactPoints: await grafanaClient().listContactPoints() });
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(502, `Grafana: ${(error as Error).message}`);
    }
  });

  /**
   * A change the Grafana app makes in Grafana itself with the user's session (applying the
   * Grafana-managed rules, saving the app's settings): the app records it here first and makes it
   * only on 201, so it is audited like every admin change (DESIGN §5); a change that then fails is
   * recorded again with `failure`.
   */
  router.post('/grafana/changes', requireAdmin, async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const body = grafanaChangeRequestSchema.parse(request.body ?? {});
    const who = principal.userName || principal.subject;
    const failed = body.failure === undefined ? '' : ' (failed)';
    const change =
      body.operation === 'GRAFANA_RULES_APPLY'
        ? {
            targetId: body.folderUid,
            targetName: 'Grafana-managed alert rules',
            params: { rules: body.rules },
            description: `${who} applied ${body.rules.length} alert rules in Grafana${failed}`,
          }
        : {
            targetId: body.pluginId,
            targetName: 'AuditLens app settings',
            params: { before: body.before, after: body.after, apiTokenChanged: body.apiTokenChanged },
            description: `${who} changed the AuditLens app settings (${changedSettings(body).join(', ') || 'no field'})${failed}`,
          };
    await recordAdminOperation(recorder, principal, {
      tenantId: '',
      operation: body.operation,
      targetType: 'grafana',
      method: request.method,
      path: '/api/v1/grafana/changes',
      result: body.failure === undefined ? 'success' : 'failure',
      ...change,
      ...(body.failure === undefined ? {} : { errorMessage: body.failure }),
    });
    response.status(201).json({ recorded: true } satisfies Answer<typeof grafanaChangeAnswerSchema>);
  });

  router.post('/grafana/sync', requireAdmin, async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const body = grafanaSyncRequestSchema.parse(request.body ?? {});
    if (!principal.tenants.has('*'))
      throw new ApiError(
        403,
        'Grafana sync covers every tenant: it needs a token bound to all tenants',
        'tenant-not-allowed',
      );
    const client = grafanaClient();
    const all = (await rules.list()).map((e) => e.rule);
    await recordAdminOperation(recorder, principal, {
      tenantId: '',
      operation: 'GRAFANA_RULE_SYNC',
      targetType: 'grafana',
      targetId: runtime.grafana.folderUid,
      targetName: runtime.grafana.url ?? '',
      method: request.method,
      path: '/api/v1/grafana/sync',
      params: body,
      result: 'success',
      description: `${principal.userName || principal.subject} synced alert rules to Grafana`,
    });
    try {
      response.json(
        await syncGrafanaRules(client, all, { ...runtime.grafana, database: store.database }, body),
      );
    } catch (error) {
      throw new ApiError(502, `Grafana: ${(error as Error).message}`);
    }
  });

  return router;
}

/** The app settings an APP_SETTINGS_UPDATE changes, by name (the token by whether it was replaced). */
function changedSettings(
  change: Extract<GrafanaChangeRequest, { operation: 'APP_SETTINGS_UPDATE' }>,
): string[] {
  const keys = new Set([...Object.keys(change.before), ...Object.keys(change.after)]);
  const changed = [...keys].filter(
    (key) =>
      JSON.stringify(change.before[key as keyof AppSettingsRecord]) !==
      JSON.stringify(change.after[key as keyof AppSettingsRecord]),
  );
  return change.apiTokenChanged ? [...changed, 'apiToken'] : changed;
}
