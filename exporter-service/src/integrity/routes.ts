import express, { type Request, type Response } from 'express';
import {
  verifyQuerySchema,
  type Answer,
  type publicKeySchema,
  type verifyResultSchema,
} from '@auditlens/contract/rest';
import { z } from 'zod';
import type { AccessLog } from '../api/access-log.js';
import { ApiError } from '../api/errors.js';
import { authorizedTenant, principalOf } from '../api/principal.js';
import { formatTime } from '../mapping/fields.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { singleValues } from '../api/params.js';
import type { ComplianceRuntime } from '../compliance/runtime.js';

const checkpointsSchema = verifyQuerySchema.extend({
  table: z.enum(AUDIT_TABLES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

function range(query: z.output<typeof verifyQuerySchema>): { fromMs?: number; toMs?: number } {
  if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
    throw new ApiError(400, 'from: must be before to');
  }
  return {
    ...(query.from === undefined ? {} : { fromMs: query.from }),
    ...(query.to === undefined ? {} : { toMs: query.to }),
  };
}

/** Integrity endpoints: verification, the public key for auditors, the checkpoints. */
export function createIntegrityRouter(runtime: ComplianceRuntime, accessLog: AccessLog): express.Router {
  const router = express.Router();

  router.get('/integrity/verify', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = verifyQuerySchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    const result = await runtime.verify(tenantId, range(query), { live: true });
    await accessLog.record(principal, {
      tenantId,
      type: 'verify',
      resource: 'GET /api/v1/integrity/verify',
      filter: { from: query.from ?? null, to: query.to ?? null },
      rows: result.rows,
    });
    response.json(result satisfies Answer<typeof verifyResultSchema>);
  });

  router.get('/integrity/public-key', (_request: Request, response: Response) => {
    response.json({
      algorithm: 'Ed25519',
      keyId: runtime.key.keyId,
      writerId: runtime.writerId,
      publicKeyPem: runtime.key.publicKeyPem,
      trustedKeyIds: [...runtime.trustedKeys.keys()].sort(),
    } satisfies Answer<typeof publicKeySchema>);
  });

  router.get('/integrity/public-key.pem', (_request: Request, response: Response) => {
    response
      .type('application/x-pem-file')
      .set('Content-Disposition', `attachment; filename="auditlens-${runtime.key.keyId}.pem"`)
      .send(runtime.key.publicKeyPem);
  });

  router.get('/integrity/checkpoints', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = checkpointsSchema.parse(singleValues(request.query));
    const tenantId = authorizedTenant(principal, query.tenant);
    const { fromMs, toMs } = range(query);
    const conditions = ['tenant_id = {tenant:String}'];
    const params: Record<string, unknown> = { tenant: tenantId, limit: query.limit };
    if (query.table) {
      conditions.push('table_name = {table:String}');
      params.table = query.table;
    }
    if (fromMs !== undefined) {
      conditions.push("last_event_time >= {from:DateTime64(3, 'UTC')}");
      params.from = formatTime(fromMs);
    }
    if (toMs !== undefined) {
      conditions.push("first_event_time < {to:DateTime64(3, 'UTC')}");
      params.to = formatTime(toMs);
    }
    const store = runtime.store;
    const rows = await store.query<Record<string, unknown>>(
      `SELECT table_name AS table, writer_id AS writer, sequence, first_event_time, last_event_time, row_count,
              batch_digest, previous_digest, chain_digest, key_id, created_at
       FROM ${store.database}.audit_integrity_checkpoint WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, sequence DESC LIMIT {limit:UInt32}`,
      params,
    );
    const checkpoints = rows.map((r) => ({
      ...r,
      sequence: Number(r.sequence),
      row_count: Number(r.row_count),
    }));
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/integrity/checkpoints',
      filter: {
        table: query.table ?? null,
        from: query.from ?? null,
        to: query.to ?? null,
        limit: query.limit,
      },
      rows: checkpoints.length,
    });
    response.json({ checkpoints });
  });

  return router;
}
