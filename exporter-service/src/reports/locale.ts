import type { ReportLanguage } from '@auditlens/contract/rest';
import type { CheckResult, Status } from './evidence.js';
import type { ControlResult, ReportContent } from './generate.js';

// The languages a report renders in (REPORT_LANGUAGES): the stored report carries its texts in
// English and, for every check and the MLPS clauses, in Chinese: MLPS 2.0 auditors read Chinese.

/** The fixed words of a rendered report. */
export interface ReportLabels {
  title: string;
  tenant: string;
  systemRecords: string;
  period: string;
  fromTo: string;
  generated: string;
  by: string;
  reportId: string;
  sha256: string;
  retentionFloor: string;
  floor: (days: number, statutory: number, setBy: string) => string;
  overall: Record<'met' | 'gap', string>;
  status: Record<Status, string>;
  counts: (met: number, gap: number, notApplicable: number) => string;
  summary: string;
  figures: {
    total: string;
    failed: string;
    highRisk: string;
    sensitive: string;
    uniqueUsers: string;
    uniqueIps: string;
    errorRate: string;
    riskRate: string;
  };
  series: { events: string; failed: string; highRisk: string };
  recordsOverPeriod: string;
  byResult: string;
  topActions: string;
  byKind: string;
  none: string;
  noRecordsInPeriod: string;
  noRecords: string;
  noActions: string;
  controls: string;
  anomalies: string;
  integrity: string;
  firstBroken: string;
  customPeriod: string;
  page: (page: number, pages: number) => string;
}

export const LABELS: Record<ReportLanguage, ReportLabels> = {
  en: {
    title: 'Compliance report',
    tenant: 'Tenant',
    systemRecords: '(system-level records)',
    period: 'Period',
    fromTo: 'From / to',
    generated: 'Generated',
    by: 'by',
    reportId: 'Report id',
    sha256: 'Content SHA-256',
    retentionFloor: 'Retention floor',
    floor: (days, statutory, setBy) => `${days} days (statutory minimum ${statutory}; set by ${setBy})`,
    overall: { met: 'ALL CONTROLS MET', gap: 'GAPS FOUND' },
    status: { met: 'MET', gap: 'GAP', not_applicable: 'NOT APPLICABLE' },
    counts: (met, gap, na) => `met ${met} · gap ${gap} · not applicable ${na}`,
    summary: 'Summary',
    figures: {
      total: 'Total records',
      failed: 'Failed',
      highRisk: 'High-risk',
      sensitive: 'Sensitive',
      uniqueUsers: 'Unique users',
      uniqueIps: 'Unique IPs',
      errorRate: 'Error rate',
      riskRate: 'Risk rate',
    },
    series: { events: 'events', failed: 'failed', highRisk: 'high-risk' },
    recordsOverPeriod: 'Records over the period',
    byResult: 'By result',
    topActions: 'Top actions',
    byKind: 'By kind',
    none: 'none',
    noRecordsInPeriod: 'no records in the period',
    noRecords: 'no records',
    noActions: 'no actions',
    controls: 'Controls',
    anomalies: 'Data quality: consistency and anomalies',
    integrity: 'Integrity verification',
    firstBroken: 'First broken batch',
    customPeriod: 'custom period',
    page: (page, pages) => `page ${page} of ${pages}`,
  },
  'zh-CN': {
    title: '合规报告',
    tenant: '租户',
    systemRecords: '（系统级记录）',
    period: '报告期',
    fromTo: '起止时间',
    generated: '生成时间',
    by: '生成者',
    reportId: '报告编号',
    sha256: '内容 SHA-256',
    retentionFloor: '留存下限',
    floor: (days, statutory, setBy) =>
      `${days} 天（法定最低 ${statutory} 天；设定来源：${setBy === 'statutory minimum (default)' ? '法定最低（默认）' : setBy}）`,
    overall: { met: '全部控制项符合', gap: '存在不符合项' },
    status: { met: '符合', gap: '不符合', not_applicable: '不适用' },
    counts: (met, gap, na) => `符合 ${met} · 不符合 ${gap} · 不适用 ${na}`,
    summary: '概要',
    figures: {
      total: '记录总数',
      failed: '失败',
      highRisk: '高风险',
      sensitive: '敏感',
      uniqueUsers: '独立用户',
      uniqueIps: '独立 IP',
      errorRate: '错误率',
      riskRate: '风险率',
    },
    series: { events: '事件', failed: '失败', highRisk: '高风险' },
    recordsOverPeriod: '报告期内的记录',
    byResult: '按结果',
    topActions: '主要操作',
    byKind: '按类型',
    none: '无',
    noRecordsInPeriod: '报告期内没有记录',
    noRecords: '没有记录',
    noActions: '没有操作',
    controls: '控制项',
    anomalies: '数据质量：一致性检查与异常',
    integrity: '完整性验证',
    firstBroken: '首个损坏的批次',
    customPeriod: '自定义期间',
    page: (page, pages) => `第 ${page} 页，共 ${pages} 页`,
  },
};

const zh = (lang: ReportLanguage): boolean => lang === 'zh-CN';

export function frameworkName(report: ReportContent, lang: ReportLanguage): string {
  return (zh(lang) ? report.framework.nameZh : undefined) ?? report.framework.name;
}

export function controlTitle(control: ControlResult, lang: ReportLanguage): string {
  return (zh(lang) ? control.titleZh : undefined) ?? control.title;
}

/** A requirement `中文 (English)`: in Chinese its Chinese part, in English the whole text. */
export function requirementText(requirement: string, lang: ReportLanguage): string {
  const chinese = /^(.*[\u4e00-\u9fff][^(]*?)\s*\([^()]*\)\s*$/.exec(requirement)?.[1];
  return zh(lang) && chinese ? chinese : requirement;
}

/** A check's title and finding in the language (English where the report has no Chinese). */
export function checkText(check: CheckResult, lang: ReportLanguage): { title: string; summary: string } {
  return (zh(lang) ? check.zh : undefined) ?? { title: check.title, summary: check.summary };
}
