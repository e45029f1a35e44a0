import type { QueryParams } from '../store/store.js';

/** The names under which API queries bind the start and end of their period. */
const PERIOD_MACROS: Record<string, string> = { from: '$__fromTime_ms', to: '$__toTime_ms' };

/** Text that needs no escaping in a ClickHouse string literal and that Grafana leaves as it is. */
const PLAIN = /^[A-Za-z0-9 _.,:@/+=-]*$/;

/**
 * Grafana's `percentencode` (RFC 3986: also ! ' ( ) *): only letters, digits and `-_.~%` remain,
 * none of which can end a string literal, start an escape, or start a Grafana variable or macro.
 */
const percentEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A value as a ClickHouse literal for a query that Grafana will read: plain text quoted as it is,
 * anything else (quotes, backslashes, `$` of a Grafana variable, `[[`) as
 * decodeURLComponent('<percent-encoded>'), the form the bundled dashboards use for their variables.
 */
export function sqlLiteral(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sqlLiteral).join(', ')}]`;
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = String(value);
  return PLAIN.test(text) ? `'${text}'` : `decodeURLComponent('${percentEncode(text)}')`;
}

/**
 * An API query as the SQL a user can run in Grafana Explore on the ClickHouse data source
 * (DESIGN §8: the app links every view out to Explore). It is the very SQL text the API runs:
 * the period's parameters become the data source's time macros, so that Explore's time picker
 * moves it, and every other parameter becomes a literal (sqlLiteral). A parameter without a value
 * is an error, never left in the text.
 */
export function grafanaSql(sql: string, params: QueryParams): string {
  return sql
    .replace(/\{(\w+):([^{}]+)\}/g, (_, name: string, type: string) => {
      if (name in PERIOD_MACROS && type.startsWith('DateTime64')) return PERIOD_MACROS[name] as string;
      if (!(name in params)) throw new Error(`no value for the query parameter ${name}`);
      const literal = sqlLiteral(params[name]);
      return type.startsWith('DateTime64') ? `toDateTime64(${literal}, 3, 'UTC')` : literal;
    })
    .replace(/\n\s+/g, '\n  ')
    .trim();
}
