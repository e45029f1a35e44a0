import type { Command } from 'commander';
import type { Answer, retentionListSchema, RetentionPolicy } from '@auditlens/contract/rest';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors } from '../cli/command.js';
import { cliRequest, throughExporterOrStore, withSession, type CliSession } from '../cli/session.js';
import { jsonOption, printJson, printTable } from '../cli/table.js';
import { apiOption, type ExporterApi } from '../cli/target.js';
import { policyInputSchema, type PolicyChange, type PolicyInput } from './policies.js';
import { policyView } from './routes.js';
import { applyArchiveVolume, type ArchiveResult, type ReapplyResult } from './storage.js';

// Every command but `storage` (server mode, no lock) works through the running exporter's API when
// there is one (cli/target.ts), else on the store; the output is the same either way.

/** What a change leaves: the policy as the API shows it, or the id of a deleted one. */
type PolicyOutcome = RetentionPolicy | { deleted: string | undefined };

const printOutcomes = (outcomes: readonly PolicyOutcome[]): void => printJson(outcomes);

/** Audits, then applies, planned policy changes; returns what they leave. */
async function changePolicies(
  session: CliSession,
  changes: PolicyChange[],
  command: string,
): Promise<PolicyOutcome[]> {
  await session.runtime.changePolicies(changes, session.actor, cliRequest(command));
  return changes.map((c) => (c.after ? policyView(c.after) : { deleted: c.before?.id }));
}

const days = (value: number | null | undefined): string =>
  value === null || value === undefined ? '∞' : String(value);

function printPolicies(list: { floorDays: number; policies: RetentionPolicy[] }, json: boolean): void {
  if (json) {
    printJson(list);
    return;
  }
  printTable(
    ['ID', 'TABLE', 'MODULE', 'RISK', 'ONLINE', 'TOTAL', 'DELETE', 'ENABLED', 'NAME'],
    list.policies.map((p) => [
      p.id,
      p.table,
      p.module,
      p.riskLevel === null ? 'any' : `≥${p.riskLevel}`,
      days(p.effective?.onlineDays),
      days(p.effective?.totalDays),
      p.autoDelete ? days(p.effective?.deleteDays) : 'never',
      p.enabled ? 'yes' : 'no',
      p.name,
    ]),
  );
  process.stdout.write(`legal retention floor: ${list.floorDays} days\n`);
}

/**
 * Runs a command through the exporter's API when one runs (or is named), else in a session on the
 * store; `viaApi` and `direct` return what the command prints.
 */
function either<T>(
  options: { config?: string; api?: string },
  viaApi: (api: ExporterApi) => Promise<T>,
  direct: (session: CliSession) => Promise<T>,
  print: (result: T) => void,
): () => Promise<number> {
  return async () => {
    print(await throughExporterOrStore(options, viaApi, direct));
    return EXIT.ok;
  };
}

/** The policy the options describe, or a usage error naming every invalid option. */
function validInput(parsed: ReturnType<typeof policyInputSchema.safeParse>): PolicyInput {
  if (!parsed.success) {
    throw new CliUsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
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
    .addOption(jsonOption())
    .addOption(apiOption())
    .addOption(configOption())
    .action((options: { json?: boolean; config?: string; api?: string }) =>
      run(
        either(
          options,
          async (api) => {
            const { floorDays, policies } = await api.call<Answer<typeof retentionListSchema>>(
              'GET',
              '/retention-policies',
            );
            return { floorDays, policies };
          },
          async (session) => ({
            floorDays: session.runtime.policies.floorDays,
            policies: session.runtime.policies.list().map(policyView),
          }),
          (list) => printPolicies(list, options.json ?? false),
        ),
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
    .addOption(apiOption())
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
        api?: string;
      }) => {
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
        run(
          either(
            options,
            async (api) => {
              const input = validInput(parsed);
              const id = options.id;
              return [
                id
                  ? await api.call<RetentionPolicy>(
                      'PUT',
                      `/retention-policies/${encodeURIComponent(id)}`,
                      input,
                    )
                  : await api.call<RetentionPolicy>('POST', '/retention-policies', input),
              ];
            },
            async (session) => {
              const input = validInput(parsed);
              const policies = session.runtime.policies;
              const planned = await (
                options.id
                  ? policies.planUpdate(options.id, input, session.actor.id)
                  : policies.planCreate(input, session.actor.id)
              ).catch(policyError);
              return changePolicies(session, planned, 'auditlens retention set');
            },
            printOutcomes,
          ),
        );
      },
    );
  retention
    .command('delete <id>')
    .description('delete a policy')
    .addOption(apiOption())
    .addOption(configOption())
    .action((id: string, options: { config?: string; api?: string }) =>
      run(
        either(
          options,
          async (api) => {
            await api.call('DELETE', `/retention-policies/${encodeURIComponent(id)}`);
            return [{ deleted: id }];
          },
          async (session) => {
            const planned = await session.runtime.policies
              .planRemove(id, session.actor.id)
              .catch(policyError);
            return changePolicies(session, planned, `auditlens retention delete ${id}`);
          },
          printOutcomes,
        ),
      ),
    );
  retention
    .command('preset <name>')
    .description('raise every enabled policy to a framework’s minimum (mlps3, pci-dss-4, soc2, iso27001)')
    .addOption(apiOption())
    .addOption(configOption())
    .action((name: string, options: { config?: string; api?: string }) =>
      run(
        either(
          options,
          async (api) =>
            (
              await api.call<{ changed: (RetentionPolicy | null)[] }>(
                'POST',
                `/retention-policies/presets/${encodeURIComponent(name)}`,
              )
            ).changed.flatMap((policy) => (policy ? [policy] : [])),
          async (session) => {
            const planned = await session.runtime.policies
              .planPreset(name, session.actor.id)
              .catch(policyError);
            return changePolicies(session, planned, `auditlens retention preset ${name}`);
          },
          (outcomes) => {
            printOutcomes(outcomes);
            process.stdout.write(`${outcomes.length} policies raised to ${name}\n`);
          },
        ),
      ),
    );
  retention
    .command('reapply')
    .description('set retention_days/online_days of stored rows from the current policies (a mutation)')
    .option('--wait', 'wait until ClickHouse has rewritten the rows')
    .addOption(apiOption())
    .addOption(configOption())
    .action((options: { wait?: boolean; config?: string; api?: string }) =>
      run(
        either(
          options,
          async (api) =>
            (
              await api.call<{ tables: ReapplyResult[] }>('POST', '/retention/reapply', {
                wait: options.wait ?? false,
              })
            ).tables,
          (session) =>
            session.runtime.reapply(
              session.actor,
              cliRequest('auditlens retention reapply'),
              options.wait ?? false,
            ),
          (tables) => {
            for (const t of tables)
              process.stdout.write(`${t.table}: ${t.rows} rows re-timed (${t.policies} policies)\n`);
          },
        ),
      ),
    );
  retention
    .command('archive')
    .description('embedded mode: move rows past their online days to the archive tables now')
    .addOption(apiOption())
    .addOption(configOption())
    .action((options: { config?: string; api?: string }) =>
      run(
        either(
          options,
          async (api) => (await api.call<{ moved: ArchiveResult[] }>('POST', '/retention/archive')).moved,
          async (session) => {
            if (session.store.mode !== 'embedded') {
              throw new CliUsageError('server mode archives by TTL … TO VOLUME (AUDITLENS_ARCHIVE_VOLUME)');
            }
            return session.runtime.archive(session.actor, cliRequest('auditlens retention archive'));
          },
          (moved) =>
            process.stdout.write(
              moved.length === 0
                ? 'nothing to archive\n'
                : `${moved.map((m) => `${m.table}: ${m.moved}`).join('\n')}\n`,
            ),
        ),
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
