import express, { type Request, type Response } from 'express';
import type { z } from 'zod';
import {
  profileQuerySchema,
  rangeQuerySchema,
  suspiciousQuerySchema,
  userLookupQuerySchema,
  type Answer,
  type profileSchema,
  type suspiciousSchema,
  type userLookupSchema,
} from '@auditlens/contract/rest';
import type { AccessLog } from '../api/access-log.js';
import { ApiError } from '../api/errors.js';
import { parseQuery, readPeriod } from '../api/params.js';
import { authorizedTenant, principalOf } from '../api/principal.js';
import type { AuditStore } from '../store/store.js';
import { userProfile } from './profile.js';
import { suspiciousActivity } from './suspicious.js';
import { lookUpUsers } from './users.js';

const DAY_MS = 86_400_000;
/** Longest period one call may cover (the projections are hourly; a year is 8,760 buckets per user). */
const MAX_PERIOD_MS = 366 * DAY_MS;

/** The period of a behaviour call: the last 30 days unless given; at most a year. */
export function behaviourPeriod(query: { from?: number | undefined; to?: number | undefined }): {
  fromMs: number;
  toMs: number;
} {
  const { fromMs, toMs } = readPeriod(query, 30 * DAY_MS);
  if (toMs - fromMs > MAX_PERIOD_MS) throw new ApiError(400, 'from: the period may span at most 366 days');
  return { fromMs, toMs };
}

/**
 * GET /behaviour/profile, /behaviour/suspicious and /behaviour/users (issue 19): scoped to a
 * tenant the token may read, each writes an `audit.access` record before answering, as every
 * read of audit data does; a parameter the call does not take is a 400, as on every read.
 */
export function createBehaviourRouter(store: AuditStore, accessLog: AccessLog): express.Router {
  const router = express.Router();

  /** One behaviour read: its query, tenant and period checked, the read recorded before the answer. */
  const read = <S extends typeof rangeQuerySchema>(
    name: string,
    schema: S,
    type: 'read' | 'search',
    work: (
      query: z.output<S>,
      scope: { tenantId: string; fromMs: number; toMs: number },
    ) => Promise<{ answer: object; filter: Record<string, unknown>; rows: number }>,
  ) =>
    router.get(`/behaviour/${name}`, async (request: Request, response: Response) => {
      const principal = principalOf(response);
      const query = parseQuery(schema, request.query);
      const tenantId = authorizedTenant(principal, query.tenant);
      const period = behaviourPeriod(query);
      const { answer, filter, rows } = await work(query, { tenantId, ...period });
      await accessLog.record(principal, {
        tenantId,
        type,
        resource: `GET /api/v1/behaviour/${name}`,
        filter: { ...filter, from: period.fromMs, to: period.toMs },
        rows,
      });
      response.json(answer);
    });

  read('profile', profileQuerySchema, 'read', async (query, scope) => {
    const answer = await userProfile(store, { ...scope, userId: query.user, peers: query.peers });
    return {
      answer: answer satisfies Answer<typeof profileSchema>,
      filter: { user: query.user, peers: query.peers },
      rows: answer.totals.events,
    };
  });

  read('suspicious', suspiciousQuerySchema, 'search', async (query, scope) => {
    const answer = await suspiciousActivity(store, {
      ...scope,
      user: query.user,
      minScore: query.minScore,
      limit: query.limit,
    });
    return {
      answer: answer satisfies Answer<typeof suspiciousSchema>,
      filter: { user: query.user, minScore: query.minScore },
      rows: answer.findings.length,
    };
  });

  read('users', userLookupQuerySchema, 'search', async (query, scope) => {
    const answer = await lookUpUsers(store, { ...scope, text: query.q, limit: query.limit });
    return {
      answer: answer satisfies Answer<typeof userLookupSchema>,
      filter: { q: query.q, limit: query.limit },
      rows: answer.users.length,
    };
  });

  return router;
}
