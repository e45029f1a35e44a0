import { DEFAULT_MASK, SensitiveKeys } from '@auditlens/contract';

/**
 * Masks sensitive values before anything is serialized, so they never leave the process: values
 * under keys of the redaction list (`@auditlens/contract`'s, shared with the exporter), in nested
 * objects and arrays.
 */

export { DEFAULT_MASK, DEFAULT_REDACTION_KEYS, normaliseKey } from '@auditlens/contract';

export interface RedactionOptions {
  /** Replaces the default key patterns. Strings match as a substring of the normalised key. */
  keys?: (string | RegExp)[];
  /** Added to the default (or given) key patterns. */
  extraKeys?: (string | RegExp)[];
  /** Replacement for a masked value. Default `***`. */
  mask?: string;
  /** Nesting depth below which values are replaced by a marker. Default 8. */
  maxDepth?: number;
}

/** Nesting the fast path of `toJson` follows; deeper values (or cycles) take the replacer path. */
const MAX_FAST_DEPTH = 32;
/** Returned by `masked` when the fast path cannot tell what JSON.stringify with the replacer would do. */
const BAIL: unique symbol = Symbol('bail');
const objectPrototype = Object.prototype;
const dateToJson = Date.prototype.toJSON;

export class Redactor {
  readonly mask: string;
  /** The mask as a query-string value. */
  private readonly queryMask: string;
  private readonly keys: SensitiveKeys;
  private readonly maxDepth: number;

  constructor(options: RedactionOptions = {}) {
    this.keys = new SensitiveKeys(options.keys, options.extraKeys);
    this.mask = options.mask ?? DEFAULT_MASK;
    this.queryMask = encodeURIComponent(this.mask);
    this.maxDepth = options.maxDepth ?? 8;
  }

  isSensitiveKey(key: string): boolean {
    return this.keys.matches(key);
  }

  /**
   * A copy of `value` with sensitive keys masked, safe to serialize: cycles, functions, buffers,
   * dates and over-deep nesting are replaced by plain values.
   */
  redact(value: unknown, extraSensitive?: ReadonlySet<string>): unknown {
    return this.walk(value, 0, new WeakSet(), extraSensitive);
  }

  /**
   * Redacted JSON text of at most `maxBytes` UTF-16 code units. An oversized value becomes a
   * small JSON object with a prefix of the text, so the column still holds valid JSON.
   */
  toJson(value: unknown, maxBytes: number, extraSensitive?: ReadonlySet<string>): string {
    if (ArrayBuffer.isView(value)) return JSON.stringify(`[binary ${value.byteLength} bytes]`);
    let json: string | undefined;
    try {
      // Fastest: the value itself, or a copy of the parts holding masked keys, stringified without
      // a replacer (a replacer is a call into JS for every key and value, and no native fast path).
      const masked = this.masked(value, extraSensitive, 0);
      // Otherwise one pass, masking in the replacer, no copy of the value.
      json = masked === BAIL ? JSON.stringify(value, this.replacer(extraSensitive)) : JSON.stringify(masked);
    } catch {
      // Cycles, BigInts or absurd nesting: the careful copy handles them.
      json = JSON.stringify(this.redact(value, extraSensitive));
    }
    return capJson(json ?? 'null', maxBytes);
  }

  /**
   * What JSON.stringify with `replacer()` would see, for a plain JSON.stringify: `value` itself when
   * nothing in it is masked, else a copy of the objects and arrays on the way to the masked keys
   * (the rest shared). BAIL where that cannot be told without the replacer: a `toJSON` other than
   * Date's (its result could hold sensitive keys), a `__proto__` key, nesting beyond
   * MAX_FAST_DEPTH (or a cycle). Array elements are checked under their index as the replacer's
   * key, as the replacer checks them.
   */
  private masked(value: unknown, extra: ReadonlySet<string> | undefined, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
    if (depth >= MAX_FAST_DEPTH) return BAIL;
    const toJson = (value as { toJSON?: unknown }).toJSON;
    if (toJson !== undefined) return toJson === dateToJson ? value : BAIL;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const index = String(i);
        const out =
          this.isSensitiveKey(index) || extra?.has(index) ? this.mask : this.masked(item, extra, depth + 1);
        if (out === BAIL) return BAIL;
        if (out !== item && copy === undefined) copy = value.slice(0, i) as unknown[];
        copy?.push(out);
      }
      return copy ?? value;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (
      proto !== objectPrototype &&
      (value instanceof String || value instanceof Number || value instanceof Boolean)
    ) {
      return value; // stringified as its primitive
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    let copy: Record<string, unknown> | undefined;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as string;
      if (key === '__proto__') return BAIL;
      const item = object[key];
      const out =
        this.isSensitiveKey(key) || extra?.has(key) ? this.mask : this.masked(item, extra, depth + 1);
      if (out === BAIL) return BAIL;
      if (out !== item && copy === undefined) {
        copy = {};
        for (let j = 0; j < k; j++) {
          const earlier = keys[j] as string;
          copy[earlier] = object[earlier];
        }
      }
      if (copy !== undefined) copy[key] = out;
    }
    return copy ?? value;
  }

  private replacer(
    extra: ReadonlySet<string> | undefined,
  ): (this: unknown, key: string, value: unknown) => unknown {
    const mask = this.mask;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const redactor = this;
    return function (this: unknown, key: string, value: unknown): unknown {
      if (key === '') return value;
      if (redactor.isSensitiveKey(key) || extra?.has(key)) return mask;
      if (typeof value === 'object' && value !== null) {
        const original = (this as Record<string, unknown>)[key];
        if (ArrayBuffer.isView(original)) return `[binary ${original.byteLength} bytes]`;
      }
      return value;
    };
  }

  /** `a=1&password=x` → `a=1&password=***`: each `&`-separated pair whose key is sensitive. */
  redactQuery(query: string): string {
    let out = '';
    /** `out` holds the result for query[0, copied). */
    let copied = 0;
    let eq = -1;
    const length = query.length;
    for (let start = 0; start < length;) {
      let end = query.indexOf('&', start);
      if (end < 0) end = length;
      if (eq < start) {
        eq = query.indexOf('=', start);
        if (eq < 0) break; // no pair after this one has a value either
      }
      if (eq < end) {
        const raw = query.slice(start, eq);
        let key = raw;
        if (raw.includes('%') || raw.includes('+')) {
          try {
            key = decodeURIComponent(raw.replace(/\+/g, ' '));
          } catch {
            // keep the raw key: a malformed escape is still a key name to match
          }
        }
        if (this.isSensitiveKey(key)) {
          out += `${query.slice(copied, eq + 1)}${this.queryMask}`;
          copied = end;
        }
      }
      start = end + 1;
    }
    return copied === 0 ? query : out + query.slice(copied);
  }

  private walk(value: unknown, depth: number, seen: WeakSet<object>, extra?: ReadonlySet<string>): unknown {
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'function' || typeof value === 'symbol') return undefined;
      return value;
    }
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
    if (seen.has(value)) return '[circular]';
    if (depth >= this.maxDepth) return '[nested too deep]';
    seen.add(value);
    let copy: unknown;
    if (Array.isArray(value)) {
      copy = value.map((item) => this.walk(item, depth + 1, seen, extra) ?? null);
    } else {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] =
          this.isSensitiveKey(key) || extra?.has(key) ? this.mask : this.walk(item, depth + 1, seen, extra);
      }
      copy = out;
    }
    seen.delete(value);
    return copy;
  }
}

export function capJson(json: string, maxBytes: number): string {
  if (json.length <= maxBytes) return json;
  let preview = json.slice(0, Math.max(0, maxBytes - 64));
  let capped = JSON.stringify({ truncated: true, length: json.length, preview });
  // Escaping can lengthen the preview; shorten it until the wrapper fits.
  while (capped.length > maxBytes && preview.length > 0) {
    preview = preview.slice(0, Math.max(0, preview.length - (capped.length - maxBytes) - 1));
    capped = JSON.stringify({ truncated: true, length: json.length, preview });
  }
  return capped;
}
