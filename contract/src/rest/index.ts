/**
 * `@auditlens/contract/rest`: the exporter's REST API (/api/v1, for the Grafana app) as zod
 * schemas — what each call takes (`…QuerySchema`, `…RequestSchema`, parsed by the exporter) and
 * what it answers (parsed by the app; the exporter's answers are typed as `Answer<typeof schema>`).
 */
export * from './common.js';
export * from './audit.js';
export * from './alerts.js';
export * from './security-events.js';
export * from './compliance.js';
export * from './usage.js';
export * from './storage.js';
export * from './behaviour.js';
