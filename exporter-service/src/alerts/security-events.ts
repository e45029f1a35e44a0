import express, { type Request, type Response } from 'express';
import {
  OPEN_STATUSES,
  securityEventsQuerySchema,
  statusChangeRequestSchema,
  type Answer,
  type grafanaSqlSchema,
  type securityEventDetailSchema,
  type securityEventPageSchema,
  type securityQueueSchema,
  type statusChangeSchema,
} from '@auditlens/contract/rest';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { authorizedTenant, principalOf, requireAdmin } from '../api/principal.js';
import { formatTime, parseTime } from '../mapping/fields.js';
import { recordAdminOperation } from './admin-audit.js';
import { afterCursor, nextCursor } from '../api/cursor.js';
import { grafanaSql } from '../api/grafana-sql.js';
import { parseQuery, readPeriod, singleValues } from '../api/params.js';
import { authorizedScope, tenantCondition, type TenantScope } from '../api/tenant-scope.js';
import type { AlertingRuntime } from './runtime.js';

const DAY = 86_400_000;

const EVENT_COLUMNS = `event_id, event_time, tenant_id, service, user_id, username, ip_address, result, risk_level,
  event_type, threat_type, attack_vector, mitre_tactic, mitre_technique, detection_method, rule_name,
  target_resource, related_events, description`;

interface EventRow {
  event_id: string;
  event_time: string;
  [column: string]: unknown;
}

interface StatusRow {
  event_id: string;
  status: string;
  handler_id: string;
  handler_name: string;
  handle_result: string;
  false_positive: boolean;
  changed_at: string;
  changed_by: string;
}

type ListQuery = z.output<typeof securityEventsQuerySchema>;

/** A group of the triage queue as ClickHouse returns it. */
interface QueueRow {
  event_type: string;
  rule_id: string;
  rule: string;
  events: string;
  open_events: string;
  max_risk: number;
  newest: string;
  oldest: string;
  users: string;
  ips: string;
  tactic: string;
  technique: string;
}

function queueGroupView(row: QueueRow) {
  return {
    eventType: row.event_type,
    ruleId: row.rule_id,
    ruleName: row.rule,
    events: Number(row.events),
    open: Number(row.open_events),
    maxRisk: Number(row.max_risk),
    newest: new Date(parseTime(row.newest)).toISOString(),
    oldest: new Date(parseTime(row.oldest)).toISOString(),
    users: Number(row.users),
    ips: Number(row.ips),
    mitreTactic: row.tactic,
    mitreTechnique: row.technique,
  };
}

function statusView(row: StatusRow | undefined) {
  return {
    status: row?.status ?? 'PENDING',
    handler: row?.handler_name ?? '',
    handlerId: row?.handler_id ?? '',
    result: row?.handle_result ?? '',
    falsePositive: row?.false_positive ?? false,
    changedAt: row ? new Date(`${row.changed_at.replace(' ', 'T')}Z`).toISOString() : null,
    changedBy: row?.changed_by ?? '',
  };
}

/**
 * The security-event triage API (DESIGN §4/§5): list security events with their current status,
 * read one with its status history, and (admins) append a status change. Status rows are only
 * ever appended to audit_security_event_status; the current status is the newest row.
 */
export function createSecurityEventRoutes(runtime: AlertingRuntime): express.Router {
  const router = express.Router();
  const { store, accessLog, recorder } = runtime.context;
  const db = store.database;
  // Aliases differ from the column names: an alias equal to a column would shadow it inside the aggregates.
  const latestStatus = (
    tenants: string,
  ) => `SELECT event_id, argMax(status, changed_at) AS cur_status, argMax(handler_id, changed_at) AS cur_handler_id,
      argMax(handler_name, changed_at) AS cur_handler_name, argMax(handle_result, changed_at) AS cur_handle_result,
      argMax(false_positive, changed_at) AS cur_false_positive, max(changed_at) AS cur_changed_at,
      argMax(changed_by, changed_at) AS cur_changed_by
    FROM ${db}.audit_security_event_status WHERE ${tenants}`;

  /** The conditions of a list or queue query: tenants, period and filters, as parameters. */
  function listConditions(query: ListQuery, scope: TenantScope) {
    const { fromMs, toMs } = readPeriod(query, 7 * DAY);
    const params: Record<string, unknown> = {
      from: formatTime(fromMs),
      to: formatTime(toMs),
      limit: query.limit,
      open: OPEN_STATUSES,
    };
    const tenants = tenantCondition(scope, params);
    const currentStatuses = `SELECT event_id, cur_status FROM (${latestStatus(tenants)} GROUP BY event_id)`;
    const conditions = [
      tenants,
      "event_time >= {from:DateTime64(3, 'UTC')}",
      "event_time < {to:DateTime64(3, 'UTC')}",
    ];
    const add = (condition: string, name: string, value: unknown) => {
      conditions.push(condition);
      params[name] = value;
    };
    if (query.eventType) add('event_type = {eventType:String}', 'eventType', query.eventType);
    if (query.minRisk) add('risk_level >= {minRisk:UInt8}', 'minRisk', query.minRisk);
    if (query.rule) add('detection_method = {rule:String}', 'rule', query.rule);
    if (query.detected)
      conditions.push(query.detected === 'true' ? "detection_method != ''" : "detection_method = ''");
    if (query.user) add('(user_id = {user:String} OR username = {user:String})', 'user', query.user);
    // An event without a status row is PENDING.
    if (query.status === 'PENDING') {
      conditions.push(
        `event_id NOT IN (SELECT event_id FROM (${currentStatuses}) WHERE cur_status != 'PENDING')`,
      );
    } else if (query.status) {
      add(
        `event_id IN (SELECT event_id FROM (${currentStatuses}) WHERE cur_status = {status:String})`,
        'status',
        query.status,
      );
    }
    if (query.open) {
      conditions.push(
        `event_id ${query.open === 'true' ? 'NOT IN' : 'IN'} (SELECT event_id FROM (${currentStatuses})
          WHERE cur_status NOT IN {open:Array(String)})`,
      );
    }
    return { where: conditions.join(' AND '), params, currentStatuses };
  }

  /** The SQL of a page of the list (run by GET /security-events, shown by GET /security-events/sql). */
  function listQuerySql(query: ListQuery, scope: TenantScope) {
    const { where, params } = listConditions(query, scope);
    const conditions = query.cursor ? `${where} AND ${afterCursor(query.cursor, params)}` : where;
    return {
      sql: `SELECT ${EVENT_COLUMNS} FROM ${db}.audit_security_log WHERE ${conditions}
       ORDER BY event_time DESC, event_id DESC LIMIT 1 BY event_id LIMIT {limit:UInt32}`,
      params,
    };
  }

  router.get('/security-events', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(securityEventsQuerySchema, request.query);
    const scope = authorizedScope(principal, query.tenant);
    const { sql, params } = listQuerySql(query, scope);
    const rows = await store.query<EventRow>(sql, params);
    const statuses = new Map<string, StatusRow>();
    if (rows.length > 0) {
      const statusParams: Record<string, unknown> = { ids: rows.map((r) => r.event_id) };
      const found = await store.query<Record<string, unknown>>(
        `${latestStatus(tenantCondition(scope, statusParams))} AND event_id IN {ids:Array(UUID)} GROUP BY event_id`,
        statusParams,
      );
      for (const row of found) {
        const current = Object.fromEntries(
          Object.entries(row).map(([key, value]) => [key.replace(/^cur_/, ''), value]),
        ) as unknown as StatusRow;
        statuses.set(current.event_id, current);
      }
    }
    const { tenant: _tenant, cursor: _cursor, ...filter } = query;
    await accessLog.recordScope(principal, scope, {
      type: 'search',
      resource: 'GET /api/v1/security-events',
      filter,
      rows: rows.length,
    });
    response.json({
      rows: rows.map((row) => ({ ...row, ...statusView(statuses.get(row.event_id)) })),
      nextCursor: nextCursor(rows, query.limit),
    } satisfies Answer<typeof securityEventPageSchema>);
  });

  // The triage queue: the events of the period grouped by type and by the rule that raised them
  // (app-recorded events have none), those with events still to handle first, then by risk and
  // recency — one row per kind of trouble instead of one per LOGIN_FAILED.
  router.get('/security-events/queue', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(securityEventsQuerySchema, request.query);
    const scope = authorizedScope(principal, query.tenant);
    const { where, params, currentStatuses } = listConditions(query, scope);
    const rows = await store.query<QueueRow>(
      `SELECT event_type, detection_method AS rule_id, any(rule_name) AS rule, count() AS events,
              countIf(s.cur_status = '' OR s.cur_status IN {open:Array(String)}) AS open_events,
              max(risk_level) AS max_risk, max(event_time) AS newest, min(event_time) AS oldest,
              uniq(user_id) AS users, uniq(ip_address) AS ips,
              any(mitre_tactic) AS tactic, any(mitre_technique) AS technique
       FROM (SELECT ${EVENT_COLUMNS} FROM ${db}.audit_security_log WHERE ${where} LIMIT 1 BY event_id) AS e
       LEFT JOIN (${currentStatuses}) AS s ON e.event_id = s.event_id
       GROUP BY event_type, rule_id
       ORDER BY open_events > 0 DESC, max_risk DESC, newest DESC, event_type, rule_id
       LIMIT {limit:UInt32}`,
      params,
    );
    const { tenant: _tenant, cursor: _cursor, ...filter } = query;
    await accessLog.recordScope(principal, scope, {
      type: 'search',
      resource: 'GET /api/v1/security-events/queue',
      filter,
      rows: rows.length,
    });
    response.json({ groups: rows.map(queueGroupView) } satisfies Answer<typeof securityQueueSchema>);
  });

  // The equivalent ClickHouse SQL of the list, for Grafana Explore (DESIGN §8); reads no audit data.
  router.get('/security-events/sql', (request: Request, response: Response) => {
    const query = parseQuery(securityEventsQuerySchema, request.query);
    const scope = authorizedScope(principalOf(response), query.tenant);
    const { sql, params } = listQuerySql({ ...query, cursor: undefined }, scope);
    response.json({ sql: grafanaSql(sql, params), format: 'table' } satisfies Answer<
      typeof grafanaSqlSchema
    >);
  });

  async function eventWithHistory(tenantId: string, eventId: string) {
    const [event] = await store.query<EventRow>(
      `SELECT * FROM ${db}.audit_security_log WHERE tenant_id = {tenant:String} AND event_id = {id:UUID} LIMIT 1`,
      { tenant: tenantId, id: eventId },
    );
    if (!event) return undefined;
    const history = await store.query<StatusRow>(
      `SELECT event_id, status, handler_id, handler_name, handle_result, false_positive,
              changed_at, changed_by
       FROM ${db}.audit_security_event_status WHERE tenant_id = {tenant:String} AND event_id = {id:UUID}
       ORDER BY changed_at`,
      { tenant: tenantId, id: eventId },
    );
    return { event, current: statusView(history.at(-1)), history: history.map((row) => statusView(row)) };
  }

  router.get('/security-events/:eventId', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const { eventId } = z.object({ eventId: z.uuid() }).parse(request.params);
    const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
    const found = await eventWithHistory(tenantId, eventId);
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/security-events/{eventId}',
      filter: { eventId },
      rows: found ? 1 : 0,
    });
    if (!found) throw new ApiError(404, `no security event ${eventId} for this tenant`);
    response.json({
      ...found.event,
      ...found.current,
      history: found.history,
    } satisfies Answer<typeof securityEventDetailSchema>);
  });

  router.post(
    '/security-events/:eventId/status',
    requireAdmin,
    async (request: Request, response: Response) => {
      const principal = principalOf(response);
      const { eventId } = z.object({ eventId: z.uuid() }).parse(request.params);
      const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
      const body = statusChangeRequestSchema.parse(request.body ?? {});
      const [exists] = await store.query<{ n: string }>(
        `SELECT count() AS n FROM ${db}.audit_security_log WHERE tenant_id = {tenant:String} AND event_id = {id:UUID}`,
        { tenant: tenantId, id: eventId },
      );
      if (Number(exists?.n ?? 0) === 0)
        throw new ApiError(404, `no security event ${eventId} for this tenant`);
      const by = principal.userName || principal.subject;
      const falsePositive = body.falsePositive ?? body.status === 'FALSE_POSITIVE';
      await recordAdminOperation(recorder, principal, {
        tenantId,
        operation: 'SECURITY_EVENT_STATUS',
        targetType: 'security_event',
        targetId: eventId,
        targetName: body.status,
        method: request.method,
        path: `/api/v1/security-events/${eventId}/status`,
        params: body,
        result: 'success',
        description: `${by} set security event ${eventId} to ${body.status}`,
      });
      await store.insertJsonLines(
        'audit_security_event_status',
        JSON.stringify({
          tenant_id: tenantId,
          event_id: eventId,
          status: body.status,
          handler_id: body.handlerId ?? principal.subject,
          handler_name: body.handler ?? by,
          handle_result: body.result,
          false_positive: falsePositive,
          changed_at: formatTime(Date.now()),
          changed_by: by,
        }),
      );
      const found = await eventWithHistory(tenantId, eventId);
      response.status(201).json({
        eventId,
        status: body.status,
        ...found?.current,
        history: found?.history ?? [],
      } satisfies Answer<typeof statusChangeSchema>);
    },
  );

  return router;
}
