import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { z } from 'zod';

import {
  contactPointsSchema,
  desiredGrafanaRulesSchema,
  dryRunSchema,
  provisionedRuleSchema,
  ruleListSchema,
  ruleViewSchema,
  type DesiredGrafanaRules,
  type ProvisionedRule,
} from '../../api/alertSchemas';
import { ApiError, apiGet, apiRequest, rawRequest } from '../../api/client';
import { queryKeys } from '../../api/queryKeys';

/** GET /api/v1/alert-rules: the rules visible for the tenant, each with its firing count. */
export function useAlertRules(tenant: string) {
  return useQuery({
    queryKey: queryKeys.alertRules(tenant),
    queryFn: () => apiGet('/alert-rules', ruleListSchema, { tenant }).then((list) => list.rules),
    enabled: Boolean(tenant),
  });
}

/** After a rule changed: the rules, their Grafana sync state and what fires are fetched again. */
export function useRulesChanged(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.resource('alert-rules') }),
      queryClient.invalidateQueries({ queryKey: queryKeys.resource('alerts') }),
    ]);
  }, [queryClient]);
}

const id = (ruleId: string) => `/alert-rules/${encodeURIComponent(ruleId)}`;

export const createRule = (rule: Record<string, unknown>) =>
  apiRequest('/alert-rules', ruleViewSchema, { method: 'POST', body: rule });

export const updateRule = (rule: Record<string, unknown> & { id: string }) =>
  apiRequest(id(rule.id), ruleViewSchema, { method: 'PUT', body: rule });

export const setRuleEnabled = (ruleId: string, enabled: boolean) =>
  apiRequest(`${id(ruleId)}/${enabled ? 'enable' : 'disable'}`, ruleViewSchema, { method: 'POST' });

export const deleteRule = (ruleId: string) =>
  apiRequest(id(ruleId), z.looseObject({ deleted: z.string() }), { method: 'DELETE' });

/** Dry run of a draft rule over the last `hours` of stored records (POST /api/v1/alert-rules/test). */
export const testRule = (tenant: string, rule: Record<string, unknown>, hours: number) =>
  apiRequest('/alert-rules/test', dryRunSchema, {
    method: 'POST',
    params: { tenant },
    body: { rule, hours },
  });

/** Grafana's own contact points (the user's session; needs alerting read permission in Grafana). */
export function useContactPoints() {
  return useQuery({
    queryKey: queryKeys.contactPoints(),
    queryFn: async () => {
      const data = await rawRequest('api/v1/provisioning/contact-points');
      const parsed = contactPointsSchema.safeParse(data);
      if (!parsed.success)
        throw new ApiError(200, 'unexpected answer from Grafana contact points', { unexpected: true });
      return [...new Set(parsed.data.map((c) => c.name))].sort();
    },
  });
}

export type SyncState = 'in sync' | 'missing' | 'differs' | 'unknown';

export interface GrafanaSync {
  desired: DesiredGrafanaRules;
  /** Grafana rule state per AuditLens rule id. */
  states: Map<string, { state: SyncState; uid: string }>;
  /** Why Grafana's rules could not be read (then every state is unknown). */
  grafanaError?: unknown;
}

const sqlOf = (rule: ProvisionedRule) =>
  JSON.stringify(
    (rule.data ?? []).map((d) => (d.model as Record<string, unknown> | undefined)?.rawSql ?? ''),
  );

export function compareRule(desired: ProvisionedRule, actual: ProvisionedRule | undefined): SyncState {
  if (!actual) return 'missing';
  const same =
    actual.title === desired.title &&
    Boolean(actual.isPaused) === Boolean(desired.isPaused) &&
    (actual.notification_settings?.receiver ?? '') === (desired.notification_settings?.receiver ?? '') &&
    actual.folderUID === desired.folderUID &&
    sqlOf(actual) === sqlOf(desired);
  return same ? 'in sync' : 'differs';
}

/**
 * The Grafana-managed rule of each AuditLens rule (DESIGN §7): what the exporter wants
 * (GET /api/v1/grafana/alert-rules) against what Grafana has (its provisioning API).
 */
export function useGrafanaSync(tenant: string, datasourceUid: string) {
  return useQuery({
    queryKey: queryKeys.grafanaSync(tenant, datasourceUid),
    queryFn: () => grafanaSync(tenant, datasourceUid),
    enabled: Boolean(tenant),
  });
}

async function grafanaSync(tenant: string, datasourceUid: string): Promise<GrafanaSync> {
  // all=true: every rule gets its Grafana rule; one without a contact point is routed by
  // Grafana's notification policies.
  const desired = await apiGet('/grafana/alert-rules', desiredGrafanaRulesSchema, {
    tenant,
    datasourceUid,
    all: 'true',
  });
  let actual: ProvisionedRule[] = [];
  let grafanaError: unknown;
  try {
    const parsed = z
      .array(provisionedRuleSchema)
      .safeParse(await rawRequest('api/v1/provisioning/alert-rules'));
    if (!parsed.success)
      throw new ApiError(200, 'unexpected answer from Grafana alert rules', { unexpected: true });
    actual = parsed.data;
  } catch (error) {
    grafanaError = error;
  }
  const byUid = new Map(actual.map((r) => [r.uid, r]));
  const states = new Map<string, { state: SyncState; uid: string }>();
  for (const rule of desired.rules) {
    const ruleId = rule.labels?.auditlens_rule_id ?? rule.uid;
    states.set(ruleId, {
      uid: rule.uid,
      state: grafanaError ? 'unknown' : compareRule(rule, byUid.get(rule.uid)),
    });
  }
  return { desired, states, grafanaError };
}

const recorded = z.looseObject({ recorded: z.boolean() });

/**
 * Creates or updates every desired Grafana rule (and its folder) with the user's Grafana session.
 * An admin change (DESIGN §5): the exporter records it first (POST /api/v1/grafana/changes) and
 * nothing is changed when it cannot; a change that then fails is recorded as failed.
 */
export async function applyGrafanaRules(sync: GrafanaSync): Promise<number> {
  const { desired } = sync;
  const pending = desired.rules.filter((rule) => {
    const state = sync.states.get(rule.labels?.auditlens_rule_id ?? rule.uid)?.state;
    return state !== 'in sync';
  });
  if (pending.length === 0) return 0;
  const change = {
    operation: 'GRAFANA_RULES_APPLY',
    folderUid: desired.folder.uid,
    rules: pending.map((r) => r.uid),
  };
  await apiRequest('/grafana/changes', recorded, { method: 'POST', body: change });
  try {
    await applyToGrafana(sync, pending);
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    await apiRequest('/grafana/changes', recorded, { method: 'POST', body: { ...change, failure } }).catch(
      () => undefined,
    );
    throw error;
  }
  return pending.length;
}

async function applyToGrafana(sync: GrafanaSync, rules: ProvisionedRule[]): Promise<void> {
  const { desired } = sync;
  const headers = desired.headers ?? { 'X-Disable-Provenance': 'true' };
  try {
    await rawRequest(`api/folders/${encodeURIComponent(desired.folder.uid)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    await rawRequest('api/folders', {
      method: 'POST',
      body: { uid: desired.folder.uid, title: desired.folder.title },
    });
  }
  for (const rule of rules) {
    const state = sync.states.get(rule.labels?.auditlens_rule_id ?? rule.uid)?.state;
    if (state === 'missing') {
      await rawRequest('api/v1/provisioning/alert-rules', { method: 'POST', body: rule, headers });
    } else {
      await rawRequest(`api/v1/provisioning/alert-rules/${encodeURIComponent(rule.uid)}`, {
        method: 'PUT',
        body: rule,
        headers,
      });
    }
  }
}
