import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { Observable } from 'rxjs';

/**
 * A minimal BackendSrv on top of the Fetch API, for environments without Grafana: the jest tests
 * (where msw answers) and the browser test's host page (where a small server plays Grafana's plugin
 * proxy in front of a real exporter). Errors have the FetchError shape Grafana's service produces.
 */
export function createFetchBackendSrv(baseUrl: string): BackendSrv {
  const run = <T>(options: BackendSrvRequest): Promise<FetchResponse<T>> => {
    const url = new URL(options.url.replace(/^\//, ''), baseUrl);
    for (const [key, value] of Object.entries(options.params ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const hasBody = options.data !== undefined && options.method && options.method !== 'GET';
    return fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: hasBody ? JSON.stringify(options.data) : undefined,
      signal: options.abortSignal,
    }).then(async (response) => {
      const text = await response.text();
      let data: unknown = text;
      try {
        data = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      if (!response.ok) {
        const error: FetchError = {
          status: response.status,
          statusText: response.statusText,
          data,
          config: options,
        };
        throw error;
      }
      return {
        data: data as T,
        status: response.status,
        statusText: response.statusText,
        ok: true,
        headers: response.headers,
        redirected: response.redirected,
        type: response.type,
        url: response.url,
        config: options,
      };
    });
  };
  const promise = <T>(options: BackendSrvRequest) => run<T>(options).then((r) => r.data);
  const srv = {
    fetch: <T>(options: BackendSrvRequest) =>
      new Observable<FetchResponse<T>>((subscriber) => {
        run<T>(options).then(
          (response) => {
            subscriber.next(response);
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      }),
    get: <T>(url: string, params?: Record<string, unknown>) => promise<T>({ url, params }),
    delete: <T>(url: string, data?: unknown) => promise<T>({ url, method: 'DELETE', data }),
    post: <T>(url: string, data?: unknown) => promise<T>({ url, method: 'POST', data }),
    patch: <T>(url: string, data?: unknown) => promise<T>({ url, method: 'PATCH', data }),
    put: <T>(url: string, data?: unknown) => promise<T>({ url, method: 'PUT', data }),
    request: <T>(options: BackendSrvRequest) => promise<T>(options),
    datasourceRequest: <T>(options: BackendSrvRequest) => run<T>(options),
  };
  return srv as unknown as BackendSrv;
}
