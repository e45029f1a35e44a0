import express, { type Request, type Response } from 'express';
import {
  profileQuerySchema,
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

  router.get('/behaviour/profile', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(profileQuerySchema, request.query);
    const tenantId = authorizedTenant(principal, query.tenant);
    const period = behaviourPeriod(query);
    const profile = await userProfile(store, { tenantId, userId: query.user, peers: query.peers, ...period });
    await accessLog.record(principal, {
      tenantId,
      type: 'read',
      resource: 'GET /api/v1/behaviour/profile',
      filter: { user: query.user, from: period.fromMs, to: period.toMs, peers: query.peers },
      rows: profile.totals.events,
    });
    response.json(profile satisfies Answer<typeof profileSchema>);
  });

  router.get('/behaviour/suspicious', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(suspiciousQuerySchema, request.query);
    const tenantId = authorizedTenant(principal, query.tenant);
    const period = behaviourPeriod(query);
    const answer = await suspiciousActivity(store, {
      tenantId,
      user: query.user,
      minScore: query.minScore,
      limit: query.limit,
      ...period,
    });
    await accessLog.record(principal, {
      tenantId,
      type: 'search',
      resource: 'GET /api/v1/behaviour/suspicious',
      filter: { user: query.user, from: period.fromMs, to: period.toMs, minScore: query.minScore },
      rows: answer.findings.length,
    });
    response.json(answer satisfies Answer<typeof suspiciousSchema>);
  });

  router.get('/behaviour/users', async (request: Request, response: Response) => {
    const principal = principalOf(response);
    const query = parseQuery(userLookupQuerySchema, request.query);
    const tenantId = authorizedTenant(principal, query.tenant);
    const period = behaviourPeriod(query);
    const answer = await lookUpUsers(store, { tenantId, text: query.q, limit: query.limit, ...period });
    await accessLog.record(principal, {
      tenantId,
      type: 'search',
      resource: 'GET /api/v1/behaviour/users',
      filter: { q: query.q, from: period.fromMs, to: period.toMs, limit: query.limit },
      rows: answer.users.length,
    });
    response.json(answer satisfies Answer<typeof userLookupSchema>);
  });

  return router;
}
