import { TokenTable } from '../bearer-tokens.js';
import { SYSTEM_TENANT, type IngestToken } from '../config.js';

/** What an authenticated (or dev-mode) ingest caller may write. */
export interface IngestGrant {
  /** True when any tenant may be written (`*` or dev mode). */
  anyTenant: boolean;
  tenants: ReadonlySet<string>;
  /** Tenant used for records that name none, when the token is bound to exactly one. */
  defaultTenant: string;
}

const OPEN_GRANT: IngestGrant = { anyTenant: true, tenants: new Set(), defaultTenant: '' };

function grantOf(token: IngestToken): IngestGrant {
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

/**
 * The ingest tokens (AUDITLENS_INGEST_TOKENS), shared by the OTLP/HTTP and OTLP/gRPC receivers:
 * what the sender of an `Authorization` header may write. With no token configured (dev mode)
 * anyone may write any tenant.
 */
export class IngestGrants {
  private readonly tokens: TokenTable<IngestToken>;

  constructor(ingestTokens: ReadonlyMap<string, IngestToken>) {
    this.tokens = new TokenTable(ingestTokens);
  }

  /** The grant of an `Authorization: Bearer …` value; undefined when it is missing or unknown. */
  grantFor(authorization: string | undefined): IngestGrant | undefined {
    if (this.tokens.isOpen) return OPEN_GRANT;
    const token = this.tokens.lookup(authorization);
    return token ? grantOf(token) : undefined;
  }
}
