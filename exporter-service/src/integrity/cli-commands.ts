import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, loadConfig, type ExporterConfig } from '../config.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { RetentionPolicies } from '../retention/policies.js';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, parseCliTime } from '../cli/command.js';
import { progressBar } from '../cli/progress.js';
import { recordCliAccess } from '../cli/session.js';
import { apiOption, exporterApi, openCliStore, type ExporterApi } from '../cli/target.js';
import { CanonicalSchema } from './canonical.js';
import { defaultKeyPath, loadPublicKeys, loadSigningKey } from './keys.js';
import { DEFAULT_CHUNK_ROWS, verifyIntegrity } from './verify.js';
import type { VerifyResult } from './verify-result.js';

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
  api?: string;
}): Promise<number> {
  const config = loadConfig(process.env, options.config);
  const fromMs = parseCliTime(options.from, '--from');
  const toMs = parseCliTime(options.to, '--to');
  const chunkRows = options.chunkRows === undefined ? undefined : Number(options.chunkRows);
  if (chunkRows !== undefined && !(Number.isInteger(chunkRows) && chunkRows > 0)) {
    throw new CliUsageError('--chunk-rows: a positive whole number expected');
  }
  const tenantId = options.tenant === '@system' ? '' : options.tenant;
  const api = options.publicKey?.length ? undefined : exporterApi(config, options.api);
  const result = api
    ? await verifyThroughApi(api, options.tenant, fromMs, toMs)
    : await verifyOnStore(config, options, tenantId, { fromMs, toMs, chunkRows });
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else printVerify(result);
  return result.verdict === 'intact' ? EXIT.ok : result.verdict === 'broken' ? EXIT.broken : EXIT.noData;
}

/** The running exporter verifies with the keys it trusts (and records the access itself). */
function verifyThroughApi(
  api: ExporterApi,
  tenant: string,
  fromMs: number | undefined,
  toMs: number | undefined,
): Promise<VerifyResult> {
  const query = new URLSearchParams({ tenant });
  if (fromMs !== undefined) query.set('from', String(fromMs));
  if (toMs !== undefined) query.set('to', String(toMs));
  return api.call<VerifyResult>('GET', `/integrity/verify?${query.toString()}`);
}

/** Verifies on the store itself: with the exporter's keys, or (auditor mode) the given public keys only. */
async function verifyOnStore(
  config: ExporterConfig,
  options: { from?: string; to?: string; publicKey?: string[]; config?: string },
  tenantId: string,
  range: { fromMs: number | undefined; toMs: number | undefined; chunkRows: number | undefined },
): Promise<VerifyResult> {
  const { fromMs, toMs, chunkRows } = range;
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
  const store = await openCliStore(config);
  let result: VerifyResult;
  try {
    const schema = await CanonicalSchema.load(store, AUDIT_TABLES);
    const policies = new RetentionPolicies(store, config.compliance.retentionFloorDays);
    await policies.load();
    const bar = progressBar('verify', 'rows');
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
  return result;
}

/** Adds `verify` and `integrity public-key` to the CLI. */
export function registerIntegrityCommands(
  program: Command,
  start: (work: () => Promise<number>) => void,
): void {
  const run = failuresAreUsageErrors(start);
  program
    .command('verify')
    .description('verify a tenant’s audit rows against the signed checkpoints (exit codes below)')
    .requiredOption('--tenant <tenant>', 'tenant id (@system for system-level records)')
    .option('--from <time>', 'start of the period (ISO-8601 or epoch ms); default: the earliest record')
    .option('--to <time>', 'end of the period; default: now')
    .option(
      '--public-key <file...>',
      'trust these public keys only (auditor mode: reads the store itself, never the API; no signing key needed)',
    )
    .option('--json', 'print the full result as JSON')
    .option(
      '--chunk-rows <n>',
      `rows verified at a time (memory: a few hundred bytes each); default ${DEFAULT_CHUNK_ROWS}`,
    )
    .addOption(apiOption())
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
