import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { startExporter } from './exporter.js';
import { migrate, schemaStatements } from './schema/migrate.js';
import { LATEST_SCHEMA_VERSION } from './schema/migrations.js';
import { registerAlertingCommands } from './alerts/cli-commands.js';
import { CliUsageError } from './cli/command.js';
import { registerBehaviourCommands } from './behaviour/cli-commands.js';
import { progressBar } from './cli/progress.js';
import { apiOption, exporterApi, openCliStore } from './cli/target.js';
import { registerIntegrityCommands } from './integrity/cli-commands.js';
import { registerReportCommands } from './reports/cli-commands.js';
import { registerRetentionCommands } from './retention/cli-commands.js';
import { registerTenantCommands } from './tenants/cli-commands.js';
import { registerUsageCommands } from './usage/cli-commands.js';

/** Shutdown deadline: queued rows get this long to commit after SIGTERM/SIGINT. */
const SHUTDOWN_DEADLINE_MS = 30_000;

async function serve(options: { config?: string }): Promise<number> {
  const exporter = await startExporter(
    {},
    { ...process.env, ...(options.config ? { AUDITLENS_CONFIG: options.config } : {}) },
  );
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      exporter.logger.info({ signal }, 'shutting down: committing queued rows');
      const deadline = setTimeout(() => {
        exporter.logger.error('shutdown deadline passed with rows still queued; senders will retry them');
        resolve(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      exporter.close().then(
        () => resolve(0),
        (error: unknown) => {
          exporter.logger.error({ err: (error as Error).message }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

async function runMigrate(options: {
  print?: boolean;
  cluster?: string;
  config?: string;
  api?: string;
}): Promise<number> {
  const config = loadConfig(process.env, options.config);
  const cluster = options.cluster ?? config.clickhouse.cluster;
  if (options.print) {
    for (const step of schemaStatements({ database: config.clickhouse.database, cluster })) {
      process.stdout.write(
        typeof step === 'string'
          ? `${step};\n\n`
          : 'run' in step
            ? `-- ${step.describe}\n\n`
            : `-- seed rows for ${step.insertInto}\n\n`,
      );
    }
    return 0;
  }
  const api = exporterApi(config, options.api);
  if (api) {
    // A running exporter migrated its store at start (or refused to start without the schema).
    const ready = await api.ready();
    if (!ready.schemaCurrent)
      throw new Error(`the exporter at ${api.url} is not ready: ${JSON.stringify(ready)}`);
    process.stdout.write(`schema is current (version ${LATEST_SCHEMA_VERSION})\n`);
    return 0;
  }
  const store = await openCliStore(config);
  const bar = progressBar('migrate', 'statements');
  try {
    const report = await migrate(store, { cluster, onStep: bar.update });
    bar.stop();
    process.stdout.write(
      report.applied.length > 0
        ? `applied migrations ${report.applied.join(', ')}; schema version ${report.current}\n`
        : `schema is current (version ${report.current})\n`,
    );
    return 0;
  } finally {
    bar.stop();
    await store.close();
  }
}

/** `auditlens … | head`: a reader that closes the pipe ends the command quietly, not with an EPIPE trace. */
function endQuietlyOnClosedPipe(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

/** The `auditlens` command line. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  const program = new Command()
    .name('auditlens')
    .description('AuditLens exporter: OTLP in, ClickHouse audit tables out')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let action: Promise<number> = Promise.resolve(0);
  program
    .command('serve')
    .description(
      'run the OTLP receiver, REST API, health and metrics (configuration from AUDITLENS_* variables)',
    )
    .option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)')
    .action((options: { config?: string }) => {
      action = serve(options);
    });
  program
    .command('migrate')
    .description('create or upgrade the ClickHouse schema, then exit')
    .option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)')
    .option('--cluster <name>', 'generate replicated/distributed DDL for this ClickHouse cluster')
    .option('--print', 'print the DDL instead of running it')
    .addOption(apiOption())
    .action((options: { print?: boolean; cluster?: string; config?: string; api?: string }) => {
      action = runMigrate(options);
    });
  const start = (work: () => Promise<number>): void => {
    action = work();
  };
  registerAlertingCommands(program, start);
  registerBehaviourCommands(program, start);
  registerIntegrityCommands(program, start);
  registerReportCommands(program, start);
  registerRetentionCommands(program, start);
  registerTenantCommands(program, start);
  registerUsageCommands(program, start);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return await action;
  } catch (error) {
    // Help and version exit 0; every other command-line mistake is a usage error (2), never 1 (broken).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ConfigError || error instanceof CliUsageError) {
      process.stderr.write(`auditlens: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`auditlens: ${(error as Error).message}\n`);
    return 1;
  }
}
