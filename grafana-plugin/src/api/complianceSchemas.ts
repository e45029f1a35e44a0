// The compliance API's answers (reports, retention, integrity), as the contract defines them
// (@auditlens/contract/rest).
export {
  createdReportSchema,
  PERIOD_TYPES as PERIODS,
  publicKeySchema,
  REPORT_FRAMEWORKS as FRAMEWORKS,
  reportContentSchema,
  reportListItemSchema,
  reportListSchema,
  retentionListSchema,
  retentionPolicySchema,
  retentionStatusSchema,
  storedReportSchema,
  storageGrowthSchema,
  verifyResultSchema,
  type ReportContent,
  type ReportListItem,
  type RetentionList,
  type RetentionPolicy,
  type RetentionStatus,
  type StorageGrowth,
  type VerifyResult,
} from '@auditlens/contract/rest';
