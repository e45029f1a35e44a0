import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuditIdentity, RiskLevel } from './types.js';

/**
 * Per-request (or per-job) state shared by every record emitted in one async context: who acts,
 * and what the request handler said about the operation. Set once by the middleware or `runAs`;
 * records read it instead of taking identity parameters on every call.
 */
export interface AuditScope {
  identity: AuditIdentity;
  /** Resolves the identity lazily (e.g. once an auth middleware has set `req.user`). */
  resolveIdentity?: () => AuditIdentity | undefined;
  /** What the handler declared about the request it is serving (see `annotateRequest`). */
  annotations?: RequestAnnotations;
  /** Request facts for records that carry the request (admin operations), computed on demand. */
  requestFacts?: () => RequestFacts;
  /** Error seen while serving the request (from the error-capturing middleware). */
  error?: unknown;
}

/** What a handler can declare about the request it serves; overrides the middleware's rules. */
export interface RequestAnnotations {
  module?: string;
  operation?: string;
  riskLevel?: RiskLevel;
  sensitive?: boolean;
  complianceTags?: string[];
  description?: string;
}

/** Request attributes copied into admin records emitted while serving that request. */
export interface RequestFacts {
  method: string;
  path: string;
  query?: string;
  route?: string;
  params?: string;
  headers?: string;
  body?: string;
}

const storage = new AsyncLocalStorage<AuditScope>();

export function currentScope(): AuditScope | undefined {
  return storage.getStore();
}

export function runInScope<T>(scope: AuditScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * The identity of the current context: explicit fields first, then the lazy resolver (whose
 * answer is kept once it names a user, so it runs at most until the user is known).
 */
export function currentIdentity(
  scope: AuditScope | undefined = storage.getStore(),
): AuditIdentity | undefined {
  if (!scope) return undefined;
  if (scope.identity.userId === undefined && scope.resolveIdentity) {
    const resolved = scope.resolveIdentity();
    if (resolved) {
      scope.identity = { ...resolved, ...definedOnly(scope.identity) };
      if (resolved.userId !== undefined) scope.resolveIdentity = undefined;
    }
  }
  return scope.identity;
}

/**
 * Runs `fn` with `identity` as the acting user, tenant and session of every record it emits:
 * background jobs, queue consumers, system initialisation (`tenantId: ''`).
 */
export function runAs<T>(identity: AuditIdentity, fn: () => T): T {
  const parent = storage.getStore();
  return storage.run({ identity: { ...(parent ? currentIdentity(parent) : {}), ...identity } }, fn);
}

/**
 * Updates the identity of the current request or job, e.g. right after a successful login, so
 * the request record and every later record of the request name the user.
 */
export function setAuditIdentity(identity: AuditIdentity): void {
  const scope = storage.getStore();
  if (scope) scope.identity = { ...scope.identity, ...definedOnly(identity) };
}

/** Declares module, operation, risk, sensitivity or tags of the request being served. */
export function annotateRequest(annotations: RequestAnnotations): void {
  const scope = storage.getStore();
  if (scope) scope.annotations = { ...scope.annotations, ...definedOnly(annotations) };
}

/** Remembers the error the request failed with; the request record reports its type and message. */
export function recordRequestError(error: unknown): void {
  const scope = storage.getStore();
  if (scope) scope.error = error;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
