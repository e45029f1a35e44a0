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
import { queryKeys } from '../../api/queryKeys';
import { PROXY_BASE } from '../../constants';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { z } from 'zod';

/** GET /api/v1/reports: the tenant's report history, newest first. */
export const useReports = (tenant: string) =>
  useQuery({
    queryKey: queryKeys.reports(tenant),
    queryFn: () => apiGet('/reports', reportListSchema, { tenant, limit: 100 }),
    enabled: Boolean(tenant),
  });

export const useReport = (tenant: string, id: string) =>
  useQuery({
    queryKey: queryKeys.report(tenant, id),
    queryFn: () => apiGet(`/reports/${encodeURIComponent(id)}`, storedReportSchema, { tenant }),
  });

/** After a change: the answers of that resource are fetched again. */
export function useChanged(resource: 'reports' | 'retention'): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(
    () => queryClient.invalidateQueries({ queryKey: queryKeys.resource(resource) }),
    [queryClient, resource],
  );
}

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

export const useRetentionPolicies = () =>
  useQuery({
    queryKey: queryKeys.retentionPolicies(),
    queryFn: () => apiGet('/retention-policies', retentionListSchema),
  });

export const useRetentionStatus = (tenant: string) =>
  useQuery({
    queryKey: queryKeys.retentionStatus(tenant),
    queryFn: () => apiGet('/retention/status', retentionStatusSchema, { tenant }),
    enabled: Boolean(tenant),
  });

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

export const usePublicKey = () =>
  useQuery({
    queryKey: queryKeys.publicKey(),
    queryFn: () => apiGet('/integrity/public-key', publicKeySchema),
  });
