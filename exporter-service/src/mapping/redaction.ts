import {
  ATTR_CHANGE_FIELD,
  ATTR_CHANGE_NEW_VALUE,
  ATTR_CHANGE_OLD_VALUE,
  ATTR_DB_AFTER,
  ATTR_DB_BEFORE,
  ATTR_DB_PARAMS,
  ATTR_REQUEST_BODY,
  ATTR_REQUEST_HEADERS,
  ATTR_REQUEST_PARAMS,
  ATTR_URL_QUERY,
  DEFAULT_MASK,
  SensitiveKeys,
} from '@auditlens/contract';
import type { AttributeValue } from '../otlp/values.js';
import { KINDS } from './kinds.js';

// The redaction list applied by the exporter (issue 20, DESIGN §3 "sensitive values never leave
// the process in clear"): an application without the SDK — an OTel-instrumented service whose
// server spans become request rows, or one that emits audit.* log records itself — sends query
// strings, headers and payloads as they are. The exporter masks them with the SDK's list
// (@auditlens/contract), before they are stored.

/** Attributes that hold a query string (`a=1&password=x`). */
const QUERY_ATTRIBUTES = new Set<string>([ATTR_URL_QUERY]);
/** Attributes that hold a URL whose query string is masked. */
const URL_ATTRIBUTES = new Set(['url.full', 'http.url', 'http.target']);
/** Attributes that hold JSON text (params, headers, bodies, before/after images). */
const JSON_ATTRIBUTES = new Set<string>([
  ATTR_REQUEST_PARAMS,
  ATTR_REQUEST_HEADERS,
  ATTR_REQUEST_BODY,
  ATTR_DB_PARAMS,
  ATTR_DB_BEFORE,
  ATTR_DB_AFTER,
]);
/**
 * Attributes of DESIGN §3 with their own column keep their value whatever their name
 * (`session.id` is an identifier the audit needs, not a secret); the rest are masked by name.
 */
const COLUMN_ATTRIBUTES = new Set(
  Object.values(KINDS).flatMap((kind) => kind.columns.flatMap((m) => [m.attribute, ...(m.aliases ?? [])])),
);

const MAX_DEPTH = 32;

export interface RedactionSettings {
  /** Replaces the default key patterns (strings match as substrings of the normalised key). */
  keys?: readonly string[];
  /** Added to the default (or given) patterns. */
  extraKeys: readonly string[];
}

export class RecordRedactor {
  private readonly keys: SensitiveKeys;
  private readonly queryMask = encodeURIComponent(DEFAULT_MASK);

  constructor(settings: RedactionSettings = { extraKeys: [] }) {
    this.keys = new SensitiveKeys(settings.keys, settings.extraKeys);
  }

  isSensitiveKey(key: string): boolean {
    return this.keys.matches(key);
  }

  /** Masks, in place, the values of one record's attributes that the redaction list covers. */
  redact(attributes: Map<string, AttributeValue>): void {
    for (const [key, value] of attributes) {
      if (value === null) continue;
      if (QUERY_ATTRIBUTES.has(key) && typeof value === 'string')
        attributes.set(key, this.redactQuery(value));
      else if (URL_ATTRIBUTES.has(key) && typeof value === 'string')
        attributes.set(key, this.redactUrl(value));
      else if (JSON_ATTRIBUTES.has(key)) attributes.set(key, this.redactJson(value));
      else if (!COLUMN_ATTRIBUTES.has(key) && this.isSensitiveKey(key)) attributes.set(key, DEFAULT_MASK);
    }
    // A changed field of the list (a password, a phone number): neither value is kept.
    const field = attributes.get(ATTR_CHANGE_FIELD);
    if (typeof field === 'string' && this.isSensitiveKey(field)) {
      for (const key of [ATTR_CHANGE_OLD_VALUE, ATTR_CHANGE_NEW_VALUE])
        if (attributes.has(key)) attributes.set(key, DEFAULT_MASK);
    }
  }

  /** `a=1&password=x` → `a=1&password=***`. */
  redactQuery(query: string): string {
    return query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        const raw = pair.slice(0, eq);
        let name = raw;
        try {
          name = decodeURIComponent(raw.replace(/\+/g, ' '));
        } catch {
          // a malformed escape is still a name to match
        }
        return this.isSensitiveKey(name) ? `${raw}=${this.queryMask}` : pair;
      })
      .join('&');
  }

  private redactUrl(url: string): string {
    const q = url.indexOf('?');
    if (q < 0) return url;
    const hash = url.indexOf('#', q);
    const end = hash < 0 ? url.length : hash;
    return `${url.slice(0, q + 1)}${this.redactQuery(url.slice(q + 1, end))}${url.slice(end)}`;
  }

  /** JSON text (or a structured value) with the values under sensitive keys masked; other text as is. */
  private redactJson(value: AttributeValue): AttributeValue {
    if (typeof value !== 'string') return this.walk(value, 0);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return value;
    }
    if (typeof parsed !== 'object' || parsed === null) return value;
    return JSON.stringify(this.walk(parsed as AttributeValue, 0));
  }

  private walk(value: AttributeValue, depth: number): AttributeValue {
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    if (depth >= MAX_DEPTH) return DEFAULT_MASK;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    const out: { [key: string]: AttributeValue } = {};
    for (const [key, item] of Object.entries(value))
      out[key] = this.isSensitiveKey(key) ? DEFAULT_MASK : this.walk(item, depth + 1);
    return out;
  }
}

/** The SDK's list as it is (the exporter's configuration may extend or replace it). */
export const DEFAULT_REDACTOR = new RecordRedactor();
