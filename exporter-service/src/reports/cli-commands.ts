import { existsSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import type { AccessLog } from '../api/access-log.js';
import { cliPrincipal, openSession, type CliSession } from '../cli-session.js';
import {
  PERIOD_TYPES,
  REPORT_FRAMEWORK_IDS,
  REPORT_LANGUAGES,
  type PeriodType,
  type ReportFramework,
  type ReportLanguage,
} from '@auditlens/contract/rest';
import { ConfigError, loadConfig } from '../config.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { createStore } from '../store/index.js';
import { CanonicalSchema } from '../integrity/canonical.js';
import { defaultKeyPath, loadPublicKeys, loadSigningKey } from '../integrity/keys.js';
import { DEFAULT_CHUNK_ROWS, verifyIntegrity } from '../integrity/verify.js';
import type { VerifyResult } from '../integrity/verify-result.js';
import type { AdminRequest } from '../retention/admin-record.js';
import {
  policyInputSchema,
  RetentionPolicies,
  type PolicyChange,
  type PolicyInput,
} from '../retention/policies.js';
import { policyView } from '../retention/routes.js';
import { applyArchiveVolume } from '../retention/storage.js';
import { renderCsv } from './csv.js';
import { resolvePeriod } from './periods.js';
import { controlTitle } from './locale.js';
import { renderPdf } from './pdf.js';

/**
 * Exit codes: 0 done (verify: intact), 1 integrity broken, 2 usage or configuration error,
 * 3 report has gaps (report --fail-on-gap) or nothing to verify (verify: no rows, no checkpoints),
 * 4 could not verify (the store failed).
 */
export const EXIT = { ok: 0, broken: 1, usage: 2, gap: 3, noData: 3, failed: 4 } as const;

const VERIFY_EXIT_CODES = `
Exit codes:
  0  intact: every row of the period is covered by a valid signed checkpoint and unchanged
  1  broken: rows altered, missing or out of band, or checkpoints invalid, missing or forked
  2  usage or configuration error (a missing --tenant, a bad time, no key): nothing was verified
  3  no data: the tenant has no rows and no checkpoints in the period, so nothing was verified
  4  could not verify: the store failed while verifying
`;

/** Problems listed by the text output; the rest are counted with the way to get them. */
const LISTED_PROBLEMS = 20;

/** A usage problem the CLI reports with exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

function parseTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new CliUsageError(`${name}: an ISO-8601 time or epoch milliseconds expected`);
  return ms;
}

function progressBar(label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} rows | ETA {eta_formatted}`,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function printVerify(result: VerifyResult): void {
  const out = process.stdout;
  out.write(
    `tenant ${result.tenant || '(system)'}  ${result.from} – ${result.to}\n` +
      `${result.rows} rows, ${result.checkpoints} checkpoints, ${result.chains.length} chains verified in ` +
      `${result.durationMs} ms (${result.rowsPerSecond} rows/s, ${result.chunks} chunks); ` +
      `${result.expiredRows} expired, ${result.unsealedRows} not yet sealed\n`,
  );
  if (result.verdict === 'no_data') {
    out.write('NO DATA: no rows and no checkpoints in the period; nothing was verified\n');
    return;
  }
  if (result.verdict === 'intact') {
    out.write('INTACT: every row is covered by a valid signed checkpoint and unchanged\n');
    return;
  }
  out.write(`BROKEN: ${result.problemCount} problems\n`);
  const first = result.firstBroken;
  if (first) {
    out.write(
      `first broken batch: ${first.table}` +
        (first.sequence === null
          ? ' (rows outside any checkpoint)'
          : ` writer ${first.writer} checkpoint ${first.sequence}`) +
        ` ${first.firstEventTime}\n`,
    );
  }
  for (const p of result.problems.slice(0, LISTED_PROBLEMS)) {
    const where = p.sequence === undefined ? p.table : `${p.table} ${p.writer} #${p.sequence}`;
    out.write(`  ${p.kind} ${where}${p.eventId ? ` ${p.eventId}` : ''} ${p.eventTime}: ${p.detail}\n`);
  }
  const more = result.problemCount - Math.min(result.problems.length, LISTED_PROBLEMS);
  if (more > 0) {
    out.write(
      `  and ${more} more: --json lists the first ${result.problems.length} with every field` +
        (result.problemCount > result.problems.length ? '; narrow --from/--to to list the others' : '') +
        '\n',
    );
  }
}

async function runVerify(options: {
  tenant: string;
  from?: string;
  to?: string;
  publicKey?: string[];
  json?: boolean;
  chunkRows?: string;
  config?: string;
}): Promise<number> {
  const config = loadConfig(process.env, options.config);
  const fromMs = parseTime(options.from, '--from');
  const toMs = parseTime(options.to, '--to');
  const chunkRows = options.chunkRows === undefined ? undefined : Number(options.chunkRows);
  if (chunkRows !== undefined && !(Number.isInteger(chunkRows) && chunkRows > 0)) {
    throw new CliUsageError('--chunk-rows: a positive whole number expected');
  }
  const tenantId = options.tenant === '@system' ? '' : options.tenant;
  let trusted;
  if (options.publicKey && options.publicKey.length > 0) {
    trusted = loadPublicKeys(options.publicKey);
  } else {
    const keyPath = config.compliance.signingKeyFile ?? defaultKeyPath(config.dataDir);
    if (!existsSync(keyPath)) {
      throw new CliUsageError(
        `no signing key at ${keyPath}: pass the exporter's public key with --public-key <file>`,
      );
    }
    trusted = loadPublicKeys(config.compliance.trustedKeyFiles);
    const key = loadSigningKey(keyPath, { create: false });
    trusted.set(key.keyId, key.publicKey);
  }
  const store = await createStore(config);
  let result: VerifyResult;
  try {
    const schema = await CanonicalSchema.load(store, AUDIT_TABLES);
    const policies = new RetentionPolicies(store, config.compliance.retentionFloorDays);
    await policies.load();
    const bar = progressBar('verify');
    try {
      result = await verifyIntegrity(store, {
        tenantId,
        fromMs,
        toMs,
        schema,
        trustedKeys: trusted,
        floorDays: policies.floorDays,
        policyDeleteDays: (table) => policies.deleteDaysFor(table),
        chunkRows,
        onProgress: bar.update,
      });
    } finally {
      bar.stop();
    }
  } finally {
    await store.close();
  }
  await recordCliAccess(options.config, {
    tenantId,
    type: 'verify',
    resource: 'auditlens verify',
    filter: { from: options.from ?? null, to: options.to ?? null },
    rows: result.rows,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printVerify(result);
  return result.verdict === 'intact' ? EXIT.ok : result.verdict === 'broken' ? EXIT.broken : EXIT.noData;
}

/** Records the CLI's read of audit data; warns when it cannot (no signing key, read-only store). */
async function recordCliAccess(
  configFile: string | undefined,
  event: Parameters<AccessLog['record']>[1],
): Promise<void> {
  let session: CliSession | undefined;
  try {
    session = await openSession(configFile, { migrate: false });
    await session.accessLog.record(cliPrincipal(session.actor), event);
  } catch (error) {
    process.stderr.write(
      `auditlens: warning: this access was not recorded in audit_access_log (${(error as Error).message})\n`,
    );
  } finally {
    await session?.close();
  }
}

async function runReport(options: {
  tenant: string;
  framework: string;
  period: string;
  at?: string;
  from?: string;
  to?: string;
  out?: string;
  format?: string;
  failOnGap?: boolean;
  lang?: string;
  config?: string;
}): Promise<number> {
  if (!(REPORT_FRAMEWORK_IDS as readonly string[]).includes(options.framework)) {
    throw new CliUsageError(`--framework: one of ${REPORT_FRAMEWORK_IDS.join(', ')}`);
  }
  if (!(PERIOD_TYPES as readonly string[]).includes(options.period)) {
    throw new CliUsageError(`--period: one of ${PERIOD_TYPES.join(', ')}`);
  }
  const format = (options.format ?? (options.out ? extname(options.out).slice(1) : 'text')).toLowerCase();
  if (!['pdf', 'csv', 'json', 'text'].includes(format)) throw new CliUsageError('--format: pdf, csv or json');
  if (!(REPORT_LANGUAGES as readonly string[]).includes(options.lang ?? 'en')) {
    throw new CliUsageError(`--lang: one of ${REPORT_LANGUAGES.join(', ')}`);
  }
  const lang = (options.lang ?? 'en') as ReportLanguage;
  const session = await openSession(options.config, { migrate: true });
  try {
    const tenantId = options.tenant === '@system' ? '' : options.tenant;
    let period;
    try {
      period = resolvePeriod(
        options.period as PeriodType,
        {
          at: parseTime(options.at, '--at'),
          from: parseTime(options.from, '--from'),
          to: parseTime(options.to, '--to'),
        },
        session.config.compliance.reportUtcOffsetMinutes,
      );
    } catch (error) {
      throw new CliUsageError(`--${(error as Error).message}`);
    }
    const report = await session.runtime.generateReport({
      tenantId,
      framework: options.framework as ReportFramework,
      period,
      generatedBy: session.actor.id,
    });
    await session.accessLog.record(cliPrincipal(session.actor), {
      tenantId,
      type: format === 'pdf' || format === 'csv' ? 'export' : 'report',
      resource: 'auditlens report',
      filter: { framework: options.framework, period: options.period, label: period.label },
      rows: report.content.summary.total,
    });
    const { content, sha256 } = report;
    let output: Buffer | string | undefined;
    if (format === 'pdf')
      output = await renderPdf(content, sha256, { font: session.config.compliance.reportFont, lang });
    else if (format === 'csv') output = renderCsv(content, sha256);
    else if (format === 'json') output = `${report.json}\n`;
    if (output !== undefined && options.out) writeFileSync(options.out, output);
    else if (output !== undefined) process.stdout.write(output);
    const summary =
      `report ${content.id} ${content.framework.id} ${content.period.label} tenant ${tenantId || '(system)'}: ` +
      `${content.status.toUpperCase()} (met ${content.statusCounts.met}, gap ${content.statusCounts.gap}, ` +
      `n/a ${content.statusCounts.not_applicable}) in ${content.generationMs} ms; sha256 ${sha256}` +
      (options.out ? `; written to ${options.out}` : '');
    (output !== undefined && !options.out ? process.stderr : process.stdout).write(`${summary}\n`);
    if (format === 'text') {
      for (const control of content.controls)
        process.stdout.write(
          `  ${control.status.padEnd(14)} ${control.id}  ${controlTitle(control, lang)}\n`,
        );
    }
    return options.failOnGap && content.status === 'gap' ? EXIT.gap : EXIT.ok;
  } finally {
    await session.close();
  }
}

async function withSession(
  configFile: string | undefined,
  work: (session: CliSession) => Promise<void>,
): Promise<number> {
  const session = await openSession(configFile, { migrate: true });
  try {
    await work(session);
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/** How a CLI command asked for a change, for its audit.admin record. */
const cliRequest = (command: string): AdminRequest => ({ method: 'CLI', path: command });

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

/**
 * Adds verify, report, retention and integrity to the `auditlens` program. `run` receives each
 * command's work; failures that are not an integrity verdict exit 2 with a message.
 */
export function registerComplianceCommands(
  program: Command,
  start: (work: () => Promise<number>) => void,
): void {
  const run = (work: () => Promise<number>): void =>
    start(() =>
      work().catch((error: unknown) => {
        process.stderr.write(`auditlens: ${(error as Error).message}\n`);
        return EXIT.usage;
      }),
    );
  const configOption = (): Option =>
    new Option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)');

  program
    .command('verify')
    .description('verify a tenant’s audit rows against the signed checkpoints (exit codes below)')
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .option('--from <time>', 'start of the period (ISO-8601 or epoch ms); default: the earliest record')
    .option('--to <time>', 'end of the period; default: now')
    .option('--public-key <file...>', 'trust these public keys only (auditor mode; no signing key needed)')
    .option('--json', 'print the full result as JSON')
    .option(
      '--chunk-rows <n>',
      `rows verified at a time (memory: a few hundred bytes each); default ${DEFAULT_CHUNK_ROWS}`,
    )
    .addOption(configOption())
    .addHelpText('after', VERIFY_EXIT_CODES)
    .action((options: Parameters<typeof runVerify>[0]) =>
      start(() =>
        runVerify(options).catch((error: unknown) => {
          process.stderr.write(`auditlens: ${(error as Error).message}\n`);
          return error instanceof CliUsageError || error instanceof ConfigError ? EXIT.usage : EXIT.failed;
        }),
      ),
    );

  program
    .command('report')
    .description('generate a compliance report, store it, and optionally write it as PDF, CSV or JSON')
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .requiredOption('--framework <framework>', REPORT_FRAMEWORK_IDS.join(' | '))
    .requiredOption('--period <period>', PERIOD_TYPES.join(' | '))
    .option('--at <time>', 'a time inside the period (default: the last complete period)')
    .option('--from <time>', 'custom period start')
    .option('--to <time>', 'custom period end')
    .option('--out <file>', 'write the report here (format from the extension: .pdf, .csv, .json)')
    .option('--format <format>', 'pdf | csv | json (default: from --out, else a text summary)')
    .option(
      '--lang <lang>',
      `language of the PDF and the text summary: ${REPORT_LANGUAGES.join(' | ')}`,
      'en',
    )
    .option('--fail-on-gap', 'exit 3 when a control has a gap')
    .addOption(configOption())
    .action((options: Parameters<typeof runReport>[0]) => run(() => runReport(options)));

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

  program
    .command('integrity')
    .description('integrity key management')
    .command('public-key')
    .description('print (or write) the public key auditors verify checkpoints with')
    .option('--out <file>', 'write the PEM here')
    .addOption(configOption())
    .action((options: { out?: string; config?: string }) =>
      run(async () => {
        const config = loadConfig(process.env, options.config);
        const key = loadSigningKey(config.compliance.signingKeyFile ?? defaultKeyPath(config.dataDir), {
          create: false,
        });
        if (options.out) {
          writeFileSync(options.out, key.publicKeyPem);
          process.stdout.write(`key ${key.keyId} written to ${options.out}\n`);
        } else {
          process.stdout.write(`# Ed25519 key id ${key.keyId}\n${key.publicKeyPem}`);
        }
        return EXIT.ok;
      }),
    );
}
