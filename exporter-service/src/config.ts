import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** Thrown when the configuration is invalid; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Tenant name that stands for system-level records (empty tenant_id) in token bindings. */
export const SYSTEM_TENANT = '@system';

export interface IngestToken {
  /** Tenants this token may write; `*` = any tenant (a trusted collector). */
  tenants: ReadonlySet<string>;
}

export type ApiRole = 'reader' | 'admin';

export interface ApiToken {
  role: ApiRole;
  /** Tenants this token may read (and, for admins, configure); `*` = all. */
  tenants: ReadonlySet<string>;
}

export interface ExporterConfig {
  clickhouse: {
    /** Set = server mode; unset = embedded chdb under dataDir. */
    url: string | undefined;
    user: string;
    password: string;
    database: string;
    /** Optional CA certificate file for TLS to the server. */
    caCertPath: string | undefined;
    /** Generate replicated/distributed DDL for a cluster of this name. */
    cluster: string | undefined;
  };
  dataDir: string;
  otlpPort: number;
  apiPort: number;
  /** Interface the listeners bind to. */
  host: string;
  /** token → tenants; empty map = dev mode (open). */
  ingestTokens: ReadonlyMap<string, IngestToken>;
  /** token → role and tenants; empty map = dev mode (open). */
  apiTokens: ReadonlyMap<string, ApiToken>;
  /** Map HTTP server spans that follow the HTTP semantic conventions to audit_request_log rows. */
  spansAsRequests: boolean;
  batch: {
    /** Rows per table that trigger a flush. */
    maxRows: number;
    /** Oldest queued row age that triggers a flush. */
    maxDelayMs: number;
    /** Rows queued across all tables before new requests get 429. */
    maxQueuedRows: number;
  };
  /** Largest accepted request body, compressed or not (413 above it). */
  maxBodyBytes: number;
  /** Largest accepted single attribute value (the record is rejected above it). */
  maxAttributeBytes: number;
  /** How far in the future an event time may lie (clock skew allowance). */
  maxFutureSkewMs: number;
  logLevel: string;
}

const boolFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Environment variables the exporter reads, validated. Names are the contract of DESIGN §5. */
const envSchema = z.object({
  AUDITLENS_CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDITLENS_CLICKHOUSE_USER: z.string().min(1).default('default'),
  AUDITLENS_CLICKHOUSE_PASSWORD: z.string().default(''),
  AUDITLENS_CLICKHOUSE_DATABASE: z
    .string()
    .regex(IDENTIFIER, 'must be a plain identifier (letters, digits, underscore)')
    .default('audit'),
  AUDITLENS_CLICKHOUSE_CA_CERT: z.string().optional(),
  AUDITLENS_CLICKHOUSE_CLUSTER: z
    .string()
    .regex(IDENTIFIER, 'must be a plain identifier (letters, digits, underscore)')
    .optional(),
  AUDITLENS_DATA_DIR: z.string().min(1).default('./.auditlens-data'),
  AUDITLENS_OTLP_PORT: port.default(4318),
  AUDITLENS_API_PORT: port.default(8080),
  AUDITLENS_HOST: z.string().min(1).default('0.0.0.0'),
  AUDITLENS_INGEST_TOKENS: z.string().optional(),
  AUDITLENS_API_TOKENS: z.string().optional(),
  AUDITLENS_SPANS_AS_REQUESTS: boolFromEnv.default(true),
  AUDITLENS_BATCH_MAX_ROWS: positiveInt.default(5000),
  AUDITLENS_BATCH_MAX_DELAY_MS: positiveInt.default(200),
  AUDITLENS_MAX_QUEUED_ROWS: positiveInt.default(200_000),
  AUDITLENS_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  AUDITLENS_MAX_ATTRIBUTE_BYTES: positiveInt.default(64 * 1024),
  AUDITLENS_MAX_FUTURE_SKEW_MS: positiveInt.default(5 * 60 * 1000),
  AUDITLENS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ExporterEnv = Partial<Record<keyof z.input<typeof envSchema>, string>>;

/**
 * Parses `token:tenantA,tenantB;token2:*` into a map. Tokens are secrets: error messages
 * name the entry's position, never its text.
 */
export function parseIngestTokens(spec: string | undefined): Map<string, IngestToken> {
  const tokens = new Map<string, IngestToken>();
  for (const [index, entry] of splitEntries(spec)) {
    const [token, tenantList] = splitOnce(entry, ':');
    const tenants = (tenantList ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (!token || tenants.length === 0) {
      throw new ConfigError(
        `AUDITLENS_INGEST_TOKENS: entry ${index + 1} must look like "<token>:<tenant>[,<tenant>…]" ` +
          `(use "*" for any tenant, "${SYSTEM_TENANT}" for system-level records)`,
      );
    }
    tokens.set(token, { tenants: new Set(tenants) });
  }
  return tokens;
}

/** Parses `token:reader[:tenantA,tenantB];token2:admin` into a map (no tenant list = all tenants). */
export function parseApiTokens(spec: string | undefined): Map<string, ApiToken> {
  const tokens = new Map<string, ApiToken>();
  for (const [index, entry] of splitEntries(spec)) {
    const [token, rest] = splitOnce(entry, ':');
    const [role, tenantList] = splitOnce(rest ?? '', ':');
    if (!token || (role !== 'reader' && role !== 'admin')) {
      throw new ConfigError(
        `AUDITLENS_API_TOKENS: entry ${index + 1} must look like "<token>:reader" or "<token>:admin", ` +
          'optionally followed by ":<tenant>[,<tenant>…]"',
      );
    }
    const tenants = (tenantList ?? '*')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    tokens.set(token, { role, tenants: new Set(tenants.length > 0 ? tenants : ['*']) });
  }
  return tokens;
}

function splitEntries(spec: string | undefined): [number, string][] {
  return (spec ?? '')
    .split(';')
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e, i) => [i, e]);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text.trim(), undefined] : [text.slice(0, at).trim(), text.slice(at + 1).trim()];
}

/**
 * Reads an optional JSON config file whose keys are the same variable names; the
 * environment wins over the file.
 */
function readConfigFile(path: string | undefined): ExporterEnv {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: must be a JSON object of AUDITLENS_* variables`);
  }
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!key.startsWith('AUDITLENS_')) {
      throw new ConfigError(`config file ${path}: unknown key ${key} (keys are AUDITLENS_* variable names)`);
    }
    result[key] = String(value);
  }
  return result;
}

/** Validates the environment (plus optional config file) into an ExporterConfig, or throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configFile?: string): ExporterConfig {
  const merged: Record<string, string | undefined> = {
    ...readConfigFile(configFile ?? env.AUDITLENS_CONFIG),
  };
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') merged[key] = value;
  }
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    clickhouse: {
      url: e.AUDITLENS_CLICKHOUSE_URL,
      user: e.AUDITLENS_CLICKHOUSE_USER,
      password: e.AUDITLENS_CLICKHOUSE_PASSWORD,
      database: e.AUDITLENS_CLICKHOUSE_DATABASE,
      caCertPath: e.AUDITLENS_CLICKHOUSE_CA_CERT,
      cluster: e.AUDITLENS_CLICKHOUSE_CLUSTER,
    },
    dataDir: resolve(e.AUDITLENS_DATA_DIR),
    otlpPort: e.AUDITLENS_OTLP_PORT,
    apiPort: e.AUDITLENS_API_PORT,
    host: e.AUDITLENS_HOST,
    ingestTokens: parseIngestTokens(e.AUDITLENS_INGEST_TOKENS),
    apiTokens: parseApiTokens(e.AUDITLENS_API_TOKENS),
    spansAsRequests: e.AUDITLENS_SPANS_AS_REQUESTS,
    batch: {
      maxRows: e.AUDITLENS_BATCH_MAX_ROWS,
      maxDelayMs: e.AUDITLENS_BATCH_MAX_DELAY_MS,
      maxQueuedRows: e.AUDITLENS_MAX_QUEUED_ROWS,
    },
    maxBodyBytes: e.AUDITLENS_MAX_BODY_BYTES,
    maxAttributeBytes: e.AUDITLENS_MAX_ATTRIBUTE_BYTES,
    maxFutureSkewMs: e.AUDITLENS_MAX_FUTURE_SKEW_MS,
    logLevel: e.AUDITLENS_LOG_LEVEL,
  };
}
