import type { Command } from 'commander';
import { profileQuerySchema, suspiciousQuerySchema, userLookupQuerySchema } from '@auditlens/contract/rest';
import { ZodError } from 'zod';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, cliPeriod, out } from '../cli/command.js';
import { cliPrincipal, throughExporterOrStore } from '../cli/session.js';
import { apiOption } from '../cli/target.js';
import { behaviourPeriod } from './routes.js';
import { userProfile, type Profile } from './profile.js';
import { suspiciousActivity, type Suspicious } from './suspicious.js';
import { lookUpUsers, type UserLookup } from './users.js';

interface CommonOptions {
  tenant: string;
  from?: string;
  to?: string;
  json?: boolean;
  config?: string;
  api?: string;
}

/**
 * The query as the API would take it, checked by the same schema; errors name the option (the
 * API's parameter name, or the option or argument `names` gives for it).
 */
function parseOptions<T>(
  schema: { parse(value: unknown): T },
  options: Record<string, unknown>,
  names: Record<string, string> = {},
): T {
  try {
    return schema.parse(options);
  } catch (error) {
    if (error instanceof ZodError)
      throw new CliUsageError(
        error.issues
          .map((i) => `${names[i.path.join('.')] ?? `--${i.path.join('.')}`}: ${i.message}`)
          .join('; '),
      );
    throw error;
  }
}

type Period = { fromMs: number; toMs: number };

/** The behaviour reads of one tenant and period, from the store or through an exporter's API. */
interface BehaviourReads {
  profile(userId: string, peers: 'role' | 'tenant'): Promise<Profile>;
  suspicious(filters: { user?: string | undefined; minScore: number; limit: number }): Promise<Suspicious>;
  users(text: string, limit: number): Promise<UserLookup>;
}

/**
 * Runs a command's reads: through the REST API of the exporter running on the data directory (or
 * --api), which records each call; else on the store, recording the command in audit_access_log
 * as the API would.
 */
async function readBehaviour<T>(
  options: CommonOptions,
  resource: string,
  period: Period,
  work: (reads: BehaviourReads) => Promise<{ answer: T; filter: Record<string, unknown>; rows: number }>,
): Promise<T> {
  return throughExporterOrStore(
    options,
    async (api) => {
      const get = <A>(name: string, params: Record<string, string | number | undefined>): Promise<A> => {
        const query = new URLSearchParams({
          tenant: options.tenant,
          from: String(period.fromMs),
          to: String(period.toMs),
        });
        for (const [key, value] of Object.entries(params))
          if (value !== undefined) query.set(key, String(value));
        return api.call<A>('GET', `/behaviour/${name}?${query.toString()}`);
      };
      const { answer } = await work({
        profile: (user, peers) => get('profile', { user, peers }),
        suspicious: (filters) => get('suspicious', filters),
        users: (q, limit) => get('users', { q, limit }),
      });
      return answer;
    },
    async (session) => {
      const tenantId = options.tenant === '@system' ? '' : options.tenant;
      const scope = { tenantId, ...period };
      const { answer, filter, rows } = await work({
        profile: (userId, peers) => userProfile(session.store, { ...scope, userId, peers }),
        suspicious: (filters) => suspiciousActivity(session.store, { ...scope, ...filters }),
        users: (text, limit) => lookUpUsers(session.store, { ...scope, text, limit }),
      });
      await session.accessLog.record(cliPrincipal(session.actor), {
        tenantId,
        type: 'read',
        resource,
        filter: { ...filter, ...period },
        rows,
      });
      return answer;
    },
  );
}

/** "wangwu (Wang Wu, W. Wu)": a user id with the names its records carry. */
const described = (user: UserLookup['users'][number]): string =>
  user.names.length > 0 ? `${user.id} (${user.names.join(', ')})` : user.id;

/**
 * The one user a name designates: the user whose id or a name equals it (any case), else the one
 * user whose id or a name contains it; several or none is a usage error naming what was found.
 */
export function resolveUserName(lookup: UserLookup, name: string): UserLookup['users'][number] {
  const exact = lookup.users.filter((user) => user.exact);
  const candidates = exact.length > 0 ? exact : lookup.users;
  const [only] = candidates;
  if (candidates.length === 1 && only) return only;
  const where = `in tenant ${lookup.tenant || '(system)'} between ${lookup.from} and ${lookup.to}`;
  if (!only) throw new CliUsageError(`--user-name: no user whose id or name contains "${name}" ${where}`);
  const more = exact.length === 0 && lookup.truncated ? ' and more' : '';
  throw new CliUsageError(
    `--user-name: "${name}" matches ${candidates.length}${more} users ${where}: ` +
      `${candidates.map(described).join('; ')}${more}; give --user with one of these ids`,
  );
}

const percent = (rate: number): string => `${(rate * 100).toFixed(1)}%`;

function printProfile(profile: Profile): void {
  const t = profile.totals;
  out(`user ${profile.user} (tenant ${profile.tenant || '(system)'}), ${profile.from} → ${profile.to}`);
  out(`  roles: ${profile.roles.join(', ') || '(none)'}`);
  out(
    `  records ${t.events} (previous period ${profile.baseline.events}, peers' median ${profile.peers.median.events} ` +
      `of ${profile.peers.users} ${profile.peers.basis === 'role' ? 'same-role users' : 'users of the tenant'})`,
  );
  out(
    `  failed ${t.failed}, denied ${t.denied}, success rate ${percent(t.successRate)}, high risk ${t.highRisk}, ` +
      `sensitive ${t.sensitive}, sessions ${t.sessions}, off-hours ${t.offHoursEvents}, alerts ${profile.alerts}`,
  );
  for (const deviation of profile.deviations) out(`  ! ${deviation.message}`);
  out('  top actions:');
  for (const action of profile.byAction.slice(0, 10))
    out(`    ${String(action.events).padStart(8)}  ${action.kind} ${action.action || '(none)'}`);
  out('  clients:');
  for (const client of profile.clients.slice(0, 10))
    out(
      `    ${client.isNew ? 'NEW ' : '    '}${client.ip}  ${client.userAgent || '(no user agent)'}  ` +
        `${client.events} records, ${client.firstSeen} … ${client.lastSeen}`,
    );
}

function printSuspicious(answer: Suspicious): void {
  out(
    `suspicious activity, tenant ${answer.tenant || '(system)'}, ${answer.from} → ${answer.to}: ${answer.findings.length} findings`,
  );
  for (const finding of answer.findings) {
    const mitre = [finding.mitre.tactic, finding.mitre.technique].filter(Boolean).join('/');
    out(
      `  ${String(finding.score).padStart(3)}  ${finding.eventType.padEnd(30)} ${finding.userId.padEnd(20)} ` +
        `${finding.summary}${mitre ? ` [${mitre}]` : ''}`,
    );
    for (const evidence of finding.evidence.slice(0, 3))
      out(
        `       ${evidence.event_time} ${evidence.kind} ${evidence.event_id} trace ${evidence.trace_id || '-'} ${evidence.summary}`,
      );
  }
}

function printUsers(lookup: UserLookup, text: string): void {
  out(
    `users matching "${text}", tenant ${lookup.tenant || '(system)'}, ${lookup.from} → ${lookup.to}: ${lookup.users.length}${lookup.truncated ? ' (more: narrow the text or raise --limit)' : ''}`,
  );
  for (const user of lookup.users)
    out(
      `  ${user.exact ? '=' : ' '} ${user.id.padEnd(24)} ${String(user.records).padStart(8)} records, last ${user.lastSeen}  ` +
        `names: ${user.names.join(', ') || '(none)'}  roles: ${user.roles.join(', ') || '(none)'}`,
    );
}

/** Adds `behaviour profile`, `behaviour suspicious` and `behaviour users` to the CLI. */
export function registerBehaviourCommands(
  program: Command,
  start: (work: () => Promise<number>) => void,
): void {
  const run = failuresAreUsageErrors(start);
  const behaviour = program
    .command('behaviour')
    .description('user behaviour profiles and suspicious activity');
  behaviour
    .command('profile')
    .description("one user's activity over a period, against the previous period and peers")
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .option('--user <user>', 'the user id (user.id)')
    .option(
      '--user-name <name>',
      'the user whose id or name (user.name) is or contains this, any case (instead of --user)',
    )
    .option('--from <time>', 'period start (default: 30 days before --to)')
    .option('--to <time>', 'period end (default: now)')
    .option(
      '--peers <basis>',
      'compare with users of the same role or of the whole tenant: role | tenant',
      'role',
    )
    .option('--json', 'print the profile as JSON (the API answer)')
    .addOption(configOption())
    .addOption(apiOption())
    .action((options: CommonOptions & { user?: string; userName?: string; peers: string }) =>
      run(async () => {
        if ((options.user === undefined) === (options.userName === undefined))
          throw new CliUsageError('give the user: --user <id> or --user-name <name> (one of them)');
        const named =
          options.userName === undefined
            ? undefined
            : parseOptions(userLookupQuerySchema, { q: options.userName }, { q: '--user-name' }).q;
        const query = parseOptions(profileQuerySchema, { user: options.user ?? named, peers: options.peers });
        const range = cliPeriod(options, behaviourPeriod);
        const profile = await readBehaviour(options, 'auditlens behaviour profile', range, async (reads) => {
          const userId =
            named === undefined ? query.user : resolveUserName(await reads.users(named, 20), named).id;
          if (named !== undefined) process.stderr.write(`--user-name "${named}": user id ${userId}\n`);
          const answer = await reads.profile(userId, query.peers);
          return {
            answer,
            filter: { user: userId, ...(named !== undefined ? { userName: named } : {}) },
            rows: answer.totals.events,
          };
        });
        if (options.json) out(JSON.stringify(profile, null, 2));
        else printProfile(profile);
        return EXIT.ok;
      }),
    );
  behaviour
    .command('suspicious')
    .description('the ranked suspicious-activity list of a period (the alert rules’ detections)')
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .option('--user <user>', 'one user only')
    .option('--from <time>', 'period start (default: 30 days before --to)')
    .option('--to <time>', 'period end (default: now)')
    .option('--min-score <score>', 'leave out findings scoring below this (0–100)', '0')
    .option('--limit <n>', 'at most this many findings', '100')
    .option('--json', 'print the list as JSON (the API answer)')
    .addOption(configOption())
    .addOption(apiOption())
    .action((options: CommonOptions & { user?: string; minScore: string; limit: string }) =>
      run(async () => {
        const query = parseOptions(suspiciousQuerySchema, {
          user: options.user,
          minScore: options.minScore,
          limit: options.limit,
        });
        const range = cliPeriod(options, behaviourPeriod);
        const answer = await readBehaviour(
          options,
          'auditlens behaviour suspicious',
          range,
          async (reads) => {
            const list = await reads.suspicious(query);
            return { answer: list, filter: { user: query.user }, rows: list.findings.length };
          },
        );
        if (options.json) out(JSON.stringify(answer, null, 2));
        else printSuspicious(answer);
        return EXIT.ok;
      }),
    );
  behaviour
    .command('users')
    .description('the users whose id or name contains a text (any case), with their records in the period')
    .argument('<text>', 'a part of a user id or name, e.g. zhang or "Wang Wu"')
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .option('--from <time>', 'period start (default: 30 days before --to)')
    .option('--to <time>', 'period end (default: now)')
    .option('--limit <n>', 'at most this many users (1–100)', '20')
    .option('--json', 'print the list as JSON (the API answer)')
    .addOption(configOption())
    .addOption(apiOption())
    .action((text: string, options: CommonOptions & { limit: string }) =>
      run(async () => {
        const query = parseOptions(userLookupQuerySchema, { q: text, limit: options.limit }, { q: '<text>' });
        const range = cliPeriod(options, behaviourPeriod);
        const lookup = await readBehaviour(options, 'auditlens behaviour users', range, async (reads) => {
          const answer = await reads.users(query.q, query.limit);
          return { answer, filter: { q: query.q }, rows: answer.users.length };
        });
        if (options.json) out(JSON.stringify(lookup, null, 2));
        else printUsers(lookup, query.q);
        return EXIT.ok;
      }),
    );
}
