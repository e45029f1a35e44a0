import type { Command } from 'commander';
import { profileQuerySchema, suspiciousQuerySchema, userLookupQuerySchema } from '@auditlens/contract/rest';
import { ZodError } from 'zod';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, cliPeriod, out } from '../cli/command.js';
import { cliPrincipal, openSession, type CliSession } from '../cli/session.js';
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

/** Runs a read in a CLI session and records it in audit_access_log, as the API does. */
async function read<T>(
  options: CommonOptions,
  work: (
    session: CliSession,
    tenantId: string,
  ) => Promise<{ answer: T; filter: Record<string, unknown>; rows: number }>,
  resource: string,
): Promise<T> {
  const session = await openSession(options.config, { migrate: true });
  try {
    const tenantId = options.tenant === '@system' ? '' : options.tenant;
    const { answer, filter, rows } = await work(session, tenantId);
    await session.accessLog.record(cliPrincipal(session.actor), {
      tenantId,
      type: 'read',
      resource,
      filter,
      rows,
    });
    return answer;
  } finally {
    await session.close();
  }
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
        const profile = await read(
          options,
          async (session, tenantId) => {
            const userId =
              named === undefined
                ? query.user
                : resolveUserName(
                    await lookUpUsers(session.store, { tenantId, text: named, limit: 20, ...range }),
                    named,
                  ).id;
            if (named !== undefined) process.stderr.write(`--user-name "${named}": user id ${userId}\n`);
            const answer = await userProfile(session.store, {
              tenantId,
              userId,
              peers: query.peers,
              ...range,
            });
            return {
              answer,
              filter: { user: userId, ...(named !== undefined ? { userName: named } : {}), ...range },
              rows: answer.totals.events,
            };
          },
          'auditlens behaviour profile',
        );
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
    .action((options: CommonOptions & { user?: string; minScore: string; limit: string }) =>
      run(async () => {
        const query = parseOptions(suspiciousQuerySchema, {
          user: options.user,
          minScore: options.minScore,
          limit: options.limit,
        });
        const range = cliPeriod(options, behaviourPeriod);
        const answer = await read(
          options,
          async (session, tenantId) => {
            const list = await suspiciousActivity(session.store, { tenantId, ...query, ...range });
            return { answer: list, filter: { user: query.user, ...range }, rows: list.findings.length };
          },
          'auditlens behaviour suspicious',
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
    .action((text: string, options: CommonOptions & { limit: string }) =>
      run(async () => {
        const query = parseOptions(userLookupQuerySchema, { q: text, limit: options.limit }, { q: '<text>' });
        const range = cliPeriod(options, behaviourPeriod);
        const lookup = await read(
          options,
          async (session, tenantId) => {
            const answer = await lookUpUsers(session.store, {
              tenantId,
              text: query.q,
              limit: query.limit,
              ...range,
            });
            return { answer, filter: { q: query.q, ...range }, rows: answer.users.length };
          },
          'auditlens behaviour users',
        );
        if (options.json) out(JSON.stringify(lookup, null, 2));
        else printUsers(lookup, query.q);
        return EXIT.ok;
      }),
    );
}
