import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import {
  PERIOD_TYPES,
  REPORT_FRAMEWORK_IDS,
  REPORT_LANGUAGES,
  type PeriodType,
  type ReportFramework,
  type ReportLanguage,
  type ReportRequest,
} from '@auditlens/contract/rest';
import { loadConfig } from '../config.js';
import { CliUsageError, configOption, EXIT, failuresAreUsageErrors, parseCliTime } from '../cli/command.js';
import { cliPrincipal, openSession } from '../cli/session.js';
import { apiOption, exporterApi, type ExporterApi } from '../cli/target.js';
import type { GeneratedReport } from './generate.js';
import { renderCsv } from './csv.js';
import { resolvePeriod } from './periods.js';
import { controlTitle } from './locale.js';
import { renderPdf } from './pdf.js';

interface ReportOptions {
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
  api?: string;
}

async function runReport(options: ReportOptions): Promise<number> {
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
  const config = loadConfig(process.env, options.config);
  const tenantId = options.tenant === '@system' ? '' : options.tenant;
  const times = {
    at: parseCliTime(options.at, '--at'),
    from: parseCliTime(options.from, '--from'),
    to: parseCliTime(options.to, '--to'),
  };
  const api = exporterApi(config, options.api);
  const report = api
    ? await reportThroughApi(api, options, times)
    : await reportOnStore(options, tenantId, times, format);
  const { content, sha256 } = report;
  let output: Buffer | string | undefined;
  if (format === 'pdf')
    output = await renderPdf(content, sha256, { font: config.compliance.reportFont, lang });
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
      process.stdout.write(`  ${control.status.padEnd(14)} ${control.id}  ${controlTitle(control, lang)}\n`);
  }
  return options.failOnGap && content.status === 'gap' ? EXIT.gap : EXIT.ok;
}

type CliTimes = { at: number | undefined; from: number | undefined; to: number | undefined };

/** The running exporter generates and stores the report (and records the access). */
async function reportThroughApi(
  api: ExporterApi,
  options: ReportOptions,
  times: CliTimes,
): Promise<GeneratedReport> {
  const request: ReportRequest = {
    tenant: options.tenant,
    framework: options.framework as ReportFramework,
    period: options.period as PeriodType,
    ...(times.at === undefined ? {} : { at: times.at }),
    ...(times.from === undefined ? {} : { from: times.from }),
    ...(times.to === undefined ? {} : { to: times.to }),
  };
  const created = await api.call<GeneratedReport>('POST', '/reports', request);
  return { content: created.content, sha256: created.sha256, json: JSON.stringify(created.content) };
}

async function reportOnStore(
  options: ReportOptions,
  tenantId: string,
  times: CliTimes,
  format: string,
): Promise<GeneratedReport> {
  const session = await openSession(options.config, { migrate: true });
  try {
    let period;
    try {
      period = resolvePeriod(
        options.period as PeriodType,
        times,
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
    return report;
  } finally {
    await session.close();
  }
}

/** Adds `report` to the CLI. */
export function registerReportCommands(program: Command, start: (work: () => Promise<number>) => void): void {
  const run = failuresAreUsageErrors(start);
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
    .addOption(apiOption())
    .addOption(configOption())
    .action((options: Parameters<typeof runReport>[0]) => run(() => runReport(options)));
}
