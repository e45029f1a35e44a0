import { ApiError } from '../api/errors.js';
import { authorizedTenant, type Principal } from '../api/principal.js';
import { SYSTEM_TENANT } from '../config.js';

/**
 * The tenant scope of a read: one tenant (checked against the token), or every tenant with
 * `tenant=*` (only for tokens bound to all tenants). Returns undefined for "every tenant".
 */
export function tenantScope(principal: Principal, tenant: string | undefined): string | undefined {
  if (tenant === '*') {
    if (!principal.tenants.has('*'))
      throw new ApiError(403, 'tenant=* needs a token bound to all tenants', 'tenant-not-allowed');
    return undefined;
  }
  return authorizedTenant(principal, tenant);
}

/** A rule's tenant scope (`*`, `@system` or a tenant) checked against the token. */
export function authorizeRuleTenant(principal: Principal, ruleTenant: string): void {
  if (ruleTenant === '*') {
    if (!principal.tenants.has('*')) {
      throw new ApiError(
        403,
        'tenant: a rule for every tenant (*) needs a token bound to all tenants',
        'tenant-not-allowed',
      );
    }
    return;
  }
  authorizedTenant(principal, ruleTenant);
}

/** The tenant id an audit record about a rule is filed under ('' for `*` and `@system`). */
export function recordTenant(ruleTenant: string): string {
  return ruleTenant === '*' || ruleTenant === SYSTEM_TENANT ? '' : ruleTenant;
}

/** Whether a rule with this tenant scope is visible in a read scoped to `tenantId` (undefined = all). */
export function ruleVisible(ruleTenant: string, tenantId: string | undefined): boolean {
  if (tenantId === undefined || ruleTenant === '*') return true;
  return ruleTenant === (tenantId === '' ? SYSTEM_TENANT : tenantId);
}

export const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);
