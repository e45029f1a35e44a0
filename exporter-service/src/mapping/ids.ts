import { createHash } from 'node:crypto';

/**
 * A deterministic UUID for records that carry no `log.record.uid` (apps not using our SDK, and
 * HTTP spans): the same input always gives the same id, so a retried export deduplicates.
 * Formatted as an RFC 9562 version 8 (custom) UUID.
 */
export function derivedUuid(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
