import type { Usage, UsageQuery } from '@auditlens/contract/rest';
import { formatTime } from '../mapping/fields.js';
import { auditSource } from '../store/audit-source.js';
import type { AuditStore, QueryParams } from '../store/store.js';

/**
 * AI and API usage (issue 19) from audit_request_log's typed usage columns (migration 7): a row
 * is a usage record when it names a GenAI operation or reports a cost. Every figure is summed
 * per currency; a breakdown row is one group in one currency.
 */

export interface UsageFilter extends Omit<UsageQuery, 'tenant' | 'from' | 'to'> {
  /** undefined = every tenant (a token bound to all tenants asked for `tenant=*`). */
  tenantId: string | undefined;
  fromMs: number;
  toMs: number;
}

/** The period of a usage read without `from`: the 30 days before `to`. */
export const USAGE_DEFAULT_SPAN_MS = 30 * 86_400_000;

type Breakdown = Exclude<keyof Usage, 'from' | 'to' | 'totals'>;

/** The group key of each breakdown, as a SQL expression over the request table. */
const GROUP_KEYS: Record<Breakdown, string> = {
  byUser: "if(user_id = '', username, user_id)",
  byModel: "if(gen_ai_response_model = '', gen_ai_request_model, gen_ai_response_model)",
  byProvider: 'gen_ai_provider',
  byTenant: 'tenant_id',
  byDay: 'toString(toDate(event_time))',
};

const FIGURES = `count() AS calls, countIf(result IN ('failure', 'denied')) AS failed,
  sum(gen_ai_input_tokens) AS input_tokens, sum(gen_ai_output_tokens) AS output_tokens,
  sum(usage_cost) AS cost, usage_currency AS currency`;

interface FigureRow {
  calls: string | number;
  failed: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost: number;
  currency: string;
}

const figures = (row: FigureRow): Usage['totals'][number] => ({
  calls: Number(row.calls),
  failed: Number(row.failed),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  cost: Number(row.cost),
  currency: row.currency,
});

/** The WHERE clause and parameters of a usage query (every value a server-side parameter). */
export function usageScope(store: AuditStore, filter: UsageFilter): { from: string; params: QueryParams } {
  const params: QueryParams = { from: formatTime(filter.fromMs), to: formatTime(filter.toMs) };
  const conditions = [
    "event_time >= {from:DateTime64(3, 'UTC')}",
    "event_time < {to:DateTime64(3, 'UTC')}",
    "(gen_ai_operation != '' OR usage_currency != '')",
  ];
  const add = (condition: string, name: string, value: string): void => {
    conditions.push(condition);
    params[name] = value;
  };
  if (filter.tenantId !== undefined) add('tenant_id = {tenant:String}', 'tenant', filter.tenantId);
  if (filter.user) add('(user_id = {user:String} OR username = {user:String})', 'user', filter.user);
  if (filter.model)
    add(
      '(gen_ai_request_model = {model:String} OR gen_ai_response_model = {model:String})',
      'model',
      filter.model,
    );
  if (filter.provider) add('gen_ai_provider = {provider:String}', 'provider', filter.provider);
  return {
    from: `FROM ${auditSource(store, 'audit_request_log')} WHERE ${conditions.join(' AND ')}`,
    params,
  };
}

/** Calls, tokens and cost of a period: totals per currency and the breakdowns of the contract. */
export async function usageStats(
  store: AuditStore,
  filter: UsageFilter,
): Promise<Omit<Usage, 'from' | 'to'>> {
  const { from, params } = usageScope(store, filter);
  const totals = await store.query<FigureRow>(
    `SELECT ${FIGURES} ${from} GROUP BY currency ORDER BY cost DESC, calls DESC`,
    params,
  );
  const breakdown = async (name: Breakdown): Promise<Usage[Breakdown]> => {
    const order = name === 'byDay' ? 'key, currency' : 'cost DESC, calls DESC, key';
    const rows = await store.query<FigureRow & { key: string }>(
      `SELECT ${GROUP_KEYS[name]} AS key, ${FIGURES} ${from}
       GROUP BY key, currency ORDER BY ${order} LIMIT {limit:UInt32}`,
      { ...params, limit: name === 'byDay' ? 1000 : filter.limit },
    );
    return rows.map((row) => ({ key: row.key, ...figures(row) }));
  };
  // One at a time: the embedded store runs one statement at a time anyway.
  const result = { totals: totals.map(figures) } as Omit<Usage, 'from' | 'to'>;
  for (const name of Object.keys(GROUP_KEYS) as Breakdown[]) result[name] = await breakdown(name);
  return result;
}
