import { z } from 'zod';
import { rangeQuerySchema, timeValue } from './common.js';

// Compliance: /api/v1/reports, /retention-policies, /retention/*, /integrity/*.

/** The frameworks reports are generated for, with the name the Grafana app shows. */
export const REPORT_FRAMEWORK_IDS = ['mlps3', 'pci-dss-4', 'soc2', 'iso27001'] as const;
export type ReportFramework = (typeof REPORT_FRAMEWORK_IDS)[number];
export const REPORT_FRAMEWORKS: readonly { id: ReportFramework; label: string }[] = [
  { id: 'mlps3', label: 'MLPS 2.0 level 3 (GB/T 22239-2019)' },
  { id: 'pci-dss-4', label: 'PCI DSS v4.0 req. 10' },
  { id: 'soc2', label: 'SOC 2 CC7' },
  { id: 'iso27001', label: 'ISO 27001:2022 A.8.15-17' },
];

export const PERIOD_TYPES = ['daily', 'weekly', 'monthly', 'quarterly', 'annual', 'custom'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

/** Languages of a PDF report (`?lang=`): zh-CN for MLPS auditors. */
export const REPORT_LANGUAGES = ['en', 'zh-CN'] as const;
export type ReportLanguage = (typeof REPORT_LANGUAGES)[number];

/** POST /api/v1/reports: generate and store a report. */
export const reportRequestSchema = z.strictObject({
  tenant: z.string(),
  framework: z.enum(REPORT_FRAMEWORK_IDS),
  period: z.enum(PERIOD_TYPES),
  at: timeValue.optional(),
  from: timeValue.optional(),
  to: timeValue.optional(),
});
export type ReportRequest = z.input<typeof reportRequestSchema>;

/** GET /api/v1/reports: the filters (query string). */
export const reportListQuerySchema = z.object({
  tenant: z.string().optional(),
  framework: z.enum(REPORT_FRAMEWORK_IDS).optional(),
  period: z.enum(PERIOD_TYPES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(256).optional(),
});

export const reportListItemSchema = z.looseObject({
  id: z.string(),
  tenant: z.string(),
  framework: z.string(),
  frameworkName: z.string().optional(),
  periodType: z.string(),
  periodLabel: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  generatedAt: z.string(),
  generatedBy: z.string(),
  status: z.string(),
  sha256: z.string(),
});
export type ReportListItem = z.infer<typeof reportListItemSchema>;

export const reportListSchema = z.looseObject({
  reports: z.array(reportListItemSchema),
  nextCursor: z.string().nullable(),
});

const controlSchema = z.looseObject({
  id: z.string(),
  title: z.string(),
  requirement: z.string().optional(),
  status: z.string(),
  checks: z.array(z.string()).optional(),
  evidence: z.array(z.string()).optional(),
});

export const reportContentSchema = z.looseObject({
  id: z.string(),
  tenant: z.string(),
  framework: z.looseObject({ id: z.string(), name: z.string(), version: z.string().optional() }),
  period: z.looseObject({ type: z.string(), label: z.string(), start: z.string(), end: z.string() }),
  generatedAt: z.string(),
  generatedBy: z.string(),
  status: z.string(),
  summary: z.looseObject({
    total: z.number(),
    failed: z.number(),
    highRisk: z.number(),
    uniqueUsers: z.number(),
    uniqueIps: z.number(),
    errorRate: z.number(),
    riskRate: z.number(),
  }),
  controls: z.array(controlSchema),
  anomalies: z.record(z.string(), z.unknown()).optional(),
});
export type ReportContent = z.infer<typeof reportContentSchema>;

/** The answer to POST /api/v1/reports. */
export const createdReportSchema = z.looseObject({
  id: z.string(),
  sha256: z.string(),
  content: reportContentSchema,
});
/** GET /reports/{id}: the stored report. */
export const storedReportSchema = z.looseObject({
  content: reportContentSchema,
  sha256: z.string().optional(),
});

export const retentionPolicySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  table: z.string(),
  module: z.string(),
  riskLevel: z.number().nullable(),
  retentionDays: z.number(),
  archiveDays: z.number().nullable(),
  autoArchive: z.boolean(),
  autoDelete: z.boolean(),
  complianceRequirement: z.string(),
  enabled: z.boolean(),
  updatedAt: z.string().optional(),
  updatedBy: z.string().optional(),
  /** What the policy means for rows: days kept in all, days online, days until TTL deletes them (null = no end). */
  effective: z
    .looseObject({
      totalDays: z.number().nullable(),
      onlineDays: z.number().nullable(),
      deleteDays: z.number().nullable().optional(),
    })
    .optional(),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/** GET /api/v1/retention-policies: the floor, the presets and every policy. */
export const retentionListSchema = z.looseObject({
  floorDays: z.number(),
  presets: z.array(
    z.looseObject({
      id: z.string(),
      title: z.string(),
      minTotalDays: z.number(),
      minOnlineDays: z.number(),
      basis: z.string(),
    }),
  ),
  policies: z.array(retentionPolicySchema),
});
export type RetentionList = z.infer<typeof retentionListSchema>;

const tier = z.looseObject({
  rows: z.number(),
  oldest: z.string().nullable(),
  newest: z.string().nullable(),
});
/** GET /api/v1/retention/status: rows online and archived per table. */
export const retentionStatusSchema = z.looseObject({
  tenant: z.string(),
  mode: z.string(),
  /** Server mode: the volume rows move to after their online days. */
  archiveVolume: z.string().nullable().optional(),
  /** Embedded mode: how often rows past their online days move to the archive tables (0 = never). */
  archiveIntervalMinutes: z.number().optional(),
  tables: z.array(
    z.looseObject({ table: z.string(), online: tier.extend({ dueForArchive: z.number() }), archive: tier }),
  ),
});
export type RetentionStatus = z.infer<typeof retentionStatusSchema>;

/** GET /api/v1/integrity/verify: the period (query string). */
export const verifyQuerySchema = rangeQuerySchema;

const problemSchema = z.looseObject({
  kind: z.string(),
  table: z.string(),
  writer: z.string().optional(),
  sequence: z.number().optional(),
  eventId: z.string().optional(),
  eventTime: z.string(),
  detail: z.string(),
});
/** GET /api/v1/integrity/verify: the verdict on a tenant's period. */
export const verifyResultSchema = z.looseObject({
  ok: z.boolean(),
  tenant: z.string(),
  from: z.string(),
  to: z.string(),
  checkpoints: z.number(),
  rows: z.number(),
  expiredRows: z.number(),
  unsealedRows: z.number(),
  chains: z.array(
    z.looseObject({
      table: z.string(),
      writer: z.string(),
      checkpoints: z.number(),
      rows: z.number(),
      lastChainDigest: z.string(),
    }),
  ),
  firstBroken: z
    .looseObject({
      table: z.string(),
      writer: z.string().nullable(),
      sequence: z.number().nullable(),
      firstEventTime: z.string(),
      lastEventTime: z.string(),
    })
    .nullable(),
  problemCount: z.number(),
  problems: z.array(problemSchema),
  durationMs: z.number(),
});
export type VerifyResult = z.infer<typeof verifyResultSchema>;

/** GET /api/v1/integrity/public-key: what auditors verify checkpoints with. */
export const publicKeySchema = z.looseObject({
  algorithm: z.string(),
  keyId: z.string(),
  writerId: z.string().optional(),
  publicKeyPem: z.string(),
  trustedKeyIds: z.array(z.string()).optional(),
});
