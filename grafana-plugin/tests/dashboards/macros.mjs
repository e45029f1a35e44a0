// Expands a ClickHouse data source (grafana-clickhouse-datasource v4) query the way Grafana would
// before sending it, in the same order:
//   1. the data source's own frontend macro $__conditionalAll(condition, $var): `1=1` when the
//      variable is empty or "All", else the condition (CHDatasource.applyConditionalAll, on the
//      query text before any variable is interpolated);
//   2. template variables (Grafana's interpolation: `${name:format}`, `${name}`, `$name`; without a
//      format the data source's own formatter, which inserts a value as it is);
//   3. the data source backend's time macros ($__timeFilter, $__timeInterval, …).

export const ALL = '$__all';
const seconds = (ms) => Math.floor(ms / 1000);

/**
 * Grafana's `percentencode` format (encodeURIComponentStrict of @grafana/scenes): RFC 3986, so
 * also ! ' ( ) * are encoded. What comes out is only letters, digits and `-_.~%`: nothing that
 * can end a ClickHouse string literal or start an escape in it.
 */
export const percentEncode = (value) =>
  encodeURIComponent(String(value)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** Grafana's `sqlstring` format: single quotes doubled, the value quoted (backslashes left alone). */
export const sqlString = (value) => `'${String(value).replace(/'/g, "''")}'`;

const FORMATS = {
  percentencode: percentEncode,
  sqlstring: sqlString,
  raw: (value) => String(value),
};

function conditionalAll(sql, vars) {
  const macro = '$__conditionalAll(';
  let out = sql;
  for (let at = out.lastIndexOf(macro); at !== -1; at = out.lastIndexOf(macro)) {
    // The arguments: split at the commas of the macro's own parentheses.
    let depth = 0;
    let end = at + macro.length - 1;
    const commas = [];
    for (; end < out.length; end++) {
      const c = out[end];
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
      else if (c === ',' && depth === 1) commas.push(end);
    }
    if (commas.length !== 1)
      throw new Error(`$__conditionalAll needs two arguments: ${out.slice(at, end + 1)}`);
    const condition = out.slice(at + macro.length, commas[0]);
    const name = /\$\{?(\w+)\}?/.exec(out.slice(commas[0] + 1, end))?.[1];
    if (!name || !(name in vars))
      throw new Error(`$__conditionalAll of an unknown variable: ${out.slice(at, end + 1)}`);
    const value = String(vars[name]);
    out = `${out.slice(0, at)}${value === '' || value === ALL ? '1=1' : condition}${out.slice(end + 1)}`;
  }
  return out;
}

/**
 * @param {string} sql
 * @param {{ fromMs: number, toMs: number, intervalS: number, vars: Record<string, string> }} context
 *   a variable's value is what it is set to (from the URL, a text box or a list); ALL = "All".
 */
export function expandQuery(sql, { fromMs, toMs, intervalS, vars }) {
  const value = (name, format = 'raw') => {
    if (!(name in vars)) throw new Error(`unknown template variable $${name}`);
    if (vars[name] === ALL)
      throw new Error(`$${name} is "All" outside $__conditionalAll: it has no single value`);
    const formatter = FORMATS[format];
    if (!formatter) throw new Error(`format :${format} of $${name} is not modelled`);
    return formatter(vars[name]);
  };
  // Variables are interpolated in one pass, so a value is never scanned for variables again.
  let out = conditionalAll(sql, vars).replace(
    /\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g,
    (match, braced, format, bare) => {
      const name = braced ?? bare;
      if (name.startsWith('__')) return match;
      return value(name, format);
    },
  );
  const from = seconds(fromMs);
  const to = seconds(toMs);
  // The backend expands its macros after the variables (and so also inside a value: only a value
  // that could carry `$` would be affected, which percent-encoding rules out).
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
  return out;
}

/** Every variable a query splices in, with its format; `$__conditionalAll`'s second arguments excluded. */
export function splicedVariables(sql) {
  const withoutConditions = sql.replace(/,\s*\$\{?\w+\}?\)/g, ')');
  return [...withoutConditions.matchAll(/\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g)].map((m) => ({
    name: m[1] ?? m[3],
    format: m[2] ?? 'raw',
    text: m[0],
    context: withoutConditions.slice(Math.max(0, m.index - 20), m.index + m[0].length + 2),
  }));
}
