import type { QueryParams } from '../store/store.js';
import { ApiError } from './errors.js';
import { authorizedTenant, type Principal } from './principal.js';

/**
 * The tenants a search, an aggregate or a triage list reads: some tenants (ids, '' for
 * system-level records), or every tenant. DESIGN §5: a `*` token reads across tenants (platform
 * operators), each row labelled with its tenant; source 001 §4.5.2 reads "this tenant or
 * system-level" in one query (`tenant=acme,@system`).
 */
export type TenantScope = { tenantIds: string[] } | 'all';

/**
 * The scope a `tenant` parameter names — one tenant, a comma-separated list, or `*` — checked
 * against the token: every listed tenant must be readable, `*` needs a token bound to all tenants.
 */
export function authorizedScope(principal: Principal, tenant: string | undefined): TenantScope {
  if (tenant === '*') {
    if (!principal.tenants.has('*'))
      throw new ApiError(403, 'tenant=* needs a token bound to all tenants', 'tenant-not-allowed');
    return 'all';
  }
  if (tenant === undefined || !tenant.includes(','))
    return { tenantIds: [authorizedTenant(principal, tenant)] };
  const names = tenant.split(',').map((name) => name.trim());
  if (names.some((name) => name === '' || name === '*'))
    throw new ApiError(400, 'tenant: a list names tenants (or @system), none of them empty or *');
  return { tenantIds: [...new Set(names.map((name) => authorizedTenant(principal, name)))] };
}

/** The SQL condition on `tenant_id` of a scope, its values added to `params` ('1' for every tenant). */
export function tenantCondition(scope: TenantScope, params: QueryParams): string {
  if (scope === 'all') return '1';
  if (scope.tenantIds.length === 1) {
    params.tenant = scope.tenantIds[0];
    return 'tenant_id = {tenant:String}';
  }
  params.tenants = scope.tenantIds;
  return 'tenant_id IN {tenants:Array(String)}';
}
