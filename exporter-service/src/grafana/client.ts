import type { AlertRule } from '../alerts/rule-model.js';
import { grafanaRulePayload, grafanaRuleUid, MANAGED_LABEL, type ProvisionedAlertRule } from './rules.js';
import type { GrafanaSettings } from './settings.js';

/**
 * A small client for the parts of Grafana's HTTP API that AuditLens delivery uses: folders, the
 * alerting provisioning API (/api/v1/provisioning/alert-rules, contact points) and, on Grafana 13
 * where the provisioning contact-point endpoints are deprecated, the receivers of the
 * notifications.alerting.grafana.app API. Only `fetch`: it runs in Node (CLI, exporter) and in
 * the Grafana app (same origin, the user's session; no token).
 */

export class GrafanaApiError extends Error {
  override name = 'GrafanaApiError';
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`Grafana ${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
  }
}

export interface GrafanaClientOptions {
  /** Grafana root URL ('' = same origin, in the browser). */
  url: string;
  /** Service-account token (sent as Bearer). */
  token?: string | undefined;
  /** Namespace of the app-platform APIs (org 1 = "default"). */
  namespace?: string;
  fetch?: typeof fetch;
}

export interface ContactPoint {
  name: string;
  /** Integration types of the contact point (email, slack, webhook…). */
  types: string[];
  uid?: string;
}

interface ProvisioningContactPoint {
  uid?: string;
  name?: string;
  type?: string;
}

interface ReceiverList {
  items?: {
    metadata?: { name?: string; uid?: string };
    spec?: { title?: string; integrations?: { type?: string }[] };
  }[];
}

export class GrafanaClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly namespace: string;

  constructor(private readonly options: GrafanaClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
    this.namespace = options.namespace ?? 'default';
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    allow: readonly number[] = [],
  ): Promise<{ status: number; data: T | undefined }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Rules stay editable in Grafana's UI (no provenance lock).
    if (method !== 'GET') headers['x-disable-provenance'] = 'true';
    const response = await this.fetchImpl(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok && !allow.includes(response.status)) {
      throw new GrafanaApiError(response.status, method, path, text);
    }
    let data: T | undefined;
    if (text.length > 0 && response.ok) {
      try {
        data = JSON.parse(text) as T;
      } catch {
        data = undefined;
      }
    }
    return { status: response.status, data };
  }

  /** Contact points by name; falls back to the receivers API when the provisioning endpoint is gone. */
  async listContactPoints(): Promise<ContactPoint[]> {
    try {
      const { data } = await this.request<ProvisioningContactPoint[]>(
        'GET',
        '/api/v1/provisioning/contact-points',
      );
      const byName = new Map<string, ContactPoint>();
      for (const point of data ?? []) {
        if (!point.name) continue;
        const entry = byName.get(point.name) ?? { name: point.name, types: [], uid: point.uid };
        if (point.type && !entry.types.includes(point.type)) entry.types.push(point.type);
        byName.set(point.name, entry);
      }
      return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      if (error instanceof GrafanaApiError && (error.status === 401 || error.status === 403)) throw error;
    }
    let lastError: unknown;
    for (const version of ['v1beta1', 'v0alpha1']) {
      try {
        const { data } = await this.request<ReceiverList>(
          'GET',
          `/apis/notifications.alerting.grafana.app/${version}/namespaces/${encodeURIComponent(this.namespace)}/receivers`,
        );
        return (data?.items ?? [])
          .flatMap((item) => {
            const name = item.spec?.title ?? item.metadata?.name;
            if (!name) return [];
            const types = [
              ...new Set((item.spec?.integrations ?? []).flatMap((i) => (i.type ? [i.type] : []))),
            ];
            return [{ name, types, uid: item.metadata?.uid ?? item.metadata?.name }];
          })
          .sort((a, b) => a.name.localeCompare(b.name));
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /** Creates the folder unless it exists. Returns true when it was created. */
  async ensureFolder(uid: string, title: string): Promise<boolean> {
    const { status } = await this.request('GET', `/api/folders/${encodeURIComponent(uid)}`, undefined, [404]);
    if (status !== 404) return false;
    await this.request('POST', '/api/folders', { uid, title });
    return true;
  }

  async listAlertRules(): Promise<ProvisionedAlertRule[]> {
    const { data } = await this.request<ProvisionedAlertRule[]>('GET', '/api/v1/provisioning/alert-rules');
    return data ?? [];
  }

  async createAlertRule(rule: ProvisionedAlertRule): Promise<void> {
    await this.request('POST', '/api/v1/provisioning/alert-rules', rule);
  }

  async updateAlertRule(rule: ProvisionedAlertRule): Promise<void> {
    await this.request('PUT', `/api/v1/provisioning/alert-rules/${encodeURIComponent(rule.uid)}`, rule);
  }

  async deleteAlertRule(uid: string): Promise<void> {
    await this.request(
      'DELETE',
      `/api/v1/provisioning/alert-rules/${encodeURIComponent(uid)}`,
      undefined,
      [404],
    );
  }
}

export interface SyncReport {
  folderCreated: boolean;
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
  /** AuditLens rules not delivered (no contact point, unless `all`). */
  skipped: string[];
  errors: { uid: string; message: string }[];
  dryRun: boolean;
}

/** The AuditLens rules that get a Grafana rule: those with a contact point (or all, with `all`). */
export function desiredGrafanaRules(
  rules: readonly AlertRule[],
  settings: GrafanaSettings,
  options: { all?: boolean } = {},
): { payloads: ProvisionedAlertRule[]; skipped: string[] } {
  const payloads: ProvisionedAlertRule[] = [];
  const skipped: string[] = [];
  for (const rule of rules) {
    if (rule.contactPoint || options.all) payloads.push(grafanaRulePayload(rule, settings));
    else skipped.push(rule.id);
  }
  return { payloads, skipped };
}

/** What decides whether a Grafana rule must be updated (fields Grafana may add are ignored). */
function comparable(rule: ProvisionedAlertRule): string {
  return JSON.stringify({
    title: rule.title,
    folderUID: rule.folderUID,
    ruleGroup: rule.ruleGroup,
    condition: rule.condition,
    data: rule.data.map((q) => ({
      refId: q.refId,
      datasourceUid: q.datasourceUid,
      relativeTimeRange: q.relativeTimeRange,
      model: q.model,
    })),
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    annotations: rule.annotations,
    labels: rule.labels,
    isPaused: rule.isPaused,
    receiver: rule.notification_settings?.receiver ?? null,
  });
}

/**
 * Makes Grafana's managed rules match the AuditLens rules: creates the folder, creates missing
 * rules, updates changed ones, deletes managed rules whose AuditLens rule is gone or lost its
 * contact point. Rules without the auditlens_managed label are never touched.
 */
export async function syncGrafanaRules(
  client: GrafanaClient,
  rules: readonly AlertRule[],
  settings: GrafanaSettings,
  options: { all?: boolean; dryRun?: boolean } = {},
): Promise<SyncReport> {
  const { payloads, skipped } = desiredGrafanaRules(rules, settings, options);
  const report: SyncReport = {
    folderCreated: false,
    created: [],
    updated: [],
    deleted: [],
    unchanged: [],
    skipped,
    errors: [],
    dryRun: options.dryRun ?? false,
  };
  if (!options.dryRun)
    report.folderCreated = await client.ensureFolder(settings.folderUid, settings.folderTitle);
  const existing = new Map((await client.listAlertRules()).map((r) => [r.uid, r]));
  const wanted = new Set(payloads.map((p) => p.uid));
  const attempt = async (uid: string, list: string[], action: () => Promise<void>): Promise<void> => {
    try {
      if (!options.dryRun) await action();
      list.push(uid);
    } catch (error) {
      report.errors.push({ uid, message: (error as Error).message });
    }
  };
  for (const payload of payloads) {
    const current = existing.get(payload.uid);
    if (!current) await attempt(payload.uid, report.created, () => client.createAlertRule(payload));
    else if (comparable(current) !== comparable(payload))
      await attempt(payload.uid, report.updated, () => client.updateAlertRule(payload));
    else report.unchanged.push(payload.uid);
  }
  for (const [uid, rule] of existing) {
    if (wanted.has(uid) || (rule.labels as Record<string, string> | undefined)?.[MANAGED_LABEL] !== 'true')
      continue;
    await attempt(uid, report.deleted, () => client.deleteAlertRule(uid));
  }
  return report;
}

export { grafanaRuleUid };
