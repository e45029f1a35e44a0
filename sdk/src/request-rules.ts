import type { AuditResult, RiskLevel } from './types.js';

/**
 * How a request is classified, after the source's Django audit middleware: its result from the
 * status code, its risk from configurable rules, its action from the method and path, and whether
 * it is audited at all (skip list).
 */

export interface RequestSummary {
  method: string;
  path: string;
  statusCode: number;
}

/** A rule returns a level when it applies to the request, else undefined. */
export type RiskRule = (request: RequestSummary) => RiskLevel | undefined;

/** Paths containing any keyword (case-insensitive) get `level`. */
export function riskForPathKeywords(keywords: readonly string[], level: RiskLevel): RiskRule {
  const pattern = new RegExp(keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  return (request) => (pattern.test(request.path) ? level : undefined);
}

export function riskForMethods(methods: readonly string[], level: RiskLevel): RiskRule {
  const set = new Set(methods.map((m) => m.toUpperCase()));
  return (request) => (set.has(request.method.toUpperCase()) ? level : undefined);
}

export function riskForStatusAtLeast(status: number, level: RiskLevel): RiskRule {
  return (request) => (request.statusCode >= status ? level : undefined);
}

/**
 * The source's rules: deletion/admin/superuser/permission paths are high (3); mutating methods
 * or error statuses are medium (2); everything else low (1).
 */
export const DEFAULT_RISK_RULES: readonly RiskRule[] = [
  riskForPathKeywords(['delete', 'admin', 'superuser', 'permission'], 3),
  riskForMethods(['POST', 'PUT', 'PATCH', 'DELETE'], 2),
  riskForStatusAtLeast(400, 2),
];

/** The highest level any rule gives, 1 (low) when none applies. */
export function assessRisk(rules: readonly RiskRule[], request: RequestSummary): RiskLevel {
  let level: RiskLevel = 1;
  for (const rule of rules) {
    const l = rule(request);
    if (l !== undefined && l > level) level = l;
  }
  return level;
}

/** 2xx success, 3xx partial, 401/403 denied, anything else failure. */
export function resultFromStatus(statusCode: number): AuditResult {
  if (statusCode >= 200 && statusCode < 300) return 'success';
  if (statusCode >= 300 && statusCode < 400) return 'partial';
  if (statusCode === 401 || statusCode === 403) return 'denied';
  return 'failure';
}

const PATH_ACTIONS: readonly [string, string][] = [
  ['login', 'login'],
  ['logout', 'logout'],
  ['upload', 'file_upload'],
  ['download', 'file_download'],
  ['export', 'export'],
  ['import', 'import'],
];
const METHOD_ACTIONS: Readonly<Record<string, string>> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

/** The action a request performs (the default `audit.operation` of request records). */
export function actionOf(method: string, path: string): string {
  const lower = path.toLowerCase();
  for (const [keyword, action] of PATH_ACTIONS) if (lower.includes(keyword)) return action;
  return METHOD_ACTIONS[method.toUpperCase()] ?? 'read';
}

/** A path prefix (`/static/`), an exact path or prefix of a sub-path (`/health`), or a pattern. */
export type SkipPattern = string | RegExp;

/** Health checks, metrics scrapes and static files are not audited (source: skip_paths). */
export const DEFAULT_SKIP: readonly SkipPattern[] = [
  '/health',
  '/healthz',
  '/readyz',
  '/livez',
  '/metrics',
  '/static/',
  '/media/',
  '/assets/',
  '/favicon.ico',
  /\.(?:css|js|mjs|map|png|jpe?g|gif|svg|ico|webp|woff2?|ttf|eot)$/i,
];

export function isSkipped(path: string, patterns: readonly SkipPattern[]): boolean {
  for (const pattern of patterns) {
    if (typeof pattern === 'string') {
      if (
        pattern.endsWith('/') ? path.startsWith(pattern) : path === pattern || path.startsWith(`${pattern}/`)
      ) {
        return true;
      }
    } else if (pattern.test(path)) {
      return true;
    }
  }
  return false;
}
