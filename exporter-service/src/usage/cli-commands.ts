import type { Command } from 'commander';
import { usageQuerySchema, usageSchema, type Usage } from '@auditlens/contract/rest';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, cliPeriod, out } from '../cli/command.js';
import { readPeriod } from '../api/params.js';
import { cliPrincipal, throughExporterOrStore } from '../cli/session.js';
import { apiOption } from '../cli/target.js';
import { USAGE_DEFAULT_SPAN_MS, usageStats } from './usage-queries.js';

const BREAKDOWNS = {
  user: 'byUser',
  model: 'byModel',
  provider: 'byProvider',
  tenant: 'byTenant',
  day: 'byDay',
} as const;
type By = keyof typeof BREAKDOWNS;

interface UsageOptions {
  tenant: string;
  from?: string;
  to?: string;
  by?: string;
  user?: string;
  model?: string;
  provider?: string;
  limit?: string;
  json?: boolean;
  config?: string;
  api?: string;
}

const number = (n: number): string => n.toLocaleString('en-US');
const money = (cost: number, currency: string): string =>
  currency === '' ? '-' : `${cost.toLocaleString('en-US', { maximumFractionDigits: 4 })} ${currency}`;

/** A table of usage rows, columns padded to their widest value. */
function table(header: string, rows: Usage['byUser']): string[] {
  const lines = [
    [header, 'calls', 'failed', 'input tokens', 'output tokens', 'cost'],
    ...rows.map((r) => [
      r.key || '(none)',
      number(r.calls),
      number(r.failed),
      number(r.inputTokens),
      number(r.outputTokens),
      money(r.cost, r.currency),
    ]),
  ];
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length))) ?? [];
  return lines.map((l) =>
    l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
  );
}

/**
 * The usage of a period: through the REST API of the exporter running on the data directory (or
 * --api), which records the call; else on the store, recording the command in audit_access_log
 * as the API would.
 */
async function readUsage(
  options: UsageOptions,
  filters: {
    user?: string | undefined;
    model?: string | undefined;
    provider?: string | undefined;
    limit: number;
  },
  by: By,
  { fromMs, toMs }: { fromMs: number; toMs: number },
): Promise<Usage> {
  return throughExporterOrStore(
    options,
    async (api) => {
      const query = new URLSearchParams({ tenant: options.tenant, from: String(fromMs), to: String(toMs) });
      for (const [key, value] of Object.entries(filters))
        if (value !== undefined) query.set(key, String(value));
      return usageSchema.parse(await api.call<unknown>('GET', `/stats/usage?${query.toString()}`));
    },
    async (session) => {
      const tenantId =
        options.tenant === '*' ? undefined : options.tenant === '@system' ? '' : options.tenant;
      const usage = await usageStats(session.store, { ...filters, tenantId, fromMs, toMs });
      await session.accessLog.record(cliPrincipal(session.actor), {
        tenantId: tenantId ?? '',
        type: 'read',
        resource: 'auditlens usage',
        filter: {
          tenant: options.tenant,
          by,
          from: fromMs,
          to: toMs,
          user: filters.user,
          model: filters.model,
        },
        rows: usage.totals.reduce((n, t) => n + t.calls, 0),
      });
      return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), ...usage };
    },
  );
}

async function runUsage(options: UsageOptions): Promise<number> {
  const by = (options.by ?? 'user') as By;
  if (!(by in BREAKDOWNS)) throw new CliUsageError(`--by: one of ${Object.keys(BREAKDOWNS).join(', ')}`);
  const parsed = usageQuerySchema.safeParse({
    tenant: options.tenant,
    user: options.user,
    model: options.model,
    provider: options.provider,
    limit: options.limit,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliUsageError(`--${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`);
  }
  const { fromMs, toMs } = cliPeriod(options, (query) => readPeriod(query, USAGE_DEFAULT_SPAN_MS));
  const { user, model, provider, limit } = parsed.data;
  const usage = await readUsage(options, { user, model, provider, limit }, by, { fromMs, toMs });
  if (options.json) {
    out(JSON.stringify(usage, null, 2));
    return EXIT.ok;
  }
  out(
    `AI / API usage, tenant ${options.tenant}, ${new Date(fromMs).toISOString()} … ${new Date(toMs).toISOString()}`,
  );
  if (usage.totals.length === 0) {
    out('no AI / API calls in this period');
    return EXIT.ok;
  }
  for (const line of table(
    'total',
    usage.totals.map((t) => ({ key: 'total', ...t })),
  ))
    out(line);
  out('');
  for (const line of table(by, usage[BREAKDOWNS[by]])) out(line);
  return EXIT.ok;
}

/** Adds `usage` to the CLI. */
export function registerUsageCommands(program: Command, start: (work: () => Promise<number>) => void): void {
  const run = failuresAreUsageErrors(start);
  program
    .command('usage')
    .description(
      'AI / API usage: calls, tokens and cost per user, model, provider, tenant or day (per currency)',
    )
    .requiredOption('--tenant <tenant>', 'tenant, @system, or * for every tenant')
    .option('--from <time>', 'start (ISO-8601 or epoch ms; default 30 days before --to)')
    .option('--to <time>', 'end (ISO-8601 or epoch ms; default now)')
    .option('--by <group>', 'user, model, provider, tenant or day', 'user')
    .option('--user <user>', 'only this user (id or name)')
    .option('--model <model>', 'only this model (asked for or answering)')
    .option('--provider <provider>', 'only this provider (gen_ai.provider.name)')
    .option('--limit <n>', 'rows of the breakdown (1–1000)', '50')
    .option('--json', 'print the answer of GET /api/v1/stats/usage as JSON')
    .addOption(configOption())
    .addOption(apiOption())
    .action((options: UsageOptions) => run(() => runUsage(options)));
}
