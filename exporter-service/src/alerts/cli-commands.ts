import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ZodError } from 'zod';
import { loadConfig } from '../config.js';
import { GrafanaClient, syncGrafanaRules } from '../grafana/client.js';
import { provisioningYaml } from '../grafana/provisioning.js';
import { DEFAULT_GRAFANA_SETTINGS, grafanaSettingsFrom, type GrafanaSettings } from '../grafana/settings.js';
import { out } from '../cli/command.js';
import { openSession } from '../cli/session.js';
import { jsonOption, printJson, printTable } from '../cli/table.js';
import { apiOption, exporterApi, openCliStore } from '../cli/target.js';
import { BUILTIN_RULES } from './builtin.js';
import { parseRule } from './rule-model.js';
import { RuleStore, type StoredRule } from './rule-store.js';

/** The file `auditlens grafana provisioning` writes (and the repository commits). */
export const PROVISIONING_FILE = 'auditlens-alert-rules.yaml';

interface GrafanaOptions {
  url?: string;
  token?: string;
  datasourceUid?: string;
  folderUid?: string;
  config?: string;
}

/** Settings from the configuration (environment and --config file), command-line options winning. */
function settingsFrom(options: GrafanaOptions): GrafanaSettings {
  const config = loadConfig(
    {
      ...process.env,
      ...(options.url ? { AUDITLENS_GRAFANA_URL: options.url } : {}),
      ...(options.token ? { AUDITLENS_GRAFANA_TOKEN: options.token } : {}),
      ...(options.datasourceUid ? { AUDITLENS_GRAFANA_DATASOURCE_UID: options.datasourceUid } : {}),
      ...(options.folderUid ? { AUDITLENS_GRAFANA_FOLDER_UID: options.folderUid } : {}),
    },
    options.config,
  );
  return grafanaSettingsFrom(config);
}

function client(settings: GrafanaSettings): GrafanaClient {
  if (!settings.url) throw new Error('the Grafana URL is missing: --url or AUDITLENS_GRAFANA_URL');
  return new GrafanaClient({ url: settings.url, token: settings.token });
}

async function storedRules(
  configFile: string | undefined,
): Promise<{ rules: StoredRule[]; database: string }> {
  const config = loadConfig(process.env, configFile);
  const store = await openCliStore(config);
  try {
    return { rules: await new RuleStore(store).list(), database: store.database };
  } catch (error) {
    throw new Error(
      `could not read the alert rules from the store (${(error as Error).message}); run \`auditlens migrate\` first?`,
    );
  } finally {
    await store.close();
  }
}

type SyncOptions = GrafanaOptions & { all?: boolean; dryRun?: boolean; api?: string };

async function sync(options: SyncOptions): Promise<number> {
  const settings = settingsFrom(options);
  const flags = { all: options.all ?? false, dryRun: options.dryRun ?? false };
  const api = exporterApi(loadConfig(process.env, options.config), options.api);
  if (api && (options.url || options.token || options.datasourceUid || options.folderUid)) {
    throw new Error(
      'the running exporter syncs with its own Grafana settings (its AUDITLENS_GRAFANA_* variables): ' +
        'leave out --url, --token, --datasource-uid and --folder-uid',
    );
  }
  const syncRules = (rules: StoredRule[], database: string) =>
    syncGrafanaRules(
      client(settings),
      rules.map((r) => r.rule),
      { ...settings, database },
      flags,
    );
  let report: Awaited<ReturnType<typeof syncRules>>;
  if (api) {
    // The exporter audits the sync first (POST /api/v1/grafana/sync).
    report = await api.call<typeof report>('POST', '/grafana/sync', flags);
  } else if (flags.dryRun) {
    const { rules, database } = await storedRules(options.config);
    report = await syncRules(rules, database);
  } else {
    // A change to Grafana's alert rules: audited first (DESIGN §5), like POST /api/v1/grafana/sync.
    const session = await openSession(options.config, { migrate: false });
    try {
      const rules = await new RuleStore(session.store).list();
      const change = {
        operation: 'GRAFANA_RULE_SYNC',
        targetType: 'grafana',
        targetId: settings.folderUid,
        targetName: settings.url ?? '',
        details: flags,
        method: 'CLI',
        path: 'auditlens grafana sync',
      };
      report = await session.runtime.auditedChange([change], session.actor, () =>
        syncRules(rules, session.store.database),
      );
    } finally {
      await session.close();
    }
  }
  const prefix = report.dryRun ? 'would ' : '';
  if (report.folderCreated) out(`created folder ${settings.folderTitle} (${settings.folderUid})`);
  for (const [label, list] of [
    ['create', report.created],
    ['update', report.updated],
    ['delete', report.deleted],
  ] as const) {
    for (const uid of list) out(`${prefix}${label} ${uid}`);
  }
  out(
    `${report.created.length} created, ${report.updated.length} updated, ${report.deleted.length} deleted, ` +
      `${report.unchanged.length} unchanged, ${report.skipped.length} without a contact point${report.dryRun ? ' (dry run)' : ''}`,
  );
  for (const error of report.errors) process.stderr.write(`auditlens: ${error.uid}: ${error.message}\n`);
  return report.errors.length > 0 ? 1 : 0;
}

function provisioning(options: {
  out: string;
  datasourceUid?: string;
  contactPoint?: string;
  database?: string;
}): number {
  const settings: GrafanaSettings = {
    ...DEFAULT_GRAFANA_SETTINGS,
    datasourceUid: options.datasourceUid ?? DEFAULT_GRAFANA_SETTINGS.datasourceUid,
    database: options.database ?? DEFAULT_GRAFANA_SETTINGS.database,
  };
  mkdirSync(options.out, { recursive: true });
  const path = join(options.out, PROVISIONING_FILE);
  writeFileSync(
    path,
    provisioningYaml(BUILTIN_RULES, settings, {
      ...(options.contactPoint ? { receiver: options.contactPoint } : {}),
      header: [
        'Grafana-managed alert rules for the AuditLens built-in pack (file provisioning).',
        'Generated by `npx auditlens grafana provisioning --out provisioning/alerting`; do not edit by hand.',
        'Each rule queries the firing instances of one AuditLens rule from audit_alert_state;',
        'without notification_settings, Grafana notification policies route them (match on auditlens_rule_id).',
        '`$$` is a literal `$` (Grafana expands environment variables in provisioning files).',
      ].join('\n'),
    }),
  );
  out(`wrote ${path} (${BUILTIN_RULES.length} rules)`);
  return 0;
}

async function contactPoints(options: GrafanaOptions & { json?: boolean }): Promise<number> {
  const points = await client(settingsFrom(options)).listContactPoints();
  if (options.json) printJson(points);
  else
    printTable(
      ['NAME', 'TYPES'],
      points.map((point) => [point.name, point.types.join(',')]),
    );
  return 0;
}

/** Through the running exporter's API when there is one, else from the store. */
async function listRules(options: { config?: string; api?: string; json?: boolean }): Promise<number> {
  const api = exporterApi(loadConfig(process.env, options.config), options.api);
  const rules: ListedRule[] = api
    ? (await api.call<{ rules: ListedRule[] }>('GET', '/alert-rules?tenant=*')).rules
    : (await storedRules(options.config)).rules;
  if (options.json) {
    printJson(rules.map(({ rule, builtIn, modified }) => ({ rule, builtIn, modified: modified ?? false })));
    return 0;
  }
  printTable(
    ['ID', 'KIND', 'STATE', 'TENANT', 'ORIGIN'],
    rules.map(({ rule, builtIn, modified }) => [
      rule.id,
      rule.kind,
      rule.enabled ? 'enabled' : 'disabled',
      rule.tenant,
      builtIn ? (modified ? 'built-in (edited)' : 'built-in') : 'custom',
    ]),
  );
  return 0;
}

/** What a rule listing shows of a stored rule (the API's rule view has more). */
type ListedRule = Pick<StoredRule, 'rule' | 'builtIn'> & { modified?: boolean };

function validateRules(file: string): number {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  let failed = 0;
  documents.forEach((document, index) => {
    try {
      const rule = parseRule(document);
      out(`ok ${rule.id}`);
    } catch (error) {
      failed++;
      const problems =
        error instanceof ZodError
          ? error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`)
          : [(error as Error).message];
      process.stderr.write(`auditlens: rule ${index + 1}: ${problems.join('; ')}\n`);
    }
  });
  return failed > 0 ? 2 : 0;
}

/** Adds `grafana sync|provisioning|contact-points` and `rules list|validate` to the CLI. */
export function registerAlertingCommands(
  program: Command,
  schedule: (work: () => Promise<number>) => void,
): void {
  const grafana = program
    .command('grafana')
    .description('deliver AuditLens alert rules through Grafana-managed alert rules');
  grafana
    .command('sync')
    .description('create, update or delete the Grafana-managed rule of every alert rule with a contact point')
    .option('--url <url>', 'Grafana URL (default AUDITLENS_GRAFANA_URL)')
    .option('--token <token>', 'service-account token (default AUDITLENS_GRAFANA_TOKEN)')
    .option('--datasource-uid <uid>', 'ClickHouse data source uid (default auditlens-clickhouse)')
    .option('--folder-uid <uid>', 'folder uid (default auditlens)')
    .option('--all', 'also rules without a contact point (routed by notification policies)')
    .option('--dry-run', 'show what would change, change nothing')
    .addOption(apiOption())
    .option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)')
    .action((options: SyncOptions) => schedule(() => sync(options)));
  grafana
    .command('provisioning')
    .description('write Grafana provisioning files (alerting) for the built-in rule pack')
    .requiredOption('--out <dir>', 'directory to write auditlens-alert-rules.yaml to')
    .option('--datasource-uid <uid>', 'ClickHouse data source uid (default auditlens-clickhouse)')
    .option(
      '--contact-point <name>',
      'send every rule to this contact point (default: notification policies)',
    )
    .option('--database <name>', 'ClickHouse database of the audit tables (default audit)')
    .action((options: { out: string; datasourceUid?: string; contactPoint?: string; database?: string }) =>
      schedule(async () => provisioning(options)),
    );
  grafana
    .command('contact-points')
    .description("list Grafana's contact points")
    .option('--url <url>', 'Grafana URL (default AUDITLENS_GRAFANA_URL)')
    .option('--token <token>', 'service-account token (default AUDITLENS_GRAFANA_TOKEN)')
    .addOption(jsonOption())
    .action((options: GrafanaOptions & { json?: boolean }) => schedule(() => contactPoints(options)));

  const rules = program.command('rules').description('alert rules');
  rules
    .command('list')
    .description('list the alert rules (built-in pack and stored rules)')
    .addOption(jsonOption())
    .addOption(apiOption())
    .option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)')
    .action((options: { config?: string; api?: string; json?: boolean }) =>
      schedule(() => listRules(options)),
    );
  rules
    .command('validate')
    .description('validate a rule (or an array of rules) in a JSON file; exit 2 when any is invalid')
    .argument('<file>', 'JSON file')
    .action((file: string) => schedule(async () => validateRules(file)));
}
