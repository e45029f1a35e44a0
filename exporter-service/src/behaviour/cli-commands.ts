import type { Command } from 'commander';
import { profileQuerySchema, suspiciousQuerySchema } from '@auditlens/contract/rest';
import { ZodError } from 'zod';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, cliPeriod, out } from '../cli/command.js';
import { cliPrincipal, openSession, type CliSession } from '../cli/session.js';
import { behaviourPeriod } from './routes.js';
import { userProfile, type Profile } from './profile.js';
import { suspiciousActivity, type Suspicious } from './suspicious.js';

interface CommonOptions {
  tenant: string;
  from?: string;
  to?: string;
  json?: boolean;
  config?: string;
}

/** The query as the API would take it, checked by the same schema (errors name the option). */
function parseOptions<T>(schema: { parse(value: unknown): T }, options: Record<string, unknown>): T {
  try {
    return schema.parse(options);
  } catch (error) {
    if (error instanceof ZodError)
      throw new CliUsageError(error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
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

/** Adds `behaviour profile` and `behaviour suspicious` to the CLI. */
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
    .requiredOption('--user <user>', 'the user id (user.id)')
    .option('--from <time>', 'period start (default: 30 days before --to)')
    .option('--to <time>', 'period end (default: now)')
    .option(
      '--peers <basis>',
      'compare with users of the same role or of the whole tenant: role | tenant',
      'role',
    )
    .option('--json', 'print the profile as JSON (the API answer)')
    .addOption(configOption())
    .action((options: CommonOptions & { user: string; peers: string }) =>
      run(async () => {
        const query = parseOptions(profileQuerySchema, { user: options.user, peers: options.peers });
        const range = cliPeriod(options, behaviourPeriod);
        const profile = await read(
          options,
          async (session, tenantId) => {
            const answer = await userProfile(session.store, {
              tenantId,
              userId: query.user,
              peers: query.peers,
              ...range,
            });
            return { answer, filter: { user: query.user, ...range }, rows: answer.totals.events };
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
}
