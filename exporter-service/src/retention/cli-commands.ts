import type { Command } from 'commander';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { CliUsageError, configOption, failuresAreUsageErrors } from '../cli/command.js';
import { cliRequest, withSession, type CliSession } from '../cli/session.js';
import { policyInputSchema, type PolicyChange, type PolicyInput } from './policies.js';
import { policyView } from './routes.js';
import { applyArchiveVolume } from './storage.js';

/** Audits, then applies, planned policy changes; prints what they leave. */
async function changePolicies(session: CliSession, changes: PolicyChange[], command: string): Promise<void> {
  await session.runtime.changePolicies(changes, session.actor, cliRequest(command));
  process.stdout.write(
    `${JSON.stringify(
      changes.map((c) => (c.after ? policyView(c.after) : { deleted: c.before?.id })),
      null,
      2,
    )}\n`,
  );
}

function policyError(error: unknown): never {
  if (error instanceof Error && 'field' in error) throw new CliUsageError(error.message);
  throw error;
}

/** Adds `retention list|set|delete|preset|reapply|archive|storage` to the CLI. */
export function registerRetentionCommands(
  program: Command,
  start: (work: () => Promise<number>) => void,
): void {
  const run = failuresAreUsageErrors(start);
  const retention = program
    .command('retention')
    .description('retention policies, presets, re-apply and archive');
  retention
    .command('list')
    .description('list the retention policies and what they mean for rows')
    .addOption(configOption())
    .action((options: { config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          const policies = session.runtime.policies;
          process.stdout.write(
            `${JSON.stringify({ floorDays: policies.floorDays, policies: policies.list().map(policyView) }, null, 2)}\n`,
          );
        }),
      ),
    );
  retention
    .command('set')
    .description('create a policy, or replace one with --id (refused below the legal floor)')
    .option('--id <id>', 'replace this policy')
    .requiredOption('--table <table>', AUDIT_TABLES.join(' | '))
    .option('--name <name>', 'policy name')
    .option('--module <module>', 'ALL, SENSITIVE, NORMAL or a module name', 'ALL')
    .option('--risk <level>', 'risk level and above (1–4)')
    .requiredOption('--online <days>', 'days in the online table')
    .option('--archive <days>', 'days kept in all, archive included ("none" = no end)', 'none')
    .option('--no-auto-archive', 'keep rows online until they expire')
    .option('--auto-delete', 'delete rows when their retention ends')
    .option('--requirement <text>', 'compliance requirement this policy serves', '')
    .addOption(configOption())
    .action(
      (options: {
        id?: string;
        table: string;
        name?: string;
        module: string;
        risk?: string;
        online: string;
        archive: string;
        autoArchive: boolean;
        autoDelete?: boolean;
        requirement: string;
        config?: string;
      }) =>
        run(() =>
          withSession(options.config, async (session) => {
            const parsed = policyInputSchema.safeParse({
              name:
                options.name ??
                `${options.table} ${options.module}${options.risk ? ` risk ≥ ${options.risk}` : ''}`,
              table: options.table,
              module: options.module,
              riskLevel: options.risk === undefined ? null : Number(options.risk),
              retentionDays: Number(options.online),
              archiveDays: options.archive === 'none' ? null : Number(options.archive),
              autoArchive: options.autoArchive,
              autoDelete: options.autoDelete ?? false,
              complianceRequirement: options.requirement,
            });
            if (!parsed.success) {
              throw new CliUsageError(
                parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
              );
            }
            const input: PolicyInput = parsed.data;
            const policies = session.runtime.policies;
            const planned = await (
              options.id
                ? policies.planUpdate(options.id, input, session.actor.id)
                : policies.planCreate(input, session.actor.id)
            ).catch(policyError);
            await changePolicies(session, planned, 'auditlens retention set');
          }),
        ),
    );
  retention
    .command('delete <id>')
    .description('delete a policy')
    .addOption(configOption())
    .action((id: string, options: { config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          const planned = await session.runtime.policies.planRemove(id, session.actor.id).catch(policyError);
          await changePolicies(session, planned, `auditlens retention delete ${id}`);
        }),
      ),
    );
  retention
    .command('preset <name>')
    .description('raise every enabled policy to a framework’s minimum (mlps3, pci-dss-4, soc2, iso27001)')
    .addOption(configOption())
    .action((name: string, options: { config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          const planned = await session.runtime.policies
            .planPreset(name, session.actor.id)
            .catch(policyError);
          await changePolicies(session, planned, `auditlens retention preset ${name}`);
          process.stdout.write(`${planned.length} policies raised to ${name}\n`);
        }),
      ),
    );
  retention
    .command('reapply')
    .description('set retention_days/online_days of stored rows from the current policies (a mutation)')
    .option('--wait', 'wait until ClickHouse has rewritten the rows')
    .addOption(configOption())
    .action((options: { wait?: boolean; config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          const tables = await session.runtime.reapply(
            session.actor,
            cliRequest('auditlens retention reapply'),
            options.wait ?? false,
          );
          for (const t of tables)
            process.stdout.write(`${t.table}: ${t.rows} rows re-timed (${t.policies} policies)\n`);
        }),
      ),
    );
  retention
    .command('archive')
    .description('embedded mode: move rows past their online days to the archive tables now')
    .addOption(configOption())
    .action((options: { config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          if (session.store.mode !== 'embedded') {
            throw new CliUsageError('server mode archives by TTL … TO VOLUME (AUDITLENS_ARCHIVE_VOLUME)');
          }
          const moved = await session.runtime.archive(
            session.actor,
            cliRequest('auditlens retention archive'),
          );
          process.stdout.write(
            moved.length === 0
              ? 'nothing to archive\n'
              : `${moved.map((m) => `${m.table}: ${m.moved}`).join('\n')}\n`,
          );
        }),
      ),
    );

  retention
    .command('storage')
    .description(
      'server mode: set the archive-volume TTL (AUDITLENS_ARCHIVE_VOLUME) on the audit tables; run as a user with ALTER',
    )
    .addOption(configOption())
    .action((options: { config?: string }) =>
      run(() =>
        withSession(options.config, async (session) => {
          const { config, store } = session;
          const volume = config.compliance.archiveVolume;
          if (!volume) throw new CliUsageError('AUDITLENS_ARCHIVE_VOLUME is not set');
          if (store.mode !== 'server')
            throw new CliUsageError('embedded mode archives to <table>_archive tables');
          const settings = {
            volume,
            storagePolicy: config.compliance.archiveStoragePolicy,
            cluster: config.clickhouse.cluster,
          };
          const change = {
            operation: 'RETENTION_ARCHIVE_VOLUME',
            targetType: 'AUDIT_TABLES',
            targetId: '*',
            targetName: volume,
            details: settings,
            ...cliRequest('auditlens retention storage'),
          };
          await session.runtime.auditedChange([change], session.actor, () =>
            applyArchiveVolume(store, settings),
          );
          process.stdout.write(`audit tables move rows past their online days to volume ${volume}\n`);
        }),
      ),
    );
}
