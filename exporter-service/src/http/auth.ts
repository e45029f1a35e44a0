import { createHash, timingSafeEqual } from 'node:crypto';
import { SYSTEM_TENANT, type IngestToken } from '../config.js';

/** What an authenticated (or dev-mode) ingest caller may write. */
export interface IngestGrant {
  /** True when any tenant may be written (`*` or dev mode). */
  anyTenant: boolean;
  tenants: ReadonlySet<string>;
  /** Tenant used for records that name none, when the token is bound to exactly one. */
  defaultTenant: string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Bearer tokens are compared by constant-time digest comparison and never kept or logged in
 * clear beyond the configuration map.
 */
export class TokenTable<T> {
  private readonly entries: { digest: Buffer; value: T }[];

  constructor(tokens: ReadonlyMap<string, T>) {
    this.entries = [...tokens].map(([token, value]) => ({ digest: digest(token), value }));
  }

  get isOpen(): boolean {
    return this.entries.length === 0;
  }

  /** The value bound to an `Authorization: Bearer …` header; undefined when missing or unknown. */
  lookup(authorization: string | undefined): T | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const presented = digest(match[1]);
    let found: T | undefined;
    for (const entry of this.entries) if (timingSafeEqual(entry.digest, presented)) found = entry.value;
    return found;
  }
}

export const OPEN_GRANT: IngestGrant = { anyTenant: true, tenants: new Set(), defaultTenant: '' };

export function grantOf(token: IngestToken): IngestGrant {
  const tenants = token.tenants;
  const [only] = tenants;
  return {
    anyTenant: tenants.has('*'),
    tenants,
    defaultTenant: tenants.size === 1 && only !== '*' && only !== SYSTEM_TENANT ? (only ?? '') : '',
  };
}

/** Whether the grant covers a record's tenant ('' = system-level, written as @system in tokens). */
export function mayWrite(grant: IngestGrant, tenantId: string): boolean {
  if (grant.anyTenant) return true;
  return grant.tenants.has(tenantId === '' ? SYSTEM_TENANT : tenantId);
}
