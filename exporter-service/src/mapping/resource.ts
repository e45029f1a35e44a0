import type { Resource } from '../otlp/schema.js';
import { attributesToMap, valueToText, type AttributeValue } from '../otlp/values.js';
import type { MappedBatch, TenantContext } from './mapped-batch.js';

/**
 * A resource's attributes; when they cannot be read, every record or span under the resource
 * is rejected (counted in partial_success) and undefined is returned.
 */
export function resourceOrReject(
  resource: Resource | undefined,
  batch: MappedBatch,
  itemCount: () => number,
): Map<string, AttributeValue> | undefined {
  try {
    return attributesToMap(resource?.attributes);
  } catch (error) {
    const message = `resource: ${(error as Error).message}`;
    for (let i = itemCount(); i > 0; i--) batch.rejections.push({ reason: 'invalid_resource', message });
    return undefined;
  }
}

/**
 * A record's tenant: its own `audit.tenant_id`, else its resource's, else the only tenant of the
 * sender's token ('' = a system-level record).
 */
export function recordTenant(
  attributes: ReadonlyMap<string, AttributeValue>,
  resource: ReadonlyMap<string, AttributeValue>,
  context: TenantContext,
): string {
  const explicit = attributes.get('audit.tenant_id') ?? resource.get('audit.tenant_id');
  return explicit === undefined ? context.defaultTenant : valueToText(explicit);
}
