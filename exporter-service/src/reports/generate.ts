import { createHash, randomUUID } from 'node:crypto';
import type { PeriodType, ReportFramework } from '@auditlens/contract/rest';
import { STATUTORY_RETENTION_DAYS, type ApiToken } from '../config.js';
import { auditStats, type AuditStats } from '../api/audit-queries.js';
import { formatTime } from '../mapping/fields.js';
import type { AuditStore } from '../store/store.js';
import type { VerifyResult } from '../integrity/verify-result.js';
import type { RetentionPolicies } from '../retention/policies.js';
import { findAnomalies, type Anomalies } from './anomalies.js';
import { runCheck } from './checks.js';
import { Evidence, type CheckResult, type Status } from './evidence.js';
import { FRAMEWORKS } from './frameworks.js';
import { offsetText, type Period } from './periods.js';

/** 2: retentionFloor, the §6.1.2 consistency anomalies, Chinese check texts (issue 17). */
export const REPORT_FORMAT_VERSION = 2;

export interface ControlResult {
  id: string;
  title: string;
  /** The clause's name in Chinese (MLPS), for zh-CN rendering. */
  titleZh?: string;
  requirement: string;
  status: Status;
  checks: string[];
  evidence: string[];
}

/** The stored report (audit_compliance_report.content): what the PDF and CSV render. */
export interface ReportContent {
  formatVersion: number;
  id: string;
  tenant: string;
  framework: { id: ReportFramework; name: string; nameZh?: string; version: string };
  period: { type: PeriodType; label: string; start: string; end: string; utcOffset: string };
  generatedAt: string;
  generatedBy: string;
  /** The legal retention floor in force and where it was set (statutory default or a setting); absent in format 1. */
  retentionFloor?: { days: number; statutoryMinimumDays: number; setBy: string; basis: string };
  /** gap when any control has a gap. */
  status: 'met' | 'gap';
  statusCounts: Record<Status, number>;
  /** The source's figures (000_… generate_daily_compliance_report), from auditStats. */
  summary: Omit<AuditStats, 'topActions'> & { byAction: AuditStats['topActions'] };
  controls: ControlResult[];
  checks: Record<string, CheckResult>;
  /** The source's data-quality checks (001_… §6.1.2 consistency, §6.2 anomalies). */
  anomalies: Anomalies;
  generationMs: number;
}

export interface ReportDeps {
  store: AuditStore;
  policies: RetentionPolicies;
  /** Where the retention floor (policies.floorDays) was set. */
  retentionFloorSetBy: string;
  apiTokens: ReadonlyMap<string, ApiToken>;
  archive: { mode: 'embedded' | 'server'; volume?: string | undefined; intervalMinutes: number };
  verify: (tenantId: string, fromMs: number, toMs: number) => Promise<VerifyResult>;
  now?: () => number;
}

export interface ReportRequest {
  tenantId: string;
  framework: ReportFramework;
  period: Period;
  generatedBy: string;
}

export interface GeneratedReport {
  content: ReportContent;
  /** The exact stored text; sha256 is over these bytes (UTF-8). */
  json: string;
  sha256: string;
}

function combine(statuses: Status[]): Status {
  if (statuses.length === 0 || statuses.every((s) => s === 'not_applicable')) return 'not_applicable';
  return statuses.includes('gap') ? 'gap' : 'met';
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Computes a report: the summary figures, every check the framework's controls need, the anomalies. */
export async function generateReport(deps: ReportDeps, request: ReportRequest): Promise<GeneratedReport> {
  const started = performance.now();
  const now = deps.now?.() ?? Date.now();
  const { tenantId, framework, period } = request;
  const def = FRAMEWORKS[framework];
  const evidence = new Evidence({
    store: deps.store,
    tenantId,
    fromMs: period.startMs,
    toMs: period.endMs,
    framework,
    policies: deps.policies,
    apiTokens: deps.apiTokens,
    archive: deps.archive,
    verify: () => deps.verify(tenantId, period.startMs, period.endMs),
    now,
  });
  const checkIds = [...new Set(def.controls.flatMap((c) => c.checks))];
  const [stats, anomalies, ...results] = await Promise.all([
    auditStats(deps.store, { tenantIds: [tenantId] }, period.startMs, period.endMs),
    findAnomalies(evidence),
    ...checkIds.map((id) => runCheck(evidence, id)),
  ]);
  const checks = Object.fromEntries(results.map((r) => [r.id, r]));
  const controls: ControlResult[] = def.controls.map((control) => {
    const own = control.checks.map((id) => checks[id]).filter((c): c is CheckResult => c !== undefined);
    return {
      id: control.id,
      title: control.title,
      ...(control.titleZh ? { titleZh: control.titleZh } : {}),
      requirement: control.requirement,
      status: combine(own.map((c) => c.status)),
      checks: control.checks,
      evidence: own.map((c) => `${c.title}: ${c.summary}`),
    };
  });
  const statusCounts: Record<Status, number> = { met: 0, gap: 0, not_applicable: 0 };
  for (const control of controls) statusCounts[control.status]++;
  const content: ReportContent = {
    formatVersion: REPORT_FORMAT_VERSION,
    id: randomUUID(),
    tenant: tenantId,
    framework: {
      id: def.id,
      name: def.name,
      ...(def.nameZh ? { nameZh: def.nameZh } : {}),
      version: def.version,
    },
    period: {
      type: period.type,
      label: period.label,
      start: iso(period.startMs),
      end: iso(period.endMs),
      utcOffset: offsetText(period.utcOffsetMinutes),
    },
    generatedAt: iso(now),
    generatedBy: request.generatedBy,
    retentionFloor: {
      days: deps.policies.floorDays,
      statutoryMinimumDays: STATUTORY_RETENTION_DAYS,
      setBy: deps.retentionFloorSetBy,
      basis: 'China Cybersecurity Law art. 23(3): network logs kept no less than six months',
    },
    status: statusCounts.gap > 0 ? 'gap' : 'met',
    statusCounts,
    summary: {
      total: stats.total,
      failed: stats.failed,
      highRisk: stats.highRisk,
      sensitive: stats.sensitive,
      uniqueUsers: stats.uniqueUsers,
      uniqueIps: stats.uniqueIps,
      errorRate: stats.errorRate,
      riskRate: stats.riskRate,
      byKind: stats.byKind,
      byResult: stats.byResult,
      byAction: stats.topActions,
      trend: stats.trend,
    },
    controls,
    checks,
    anomalies,
    generationMs: 0,
  };
  content.generationMs = Math.round(performance.now() - started);
  const json = JSON.stringify(content);
  return { content, json, sha256: sha256(json) };
}

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Stores a generated report in audit_compliance_report. */
export async function storeReport(store: AuditStore, report: GeneratedReport): Promise<void> {
  const { content } = report;
  await store.insertJsonLines(
    'audit_compliance_report',
    JSON.stringify({
      id: content.id,
      tenant_id: content.tenant,
      framework: content.framework.id,
      period_type: content.period.type,
      period_start: formatTime(Date.parse(content.period.start)),
      period_end: formatTime(Date.parse(content.period.end)),
      generated_at: formatTime(Date.parse(content.generatedAt)),
      generated_by: content.generatedBy,
      status: content.status,
      content: report.json,
      content_sha256: report.sha256,
    }),
    { deduplicationToken: `report:${content.id}` },
  );
}

/** A report in a listing (no content). */
export interface ReportListItem {
  id: string;
  tenant: string;
  framework: string;
  frameworkName: string;
  periodType: string;
  periodLabel: string;
  periodStart: string;
  periodEnd: string;
  generatedAt: string;
  generatedBy: string;
  status: string;
  sha256: string;
}

interface ReportRow {
  id: string;
  tenant_id: string;
  framework: string;
  framework_name: string;
  period_type: string;
  period_label: string;
  period_start: string;
  period_end: string;
  generated_at: string;
  generated_by: string;
  status: string;
  content_sha256: string;
}

const toIso = (text: string): string => new Date(Date.parse(`${text.replace(' ', 'T')}Z`)).toISOString();

function listItem(row: ReportRow): ReportListItem {
  return {
    id: row.id,
    tenant: row.tenant_id,
    framework: row.framework,
    frameworkName: row.framework_name,
    periodType: row.period_type,
    periodLabel: row.period_label,
    periodStart: toIso(row.period_start),
    periodEnd: toIso(row.period_end),
    generatedAt: toIso(row.generated_at),
    generatedBy: row.generated_by,
    status: row.status,
    sha256: row.content_sha256,
  };
}

// Unaliased: an alias named like a column would shadow it in WHERE and ORDER BY (UUIDs print as text).
const LIST_COLUMNS = `id, tenant_id, framework, JSONExtractString(content, 'framework', 'name') AS framework_name,
  period_type, JSONExtractString(content, 'period', 'label') AS period_label, period_start, period_end, generated_at,
  generated_by, status, content_sha256`;

export interface ReportFilter {
  tenantId: string;
  framework?: string | undefined;
  periodType?: string | undefined;
  limit: number;
  /** Keyset cursor: the (generated_at, id) of the last item served. */
  cursor?: string | undefined;
}

export function encodeReportCursor(item: ReportListItem): string {
  return Buffer.from(JSON.stringify([item.generatedAt, item.id])).toString('base64url');
}

export function decodeReportCursor(cursor: string): { at: string; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof at === 'string' &&
      typeof id === 'string' &&
      Number.isFinite(Date.parse(at)) &&
      /^[0-9a-f-]{36}$/.test(id)
    )
      return { at, id };
  } catch {
    // not a cursor
  }
  return undefined;
}

/** Reports of a tenant, newest first. */
export async function listReports(
  store: AuditStore,
  filter: ReportFilter,
): Promise<{ reports: ReportListItem[]; nextCursor: string | null }> {
  const conditions = ['tenant_id = {tenant:String}'];
  const params: Record<string, unknown> = { tenant: filter.tenantId, limit: filter.limit };
  if (filter.framework) {
    conditions.push('framework = {framework:String}');
    params.framework = filter.framework;
  }
  if (filter.periodType) {
    conditions.push('period_type = {periodType:String}');
    params.periodType = filter.periodType;
  }
  const cursor = filter.cursor ? decodeReportCursor(filter.cursor) : undefined;
  if (cursor) {
    conditions.push("(generated_at, id) < ({cursorAt:DateTime64(3, 'UTC')}, {cursorId:UUID})");
    params.cursorAt = formatTime(Date.parse(cursor.at));
    params.cursorId = cursor.id;
  }
  const rows = await store.query<ReportRow>(
    `SELECT ${LIST_COLUMNS} FROM ${store.database}.audit_compliance_report
     WHERE ${conditions.join(' AND ')} ORDER BY generated_at DESC, id DESC LIMIT {limit:UInt32}`,
    params,
  );
  const reports = rows.map(listItem);
  const last = reports.at(-1);
  return { reports, nextCursor: reports.length === filter.limit && last ? encodeReportCursor(last) : null };
}

export interface StoredReport extends ReportListItem {
  content: ReportContent;
  /** The stored text, whose SHA-256 is `sha256`. */
  json: string;
  /** sha256 recomputed over the stored content equals the stored digest. */
  sha256Verified: boolean;
}

export async function readReport(
  store: AuditStore,
  tenantId: string,
  id: string,
): Promise<StoredReport | undefined> {
  const [row] = await store.query<ReportRow & { content: string }>(
    `SELECT ${LIST_COLUMNS}, content FROM ${store.database}.audit_compliance_report
     WHERE tenant_id = {tenant:String} AND id = {id:UUID} LIMIT 1`,
    { tenant: tenantId, id },
  );
  if (!row) return undefined;
  return {
    ...listItem(row),
    content: JSON.parse(row.content) as ReportContent,
    json: row.content,
    sha256Verified: sha256(row.content) === row.content_sha256,
  };
}

/** True when a report for this tenant, framework and period already exists (the scheduler skips it). */
export async function reportExists(
  store: AuditStore,
  tenantId: string,
  framework: string,
  period: Period,
): Promise<boolean> {
  const [row] = await store.query<{ n: string }>(
    `SELECT count() AS n FROM ${store.database}.audit_compliance_report
     WHERE tenant_id = {tenant:String} AND framework = {framework:String} AND period_type = {type:String}
       AND period_start = {start:DateTime64(3, 'UTC')} AND period_end = {end:DateTime64(3, 'UTC')}`,
    {
      tenant: tenantId,
      framework,
      type: period.type,
      start: formatTime(period.startMs),
      end: formatTime(period.endMs),
    },
  );
  return Number(row?.n ?? 0) > 0;
}
