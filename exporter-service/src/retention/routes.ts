import express, { type Request, type Response } from 'express';
import type {
  Answer,
  retentionListSchema,
  retentionPolicySchema,
  retentionStatusSchema,
} from '@auditlens/contract/rest';
import { z } from 'zod';
import type { AccessLog } from '../api/access-log.js';
import { ApiError } from '../api/errors.js';
import { authorizedTenant, principalOf, requireAdmin } from '../api/principal.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { singleValues } from '../api/params.js';
import { fieldError } from '../reports/params.js';
import type { ComplianceRuntime } from '../compliance/runtime.js';
import { actorOf, type AdminRequest } from './admin-record.js';
import {
  deleteDays,
  onlineDays,
  policyInputSchema,
  RETENTION_PRESETS,
  totalDays,
  type PolicyChange,
  type RetentionPolicy,
} from './policies.js';
import { archiveTable } from '../store/audit-source.js';
import { isPermissionError } from './storage.js';

const finite = (days: number): number | null => (Number.isFinite(days) ? days : null);

/** A policy as the API shows it, with what it means for rows. */
export function policyView(p: RetentionPolicy): Answer<typeof retentionPolicySchema> {
  return {
    ...p,
    effective: {
      /** Days kept in all (null = no end). */
      totalDays: finite(totalDays(p)),
      /** Days immediately available in the online table (null = always). */
      onlineDays: finite(onlineDays(p)),
      /** Days after which TTL deletes rows (null = never deleted). */
      deleteDays: deleteDays(p),
    },
  };
}

/** Retention endpoints: policies (changes need an admin token and are audited first), presets, re-apply, archive, status. */
export function createRetentionRouter(runtime: ComplianceRuntime, accessLog: AccessLog): express.Router {
  const router = express.Router();
  const policies = runtime.policies;

  /** How an API call asked for a change, for its audit.admin record. */
  const via = (request: Request, status: number): AdminRequest => ({
    method: request.method,
    path: request.originalUrl.split('?')[0] ?? '',
    status,
  });
  const change = async (request: Request, response: Response, changes: PolicyChange[], status: number) => {
    await runtime.changePolicies(changes, actorOf(principalOf(response)), via(request, status));
    return changes.map((c) => (c.after ? policyView(c.after) : null));
  };

  router.get('/retention-policies', async (_request: Request, response: Response) => {
    await policies.load();
    response.json({
      floorDays: policies.floorDays,
      presets: RETENTION_PRESETS.map((p) => ({
        ...p,
        minTotalDays: Math.max(p.minTotalDays, policies.floorDays),
      })),
      policies: policies.list().map(policyView),
    } satisfies Answer<typeof retentionListSchema>);
  });

  router.get('/retention-policies/:id', async (request: Request, response: Response) => {
    await policies.load();
    const policy = policies.get(String(request.params.id));
    if (!policy) throw new ApiError(404, `no retention policy ${String(request.params.id)}`);
    response.json(policyView(policy));
  });

  router.post('/retention-policies', requireAdmin, async (request: Request, response: Response) => {
    const input = policyInputSchema.parse(request.body);
    const planned = await policies.planCreate(input, principalOf(response).subject).catch(fieldError);
    const [created] = await change(request, response, planned, 201);
    response.status(201).json(created);
  });

  router.put('/retention-policies/:id', requireAdmin, async (request: Request, response: Response) => {
    const input = policyInputSchema.parse(request.body);
    const planned = await policies
      .planUpdate(String(request.params.id), input, principalOf(response).subject)
      .catch(fieldError);
    const [updated] = await change(request, response, planned, 200);
    response.json(updated);
  });

  router.delete('/retention-policies/:id', requireAdmin, async (request: Request, response: Response) => {
    const planned = await policies
      .planRemove(String(request.params.id), principalOf(response).subject)
      .catch(fieldError);
    await change(request, response, planned, 204);
    response.status(204).end();
  });

  router.post(
    '/retention-policies/presets/:preset',
    requireAdmin,
    async (request: Request, response: Response) => {
      const preset = String(request.params.preset);
      const planned = await policies.planPreset(preset, principalOf(response).subject).catch(fieldError);
      response.json({ preset, changed: await change(request, response, planned, 200) });
    },
  );

  router.post('/retention/reapply', requireAdmin, async (request: Request, response: Response) => {
    const body = z.strictObject({ wait: z.boolean().default(false) }).parse(request.body ?? {});
    const tables = await runtime
      .reapply(actorOf(principalOf(response)), via(request, 200), body.wait)
      .catch((error: unknown) => {
        if (!isPermissionError(error)) throw error;
        throw new ApiError(
          409,
          'the exporter’s ClickHouse user may not ALTER the audit tables (least privilege): ' +
            'run `auditlens retention reapply` as the migrator user',
        );
      });
    response.json({ tables, waited: body.wait });
  });

  router.post('/retention/archive', requireAdmin, async (request: Request, response: Response) => {
    if (runtime.store.mode !== 'embedded') {
      throw new ApiError(
        409,
        'server mode archives by TTL … TO VOLUME (AUDITLENS_ARCHIVE_VOLUME); there is no archive run to start',
      );
    }
    response.json({ moved: await runtime.archive(actorOf(principalOf(response)), via(request, 200)) });
  });

  router.get('/retention/status', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const tenantId = authorizedTenant(principal, singleValues(request.query).tenant);
    const store = runtime.store;
    const archives = new Set(
      (
        await store.query<{ name: string }>(
          'SELECT name FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
          { db: store.database, names: AUDIT_TABLES.map(archiveTable) },
        )
      ).map((r) => r.name),
    );
    const part = (source: string, tier: string) =>
      `SELECT '${tier}' AS tier, count() AS rows, min(event_time) AS oldest, max(event_time) AS newest,
              countIf(online_days < retention_days AND event_time + toIntervalDay(online_days) <= now64(3)) AS due_for_archive
       FROM ${store.database}.${source} WHERE tenant_id = {tenant:String}`;
    const tables = [];
    for (const table of AUDIT_TABLES) {
      const sql = [
        part(table, 'online'),
        ...(archives.has(archiveTable(table)) ? [part(archiveTable(table), 'archive')] : []),
      ];
      const rows = await store.query<{
        tier: string;
        rows: string;
        oldest: string;
        newest: string;
        due_for_archive: string;
      }>(sql.join(' UNION ALL '), { tenant: tenantId });
      const tier = (name: string) => {
        const row = rows.find((r) => r.tier === name);
        const n = Number(row?.rows ?? 0);
        return {
          rows: n,
          oldest: n > 0 ? (row?.oldest ?? null) : null,
          newest: n > 0 ? (row?.newest ?? null) : null,
        };
      };
      tables.push({
        table,
        online: {
          ...tier('online'),
          dueForArchive: Number(rows.find((r) => r.tier === 'online')?.due_for_archive ?? 0),
        },
        archive: tier('archive'),
      });
    }
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/retention/status',
      filter: {},
      rows: tables.reduce((n, t) => n + t.online.rows + t.archive.rows, 0),
    });
    response.json({
      tenant: tenantId,
      mode: store.mode,
      archiveVolume: runtime.config.compliance.archiveVolume ?? null,
      archiveIntervalMinutes: runtime.config.compliance.archiveIntervalMinutes,
      tables,
    } satisfies Answer<typeof retentionStatusSchema>);
  });

  return router;
}
