import path from 'node:path';
import { diag } from '@opentelemetry/api';
import { getStringFromEnv, parseKeyPairsIntoRecord } from '@opentelemetry/core';
import { getSharedConfigurationFromEnvironment } from '@opentelemetry/otlp-exporter-base/node-http';
import { envDetector } from '@opentelemetry/resources';

/**
 * Where records go and how, from explicit options first, then the standard OTEL_* environment
 * variables (so an app configured for any OTel exporter works unchanged), then defaults. The
 * variables are read with OpenTelemetry's own helpers (@opentelemetry/core, the OTLP exporter
 * base, the resource env detector): a bad value is ignored with a warning on OpenTelemetry's
 * diagnostic logger (`diag`), as every OpenTelemetry exporter does.
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

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_TIMEOUT_MILLIS = 10_000;

function signalUrl(base: string, signal: 'logs' | 'traces'): string {
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** An http(s) URL from the environment; anything else (`collector:4318`, no scheme) is ignored with a warning. */
function urlFromEnv(name: string): string | undefined {
  const value = getStringFromEnv(name)?.trim();
  if (value === undefined) return undefined;
  if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
  diag.warn(`Configuration: ${name} is not an http(s) URL (actual: '${value}'); it is ignored`);
  return undefined;
}

/** OTLP over HTTP as protobuf or JSON (the SDK speaks no gRPC); another protocol is ignored with a warning. */
function encodingFromEnv(): 'protobuf' | 'json' | undefined {
  for (const name of ['OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = getStringFromEnv(name)?.trim();
    if (protocol === 'http/json') return 'json';
    if (protocol === 'http/protobuf') return 'protobuf';
    if (protocol !== undefined) {
      diag.warn(
        `Configuration: ${name} is invalid for the AuditLens SDK, expected 'http/protobuf' or 'http/json' (actual: '${protocol}'); using http/protobuf`,
      );
    }
  }
  return undefined;
}

/** service.name as OpenTelemetry's env detector reads it (OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES). */
function serviceNameFromEnv(): string | undefined {
  const name = envDetector.detect().attributes?.['service.name'];
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
}

export function resolveEndpoint(options: EndpointOptions): ResolvedEndpoint {
  const endpoint = options.endpoint?.trim() || undefined;
  const base = endpoint ?? urlFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ?? DEFAULT_ENDPOINT;
  const logsUrl = endpoint
    ? signalUrl(base, 'logs')
    : (urlFromEnv('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT') ?? signalUrl(base, 'logs'));
  const tracesUrl = endpoint
    ? signalUrl(base, 'traces')
    : (urlFromEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? signalUrl(base, 'traces'));
  const headers = {
    ...parseKeyPairsIntoRecord(getStringFromEnv('OTEL_EXPORTER_OTLP_HEADERS')),
    ...parseKeyPairsIntoRecord(getStringFromEnv('OTEL_EXPORTER_OTLP_LOGS_HEADERS')),
    ...options.headers,
  };
  // OTEL_EXPORTER_OTLP_[LOGS_]TIMEOUT and _COMPRESSION, validated by the OTLP exporter base.
  const shared = getSharedConfigurationFromEnvironment('LOGS');
  const serviceName = options.serviceName?.trim() || serviceNameFromEnv();

  let spoolDir: string | undefined;
  if (options.spoolDir !== false) {
    spoolDir =
      (options.spoolDir || undefined)?.trim() ||
      getStringFromEnv('AUDITLENS_SPOOL_DIR')?.trim() ||
      path.join(
        getStringFromEnv('AUDITLENS_DATA_DIR')?.trim() ?? '.auditlens-data',
        'spool',
        safeName(serviceName ?? 'unknown_service'),
      );
  }
  return {
    serviceName,
    logsUrl,
    tracesUrl,
    headers,
    encoding: options.encoding ?? encodingFromEnv() ?? 'protobuf',
    compression: options.compression ?? shared.compression ?? 'gzip',
    timeoutMillis: options.timeoutMillis ?? shared.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS,
    spoolDir,
  };
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}
