import { apiGet, apiRequest, rawRequest } from '../../api/client';
import {
  createdReportSchema,
  publicKeySchema,
  reportListSchema,
  retentionListSchema,
  retentionPolicySchema,
  retentionStatusSchema,
  storedReportSchema,
  verifyResultSchema,
  type RetentionPolicy,
} from '../../api/complianceSchemas';
import { PROXY_BASE } from '../../constants';
import { useAsync } from '../../hooks/useAsync';
import { z } from 'zod';

/** GET /api/v1/reports: the tenant's report history, newest first. */
export const useReports = (tenant: string, key: string) =>
  useAsync(() => (tenant ? apiGet('/reports', reportListSchema, { tenant, limit: 100 }) : undefined), key);

export const useReport = (tenant: string, id: string) =>
  useAsync(
    () => apiGet(`/reports/${encodeURIComponent(id)}`, storedReportSchema, { tenant }),
    `${tenant}|${id}`,
  );

/** POST /api/v1/reports: generates a report for a framework and period. */
export const generateReport = (body: {
  tenant: string;
  framework: string;
  period: string;
  from?: number;
  to?: number;
}) => apiRequest('/reports', createdReportSchema, { method: 'POST', body });

/** A report file (PDF or CSV) through the read route, as the browser would download it; `zh-CN` renders the PDF in Chinese. */
export const reportFileUrl = (tenant: string, id: string, format: 'pdf' | 'csv', lang?: 'zh-CN') =>
  `${PROXY_BASE}/exporter/api/v1/reports/${encodeURIComponent(id)}.${format}?tenant=${encodeURIComponent(tenant)}` +
  (lang ? `&lang=${lang}` : '');

export const useRetentionPolicies = (key: string) =>
  useAsync(() => apiGet('/retention-policies', retentionListSchema), key);

export const useRetentionStatus = (tenant: string, key: string) =>
  useAsync(() => (tenant ? apiGet('/retention/status', retentionStatusSchema, { tenant }) : undefined), key);

export type PolicyInput = Pick<
  RetentionPolicy,
  | 'name'
  | 'table'
  | 'module'
  | 'riskLevel'
  | 'retentionDays'
  | 'archiveDays'
  | 'autoArchive'
  | 'autoDelete'
  | 'complianceRequirement'
  | 'enabled'
>;

export const savePolicy = (id: string | undefined, input: PolicyInput) =>
  apiRequest(
    id ? `/retention-policies/${encodeURIComponent(id)}` : '/retention-policies',
    retentionPolicySchema,
    {
      method: id ? 'PUT' : 'POST',
      body: input,
    },
  );

export const applyPreset = (preset: string) =>
  apiRequest(
    `/retention-policies/presets/${encodeURIComponent(preset)}`,
    z.looseObject({ preset: z.string() }),
    {
      method: 'POST',
    },
  );

export const reapplyRetention = () =>
  rawRequest(`${PROXY_BASE}/mutate/retention/reapply`, { method: 'POST', body: {} });

/** GET /api/v1/integrity/verify: checks the hash chains over the range. */
export const verifyIntegrity = (tenant: string, fromMs: number, toMs: number) =>
  apiGet('/integrity/verify', verifyResultSchema, { tenant, from: fromMs, to: toMs });

export const usePublicKey = (key: string) =>
  useAsync(() => apiGet('/integrity/public-key', publicKeySchema), key);
