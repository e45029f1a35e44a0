import path from 'node:path';

/**
 * Where records go and how, from explicit options first, then the standard OTEL_* environment
 * variables (so an app configured for any OTel exporter works unchanged), then defaults.
 */
export interface EndpointOptions {
  serviceName?: string;
  /** Base URL of the OTLP/HTTP receiver, like OTEL_EXPORTER_OTLP_ENDPOINT; `/v1/logs` and `/v1/traces` are appended. */
  endpoint?: string;
  headers?: Record<string, string>;
  encoding?: 'protobuf' | 'json';
  compression?: 'gzip' | 'none';
  /** Per-request export timeout. */
  timeoutMillis?: number;
  /** Spool directory; `false` keeps batches in memory only (lost on restart). */
  spoolDir?: string | false;
}

export interface ResolvedEndpoint {
  serviceName: string | undefined;
  logsUrl: string;
  tracesUrl: string;
  headers: Record<string, string>;
  encoding: 'protobuf' | 'json';
  compression: 'gzip' | 'none';
  timeoutMillis: number;
  spoolDir: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = 'http://localhost:4318';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function signalUrl(base: string, signal: 'logs' | 'traces'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS). */
export function parseHeaderList(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (value ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    let text = pair.slice(eq + 1).trim();
    try {
      text = decodeURIComponent(text);
    } catch {
      // keep it raw
    }
    if (key) headers[key] = text;
  }
  return headers;
}

export function resolveEndpoint(options: EndpointOptions, env: Env = process.env): ResolvedEndpoint {
  const base = nonEmpty(options.endpoint) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? DEFAULT_ENDPOINT;
  const logsUrl = options.endpoint
    ? signalUrl(base, 'logs')
    : (nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) ?? signalUrl(base, 'logs'));
  const tracesUrl = options.endpoint
    ? signalUrl(base, 'traces')
    : (nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? signalUrl(base, 'traces'));
  const headers = {
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseHeaderList(env.OTEL_EXPORTER_OTLP_LOGS_HEADERS),
    ...options.headers,
  };
  const protocol =
    nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL);
  const encoding = options.encoding ?? (protocol === 'http/json' ? 'json' : 'protobuf');
  const compressionEnv =
    nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_COMPRESSION) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_COMPRESSION);
  const compression = options.compression ?? (compressionEnv === 'none' ? 'none' : 'gzip');
  const timeoutEnv = Number(
    nonEmpty(env.OTEL_EXPORTER_OTLP_LOGS_TIMEOUT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_TIMEOUT),
  );
  const timeoutMillis =
    options.timeoutMillis ?? (Number.isFinite(timeoutEnv) && timeoutEnv > 0 ? timeoutEnv : 10_000);
  const serviceName =
    nonEmpty(options.serviceName) ?? nonEmpty(env.OTEL_SERVICE_NAME) ?? serviceNameFromResourceEnv(env);

  let spoolDir: string | undefined;
  if (options.spoolDir !== false) {
    spoolDir =
      nonEmpty(options.spoolDir || undefined) ??
      nonEmpty(env.AUDITLENS_SPOOL_DIR) ??
      path.join(
        nonEmpty(env.AUDITLENS_DATA_DIR) ?? '.auditlens-data',
        'spool',
        safeName(serviceName ?? 'unknown_service'),
      );
  }
  return { serviceName, logsUrl, tracesUrl, headers, encoding, compression, timeoutMillis, spoolDir };
}

function serviceNameFromResourceEnv(env: Env): string | undefined {
  for (const pair of (env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',')) {
    const [key, value] = pair.split('=');
    if (key?.trim() === 'service.name' && value) return decodeURIComponent(value.trim());
  }
  return undefined;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}
