import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { z } from 'zod';

import { PROXY_BASE } from '../constants';
import { errorAnswerSchema, type DeniedReason } from './schemas';

/**
 * An answer from the exporter (or Grafana's proxy) that was not a success. `status` 0: no HTTP
 * answer at all; `reason`: why the exporter refused a call (its 401/403 answers name it);
 * `unexpected`: an answer in a shape this plugin does not know (api/problems.ts explains each).
 */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly details: { reason?: DeniedReason; unexpected?: boolean } = {},
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | undefined | null;

/**
 * Exporter paths that change something, and the plugin proxy route each goes through. Every such
 * route requires its own RBAC action (plugin.json `routes[].reqAction`); the read route only
 * accepts GET, so a reader cannot reach a mutation through it.
 */
const MUTATION_ROUTES = [
  'alert-rules',
  'grafana',
  'security-events',
  'reports',
  'retention-policies',
  'retention',
];

function proxyUrl(path: string, method: string): string {
  if (!path.startsWith('/')) throw new Error(`API path must start with "/": ${path}`);
  if (method === 'GET') return `${PROXY_BASE}/exporter/api/v1${path}`;
  const family = MUTATION_ROUTES.find((name) => path === `/${name}` || path.startsWith(`/${name}/`));
  if (!family) throw new Error(`no proxy route for ${method} ${path}`);
  return `${PROXY_BASE}/mutate${path}`;
}

function queryString(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Why the exporter refused the call, when `data` is its refusal (errorAnswerSchema). */
function reasonOf(data: unknown): DeniedReason | undefined {
  const answer = errorAnswerSchema.safeParse(data);
  return answer.success ? answer.data.reason : undefined;
}

function describe(status: number, data: unknown, statusText: string | undefined): string {
  if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    for (const key of ['error', 'message']) {
      if (typeof record[key] === 'string' && record[key]) return record[key] as string;
    }
  }
  if (typeof data === 'string' && data.trim()) return data.trim().slice(0, 300);
  if (status === 0) return 'the exporter could not be reached';
  return statusText || `HTTP ${status}`;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  params?: Record<string, QueryValue>;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends a raw request through Grafana's backend service (and so through the plugin proxy). */
export async function rawRequest(url: string, options: RequestOptions = {}): Promise<unknown> {
  const method = options.method ?? 'GET';
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<unknown>({
        url: `${url}${queryString(options.params ?? {})}`,
        method,
        data: options.body,
        headers: options.headers,
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return response.data;
  } catch (error) {
    if (isFetchError(error)) {
      throw new ApiError(error.status, describe(error.status, error.data, error.statusText), {
        reason: reasonOf(error.data),
      });
    }
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, error instanceof Error ? error.message : String(error));
  }
}

/** The exporter's readiness (outside /api/v1), through the read route. */
export const readinessUrl = (): string => `${PROXY_BASE}/exporter/readyz`;

/** Calls the exporter's REST API (paths under /api/v1) and validates the answer against a schema. */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const data = await rawRequest(proxyUrl(path, options.method ?? 'GET'), options);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      200,
      `unexpected answer from ${path}: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`,
      { unexpected: true },
    );
  }
  return parsed.data;
}

export const apiGet = <S extends z.ZodType>(
  path: string,
  schema: S,
  params: Record<string, QueryValue> = {},
) => apiRequest(path, schema, { params });
