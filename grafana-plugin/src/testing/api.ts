import { http, HttpResponse, type JsonBodyType } from 'msw';

import { PROXY_BASE } from '../constants';

/** URL pattern of an exporter API path behind the plugin proxy's read route. */
export const readUrl = (path: string) => `*/${PROXY_BASE}/exporter/api/v1${path}`;
/** URL pattern of an exporter API path behind a mutation route. */
export const mutateUrl = (path: string) => `*/${PROXY_BASE}/mutate${path}`;

export const ok = (body: JsonBodyType) => () => HttpResponse.json(body);
export const fail = (status: number, error: string) => () => HttpResponse.json({ error }, { status });
/** Never answers (to observe loading states). */
export const pending = () => () => new Promise<never>(() => undefined);
/** The exporter's answer for an endpoint it does not have. */
export const notAvailable = fail(404, 'no such API endpoint');

export { http, HttpResponse };
