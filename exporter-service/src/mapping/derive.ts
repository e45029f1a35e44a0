import type { AttributeValue } from '../otlp/values.js';

/**
 * Result of an operation that did not state one (DESIGN §3): from the HTTP status when there is
 * one (2xx success, 3xx partial, 401/403 denied, else failure), else failure when an error type
 * is set, else success.
 */
export function deriveResult(attributes: ReadonlyMap<string, AttributeValue>): string {
  const status = Number(attributes.get('http.response.status_code') ?? attributes.get('http.status_code'));
  if (Number.isInteger(status) && status > 0) {
    if (status < 300) return 'success';
    if (status < 400) return 'partial';
    if (status === 401 || status === 403) return 'denied';
    return 'failure';
  }
  const errorType = attributes.get('error.type');
  return errorType !== undefined && errorType !== null && errorType !== '' ? 'failure' : 'success';
}

const HIGH_RISK_PATH = /delete|admin|superuser|permission/i;
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Risk of an HTTP request that did not state one, by the source's middleware rules: paths about
 * deletion, administration or permissions are high (3); mutating methods and error statuses are
 * medium (2); everything else is low (1).
 */
export function deriveRequestRisk(method: string, path: string, status: number): number {
  if (HIGH_RISK_PATH.test(path)) return 3;
  if (MUTATING_METHODS.has(method.toUpperCase()) || status >= 400) return 2;
  return 1;
}
