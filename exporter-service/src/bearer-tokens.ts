import { createHash, timingSafeEqual } from 'node:crypto';

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
