/**
 * The redaction list (DESIGN §3): keys whose values never leave an application in clear — and, for
 * records that did not come from the SDK, never reach the audit tables in clear (the exporter
 * masks them the same way). Defined once, for the SDK and the exporter.
 *
 * Matching is by key name. A key is normalised to lower-case words joined by `_` with a leading
 * and trailing `_` (`accessToken` → `_access_token_`, `X-Api-Key` → `_x_api_key_`), and the
 * patterns are tested against that form: word boundaries are visible, so `api_key` matches without
 * `monkey` matching, and `input_tokens` (a count) is not mistaken for a token.
 */

/** What a masked value becomes. */
export const DEFAULT_MASK = '***';

/** password, passwd, token, secret, api key, authorization, cookie, credit card, id number, phone, email. */
export const DEFAULT_REDACTION_KEYS: readonly RegExp[] = [
  /pass_?w(or)?d|_pwd_|_pin_|passphrase/,
  /token(?!s_)/,
  /secret/,
  /api_?key|access_?key|private_?key|signing_?key|_credentials?_/,
  /authori[sz]ation|_auth_/,
  /cookie|_session_?id_|_sid_/,
  /credit_?card|card_?(number|num|no)_|_cvv|_cvc|_pan_|_iban_/,
  /_id_?(number|num|no|card)_|_ssn_|national_?id|passport|social_security/,
  /phone|mobile|_tel_/,
  /e_?mail/,
];

const SEPARATORS = /[^a-zA-Z0-9]+/g;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;
const ACRONYM_BOUNDARY = /([A-Z]+)([A-Z][a-z])/g;

/** `userPassword` → `_user_password_`; `X-API-Key` → `_x_api_key_`. */
export function normaliseKey(key: string): string {
  const words = key
    .replace(ACRONYM_BOUNDARY, '$1_$2')
    .replace(CAMEL_BOUNDARY, '$1_$2')
    .replace(SEPARATORS, '_');
  return `_${words.toLowerCase()}_`.replace(/__+/g, '_');
}

/** A key pattern as given in configuration: a string matches as a substring of the normalised key. */
export function redactionPattern(key: string | RegExp): RegExp {
  if (key instanceof RegExp) return key;
  const normalised = normaliseKey(key).slice(1, -1);
  return new RegExp(normalised.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Keys seen in practice are few (headers, field names); the cache keeps matching O(1). */
const MAX_CACHED_KEYS = 10_000;

/** A redaction list: the default patterns (or `keys`) plus `extraKeys`, matched with a cache. */
export class SensitiveKeys {
  private readonly patterns: RegExp[];
  private readonly cache = new Map<string, boolean>();

  constructor(
    keys: readonly (string | RegExp)[] = DEFAULT_REDACTION_KEYS,
    extraKeys: readonly (string | RegExp)[] = [],
  ) {
    this.patterns = [...keys, ...extraKeys].map(redactionPattern);
  }

  /** True when the key's values are masked. */
  matches(key: string): boolean {
    let hit = this.cache.get(key);
    if (hit === undefined) {
      const normalised = normaliseKey(key);
      hit = this.patterns.some((pattern) => pattern.test(normalised));
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }
}
