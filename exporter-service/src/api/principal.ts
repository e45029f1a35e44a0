import { createHash } from 'node:crypto';
import type { Answer, DeniedReason, errorAnswerSchema } from '@auditlens/contract/rest';
import type { NextFunction, Request, Response } from 'express';
import { SYSTEM_TENANT, type ApiRole, type ApiToken } from '../config.js';
import { TokenTable } from '../bearer-tokens.js';
import { ApiError } from './errors.js';

/** Who is calling the API, as recorded in access audit records. */
export interface Principal {
  role: ApiRole;
  tenants: ReadonlySet<string>;
  /** Stable, non-secret id of the credential (a digest prefix of the token), or "dev-mode". */
  subject: string;
  /** The Grafana user the plugin proxy acts for (X-Grafana-User), when present. */
  userName: string;
  clientAddress: string;
  userAgent: string;
}

const DEV_TOKEN: ApiToken = { role: 'admin', tenants: new Set(['*']) };

export function principalOf(response: Response): Principal {
  const principal = response.locals.principal as Principal | undefined;
  if (!principal) throw new ApiError(401, 'not authenticated');
  return principal;
}

/**
 * Authenticates every API call by bearer token (dev mode: open, as an admin of every tenant,
 * warned at start). Grafana's plugin proxy adds the token from secureJsonData.
 */
export function authenticate(tokens: ReadonlyMap<string, ApiToken>) {
  const table = new TokenTable(tokens);
  return (request: Request, response: Response, next: NextFunction): void => {
    const token = table.isOpen ? DEV_TOKEN : table.lookup(request.headers.authorization);
    const bearer = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const subject = `api-token:${createHash('sha256').update(bearer).digest('hex').slice(0, 12)}`;
    if (!token) {
      // What the denied-access record says: a digest of a wrong token, so that repeated tries
      // with one token can be told apart from a scan, without storing the token.
      const reason: DeniedReason = bearer ? 'unknown-token' : 'missing-token';
      response.locals.deniedReason = reason;
      if (bearer) response.locals.deniedSubject = subject;
      response
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: 'missing or unknown bearer token', reason } satisfies Answer<
          typeof errorAnswerSchema
        >);
      return;
    }
    const principal: Principal = {
      role: token.role,
      tenants: token.tenants,
      subject: table.isOpen ? 'dev-mode' : subject,
      userName: String(request.headers['x-grafana-user'] ?? ''),
      clientAddress: request.socket.remoteAddress ?? '',
      userAgent: String(request.headers['user-agent'] ?? ''),
    };
    response.locals.principal = principal;
    next();
  };
}

/** Rejects readers from admin-only calls (separation of duties). */
export function requireAdmin(_request: Request, response: Response, next: NextFunction): void {
  if (principalOf(response).role !== 'admin') {
    response.locals.deniedReason = 'admin-required';
    response.status(403).json({
      error: 'this call needs an admin token',
      reason: 'admin-required',
    } satisfies Answer<typeof errorAnswerSchema>);
    return;
  }
  next();
}

/**
 * The tenant a call is about, checked against the token: `@system` (or an empty value) means
 * system-level records. Every read and write of audit data is scoped to exactly one tenant.
 */
export function authorizedTenant(principal: Principal, tenant: string | undefined): string {
  if (tenant === undefined)
    throw new ApiError(400, 'tenant: required (use @system for system-level records)');
  const tenantId = tenant === SYSTEM_TENANT ? '' : tenant;
  const allowed =
    principal.tenants.has('*') || principal.tenants.has(tenantId === '' ? SYSTEM_TENANT : tenantId);
  if (!allowed) throw new ApiError(403, `this token may not access tenant "${tenant}"`, 'tenant-not-allowed');
  return tenantId;
}
