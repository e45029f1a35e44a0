// Expands a ClickHouse data source (grafana-clickhouse-datasource v4) query the way Grafana would
// before sending it: template variables first (Grafana's interpolation, with the :sqlstring format
// and custom "All" values), then the data source's time macros.

const seconds = (ms) => Math.floor(ms / 1000);

/** Grafana's :sqlstring format: single quotes doubled, the value quoted. */
export const sqlString = (value) => `'${String(value).replace(/'/g, "''")}'`;

/**
 * @param {string} sql
 * @param {{ fromMs: number, toMs: number, intervalS: number, vars: Record<string, string | { all: string }> }} context
 */
export function expandQuery(sql, { fromMs, toMs, intervalS, vars }) {
  const value = (name, format) => {
    if (!(name in vars)) throw new Error(`unknown template variable $${name}`);
    const v = vars[name];
    if (typeof v === 'object') return v.all; // a custom allValue is inserted as it is
    return format === 'sqlstring' ? sqlString(v) : v;
  };
  let out = sql
    .replace(/\$\{(\w+)(?::(\w+))?\}/g, (_, name, format) => {
      if (name.startsWith('__')) return `\${${name}${format ? `:${format}` : ''}}`;
      return value(name, format);
    })
    .replace(/\$(?!__)(\w+)/g, (_, name) => value(name));
  const from = seconds(fromMs);
  const to = seconds(toMs);
  out = out
    .replace(
      /\$__timeFilter_ms\(([^)]+)\)/g,
      (_, col) =>
        `${col} >= fromUnixTimestamp64Milli(${fromMs}) AND ${col} <= fromUnixTimestamp64Milli(${toMs})`,
    )
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_, col) => `${col} >= toDateTime(${from}) AND ${col} <= toDateTime(${to})`,
    )
    .replace(
      /\$__timeInterval_ms\(([^)]+)\)/g,
      (_, col) => `toStartOfInterval(toDateTime64(${col}, 3), INTERVAL ${intervalS * 1000} millisecond)`,
    )
    .replace(
      /\$__timeInterval\(([^)]+)\)/g,
      (_, col) => `toStartOfInterval(toDateTime(${col}), INTERVAL ${intervalS} second)`,
    )
    .replace(/\$__fromTime_ms/g, `fromUnixTimestamp64Milli(${fromMs})`)
    .replace(/\$__toTime_ms/g, `fromUnixTimestamp64Milli(${toMs})`)
    .replace(/\$__fromTime/g, `toDateTime(${from})`)
    .replace(/\$__toTime/g, `toDateTime(${to})`)
    .replace(/\$__interval_s/g, String(intervalS));
  const left = /\$\{?\w+/.exec(out);
  if (left) throw new Error(`unexpanded macro or variable ${left[0]} in: ${out}`);
  return out;
}
