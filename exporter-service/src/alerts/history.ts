import { formatTime, parseTime } from '../mapping/fields.js';
import type { AuditStore } from '../store/store.js';
import type { EngineRow } from './compile.js';
import { durationMs } from './duration.js';
import { fieldSpec, tablesOf } from './fields.js';
import type { AlertRule, FilterItem } from './rule-model.js';
import { filterSql, ruleWhere, SqlParams } from './sql.js';

export interface HistoryRows {
  rows: EngineRow[];
  /** True when the row cap cut the result (the oldest rows are kept). */
  truncated: boolean;
}

function fieldsOfFilter(items: readonly FilterItem[]): string[] {
  return items.flatMap((item) => ('anyOf' in item ? item.anyOf.map((c) => c.field) : [item.field]));
}

/** The fields a rule reads (filters, group keys, value fields). */
export function ruleFields(rule: AlertRule): string[] {
  const names = [...fieldsOfFilter(rule.filter), ...rule.groupBy];
  if (rule.kind === 'sequence')
    names.push(...fieldsOfFilter(rule.sequence.first), ...fieldsOfFilter(rule.sequence.then));
  if (rule.kind === 'new_value') names.push(...rule.newValue.fields);
  return [...new Set(names)];
}

function selectColumns(rule: AlertRule): { columns: string[]; attributes: boolean } {
  const columns = new Set(['tenant_id', 'event_id', 'service']);
  let attributes = false;
  for (const name of ruleFields(rule)) {
    const spec = fieldSpec(rule.source, name);
    if (spec?.column) columns.add(spec.column);
    else if (spec?.attribute !== undefined) attributes = true;
  }
  return { columns: [...columns], attributes };
}

interface RawRow {
  _table: string;
  event_time: string;
  event_id: string;
  tenant_id: string;
  [column: string]: unknown;
}

function toEngineRow(raw: RawRow): EngineRow {
  const { _table, event_time, ...values } = raw;
  return {
    table: _table,
    tenantId: raw.tenant_id,
    eventId: raw.event_id,
    timeMs: parseTime(event_time),
    values,
  };
}

/** How far back a rule's state reaches (window; lookback for new values; forgetting for silence). */
export function ruleHorizonMs(rule: AlertRule): number {
  if (rule.kind === 'new_value') return durationMs(rule.newValue.lookback);
  if (rule.kind === 'silence') return durationMs(rule.silence.forgetAfter);
  return durationMs(rule.window);
}

/**
 * The stored rows a rule would have seen in [fromMs, toMs], in time order, filtered in SQL with the
 * rule's own filter (so only what the rule needs leaves ClickHouse):
 * - threshold, match, sequence: the matching rows themselves (at most maxRows);
 * - new_value: one row per (group, value) at its first appearance, plus one at its last;
 * - silence: one row per group and minute (the latest), enough to see every gap of a minute or more.
 */
export async function fetchRuleRows(
  store: AuditStore,
  rule: AlertRule,
  fromMs: number,
  toMs: number,
  maxRows: number,
): Promise<HistoryRows> {
  const p = new SqlParams();
  const from = p.bind(formatTime(fromMs), "DateTime64(3, 'UTC')");
  const to = p.bind(formatTime(toMs), "DateTime64(3, 'UTC')");
  const limit = p.bind(maxRows + 1, 'UInt32');
  const { columns, attributes } = selectColumns(rule);
  const extra = attributes ? ['attributes'] : [];
  const parts = tablesOf(rule.source).map((table) => {
    let where = `event_time >= ${from} AND event_time <= ${to} AND ${ruleWhere(rule, table, p)}`;
    if (rule.kind === 'sequence') {
      where += ` AND ((${filterSql(rule, rule.sequence.first, p)}) OR (${filterSql(rule, rule.sequence.then, p)}))`;
    }
    const tableName = p.bind(table, 'String');
    const source = `${store.database}.${table}`;
    if (rule.kind === 'new_value' || rule.kind === 'silence') {
      // Aggregates carry aliases that differ from every column name, so none shadows a column in WHERE.
      const keys = [
        ...new Set([
          'tenant_id',
          ...rule.groupBy,
          ...(rule.kind === 'new_value' ? rule.newValue.fields : []),
        ]),
      ];
      const carried = [...columns.filter((c) => !keys.includes(c) && c !== 'event_id'), ...extra];
      const inner = [
        ...keys,
        ...carried.map((c) => `any(${c}) AS _any_${c}`),
        'min(event_time) AS _first_time',
        'max(event_time) AS _last_time',
        'argMin(event_id, event_time) AS _first_id',
        'argMax(event_id, event_time) AS _last_id',
      ].join(', ');
      const groupBy =
        rule.kind === 'silence' ? `${keys.join(', ')}, toStartOfMinute(event_time)` : keys.join(', ');
      const select = (which: 'first' | 'last') =>
        `SELECT ${tableName} AS _table, _${which}_time AS event_time, _${which}_id AS event_id, ${[
          ...keys,
          ...carried.map((c) => `_any_${c} AS ${c}`),
        ].join(', ')}
         FROM (SELECT ${inner} FROM ${source} WHERE ${where} GROUP BY ${groupBy})`;
      return rule.kind === 'silence' ? select('last') : `${select('first')} UNION ALL ${select('last')}`;
    }
    return `SELECT ${tableName} AS _table, event_time, ${[...columns, ...extra].join(', ')} FROM ${source} WHERE ${where}`;
  });
  const sql = `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY event_time, event_id LIMIT ${limit}`;
  const raw = await store.query<RawRow>(sql, p.params);
  const truncated = raw.length > maxRows;
  return { rows: (truncated ? raw.slice(0, maxRows) : raw).map(toEngineRow), truncated };
}
