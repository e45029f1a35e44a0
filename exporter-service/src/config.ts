import { REPORT_FRAMEWORK_IDS, type ReportFramework } from '@auditlens/contract/rest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RedactionSettings } from './mapping/redaction.js';

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
  /** OTLP/gRPC receiver port. */
  otlpGrpcPort: number;
  apiPort: number;
  /** Interface the listeners bind to. */
  host: string;
  /** token → tenants; empty map = dev mode (open). */
  ingestTokens: ReadonlyMap<string, IngestToken>;
  /** token → role and tenants; empty map = dev mode (open). */
  apiTokens: ReadonlyMap<string, ApiToken>;
  /** Map HTTP server spans that follow the HTTP semantic conventions to audit_request_log rows. */
  spansAsRequests: boolean;
  /**
   * The redaction list the exporter applies to records not from the SDK: the SDK's (DESIGN §3),
   * replaced by AUDITLENS_REDACT_KEYS (`none` = nothing masked), extended by _EXTRA_KEYS.
   */
  redaction: RedactionSettings;
  /** Apply migrations at start; false when a least-privilege user runs the exporter and `auditlens migrate` runs apart. */
  migrateOnStart: boolean;
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
  /** The business metrics of /metrics (business-metrics.ts). */
  metrics: {
    /** Slower than this, an audited request or operation is slow (ms). */
    slowRequestMs: number;
    /** Actions with a label of their own; the rest are `other`. */
    maxActions: number;
  };
  /** Storage growth (storage-growth/): snapshots, and when to warn that the disk fills. */
  storageGrowth: {
    /** Minutes between snapshots (0 = none). */
    snapshotMinutes: number;
    /** Warn when the forecast says the disk fills within this many days. */
    alertDays: number;
    /** Warn when the disk is at least this full (percent). */
    alertPercent: number;
  };
  alerts: {
    /** Evaluate alert rules on committed rows. */
    enabled: boolean;
    /** Group keys kept per rule before the least recently seen are evicted (a metric counts them). */
    maxGroupsPerRule: number;
    /** A firing instance stays firing at least this long, so Grafana's evaluation sees short incidents. */
    minFiringMs: number;
  };
  /** Grafana-managed alert rule delivery (`auditlens grafana sync` and the app's sync). */
  grafana: {
    url: string | undefined;
    token: string | undefined;
    datasourceUid: string | undefined;
    folderUid: string | undefined;
    publicUrl: string | undefined;
  };
  /** Retention floor, integrity signing, scheduled reports and archiving (docs/compliance.md). */
  compliance: ComplianceConfig;
}

/** Network logs are kept no less than six months (China Cybersecurity Law art. 23(3)). */
export const STATUTORY_RETENTION_DAYS = 180;

export interface ComplianceConfig {
  /** No retention policy may keep rows for fewer days: at least STATUTORY_RETENTION_DAYS. */
  retentionFloorDays: number;
  /** Where the floor comes from (every report shows it): the statutory default or the setting that raised it. */
  retentionFloorSetBy: string;
  /** Ed25519 private key (PKCS#8 PEM); unset = `<dataDir>/integrity/signing-key.pem`, generated. */
  signingKeyFile: string | undefined;
  /** This exporter's writer id; unset = generated once into `<dataDir>/integrity/writer-id`. */
  writerId: string | undefined;
  /** Further public keys whose checkpoints verification trusts (other writers). */
  trustedKeyFiles: string[];
  /** Daily report time `HH:MM` (in reportUtcOffsetMinutes); undefined = no scheduled reports. */
  reportSchedule: string | undefined;
  reportFrameworks: ReportFramework[];
  /** Offset of the reporting time zone from UTC, in minutes (day boundaries, schedule). */
  reportUtcOffsetMinutes: number;
  /** TrueType/OpenType font for PDF reports (e.g. a CJK font); unset = Helvetica. */
  reportFont: string | undefined;
  /** Embedded mode: minutes between archive runs (0 = never). */
  archiveIntervalMinutes: number;
  /**
   * Scheduled integrity verification: minutes between runs (0 = never), hours each run verifies
   * back from now (0 = everything stored), and the tenants (`*` = every tenant with checkpoints).
   */
  verifyIntervalMinutes: number;
  verifyWindowHours: number;
  verifyTenants: string[] | '*';
  /** Server mode: move rows past their online days to this volume (TTL … TO VOLUME). */
  archiveVolume: string | undefined;
  /** Server mode: storage policy that has the archive volume (set on the audit tables). */
  archiveStoragePolicy: string | undefined;
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
  AUDITLENS_OTLP_GRPC_PORT: port.default(4317),
  AUDITLENS_API_PORT: port.default(8080),
  AUDITLENS_HOST: z.string().min(1).default('0.0.0.0'),
  AUDITLENS_INGEST_TOKENS: z.string().optional(),
  AUDITLENS_API_TOKENS: z.string().optional(),
  AUDITLENS_SPANS_AS_REQUESTS: boolFromEnv.default(true),
  AUDITLENS_REDACT_KEYS: z.string().optional(),
  AUDITLENS_REDACT_EXTRA_KEYS: z.string().optional(),
  AUDITLENS_MIGRATE_ON_START: boolFromEnv.default(true),
  AUDITLENS_BATCH_MAX_ROWS: positiveInt.default(5000),
  AUDITLENS_BATCH_MAX_DELAY_MS: positiveInt.default(200),
  AUDITLENS_MAX_QUEUED_ROWS: positiveInt.default(200_000),
  AUDITLENS_MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  AUDITLENS_MAX_ATTRIBUTE_BYTES: positiveInt.default(64 * 1024),
  AUDITLENS_MAX_FUTURE_SKEW_MS: positiveInt.default(5 * 60 * 1000),
  AUDITLENS_SLOW_REQUEST_MS: positiveInt.default(2000),
  AUDITLENS_METRICS_MAX_ACTIONS: z.coerce.number().int().min(1).max(1000).default(50),
  AUDITLENS_STORAGE_SNAPSHOT_MINUTES: z.coerce.number().min(0).max(10_080).default(60),
  AUDITLENS_STORAGE_ALERT_DAYS: z.coerce.number().min(0).max(3650).default(30),
  AUDITLENS_STORAGE_ALERT_PERCENT: z.coerce.number().min(1).max(100).default(90),
  AUDITLENS_ALERTS_ENABLED: boolFromEnv.default(true),
  AUDITLENS_ALERTS_MAX_GROUPS_PER_RULE: z.coerce.number().int().min(100).max(10_000_000).default(50_000),
  AUDITLENS_ALERTS_MIN_FIRING_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  AUDITLENS_GRAFANA_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDITLENS_GRAFANA_TOKEN: z.string().min(1).optional(),
  AUDITLENS_GRAFANA_DATASOURCE_UID: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'a Grafana uid: letters, digits, - and _')
    .optional(),
  AUDITLENS_GRAFANA_FOLDER_UID: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'a Grafana uid: letters, digits, - and _')
    .optional(),
  AUDITLENS_GRAFANA_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUDITLENS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AUDITLENS_RETENTION_FLOOR_DAYS: z.coerce
    .number()
    .int()
    .min(
      STATUTORY_RETENTION_DAYS,
      `at least ${STATUTORY_RETENTION_DAYS} days, the statutory minimum (China Cybersecurity Law art. 23(3)): ` +
        'the floor can be raised (e.g. 365 for PCI DSS), never lowered below it',
    )
    .max(65535)
    .default(STATUTORY_RETENTION_DAYS),
  AUDITLENS_SIGNING_KEY_FILE: z.string().min(1).optional(),
  AUDITLENS_WRITER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore only (at most 64)')
    .optional(),
  AUDITLENS_TRUSTED_KEYS: z.string().optional(),
  AUDITLENS_REPORT_SCHEDULE: z
    .string()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'a time HH:MM (24-hour) or "off"')
    .default('02:00'),
  AUDITLENS_REPORT_FRAMEWORKS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(REPORT_FRAMEWORK_IDS)).min(1))
    .default([...REPORT_FRAMEWORK_IDS]),
  AUDITLENS_REPORT_UTC_OFFSET: z
    .string()
    .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, 'an offset like +08:00 or -05:00')
    .default('+00:00'),
  AUDITLENS_REPORT_FONT: z.string().min(1).optional(),
  AUDITLENS_ARCHIVE_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  AUDITLENS_VERIFY_INTERVAL_MINUTES: z.coerce.number().min(0).default(60),
  AUDITLENS_VERIFY_WINDOW_HOURS: z.coerce.number().int().min(0).default(25),
  AUDITLENS_VERIFY_TENANTS: z
    .string()
    .regex(
      /^(\*|[^,\s]+(,[^,\s]+)*)$/,
      '* or a comma-separated list of tenant ids (@system for system-level records)',
    )
    .default('*'),
  AUDITLENS_ARCHIVE_VOLUME: z.string().regex(IDENTIFIER, 'must be a plain identifier').optional(),
  AUDITLENS_ARCHIVE_STORAGE_POLICY: z.string().regex(IDENTIFIER, 'must be a plain identifier').optional(),
});

export type ExporterEnv = Partial<Record<keyof z.input<typeof envSchema>, string>>;

/** Every environment variable the exporter reads. */
export const CONFIG_VARIABLES: readonly string[] = [...Object.keys(envSchema.shape), 'AUDITLENS_CONFIG'];

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
  const floorSetBy =
    env.AUDITLENS_RETENTION_FLOOR_DAYS !== undefined && env.AUDITLENS_RETENTION_FLOOR_DAYS !== ''
      ? 'AUDITLENS_RETENTION_FLOOR_DAYS in the environment'
      : merged.AUDITLENS_RETENTION_FLOOR_DAYS !== undefined
        ? `AUDITLENS_RETENTION_FLOOR_DAYS in ${configFile ?? env.AUDITLENS_CONFIG}`
        : 'statutory minimum (default)';
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
    otlpGrpcPort: e.AUDITLENS_OTLP_GRPC_PORT,
    apiPort: e.AUDITLENS_API_PORT,
    host: e.AUDITLENS_HOST,
    ingestTokens: parseIngestTokens(e.AUDITLENS_INGEST_TOKENS),
    apiTokens: parseApiTokens(e.AUDITLENS_API_TOKENS),
    spansAsRequests: e.AUDITLENS_SPANS_AS_REQUESTS,
    redaction: {
      ...(e.AUDITLENS_REDACT_KEYS === undefined
        ? {}
        : { keys: e.AUDITLENS_REDACT_KEYS === 'none' ? [] : keyList(e.AUDITLENS_REDACT_KEYS) }),
      extraKeys: keyList(e.AUDITLENS_REDACT_EXTRA_KEYS ?? ''),
    },
    migrateOnStart: e.AUDITLENS_MIGRATE_ON_START,
    batch: {
      maxRows: e.AUDITLENS_BATCH_MAX_ROWS,
      maxDelayMs: e.AUDITLENS_BATCH_MAX_DELAY_MS,
      maxQueuedRows: e.AUDITLENS_MAX_QUEUED_ROWS,
    },
    maxBodyBytes: e.AUDITLENS_MAX_BODY_BYTES,
    maxAttributeBytes: e.AUDITLENS_MAX_ATTRIBUTE_BYTES,
    maxFutureSkewMs: e.AUDITLENS_MAX_FUTURE_SKEW_MS,
    logLevel: e.AUDITLENS_LOG_LEVEL,
    metrics: { slowRequestMs: e.AUDITLENS_SLOW_REQUEST_MS, maxActions: e.AUDITLENS_METRICS_MAX_ACTIONS },
    storageGrowth: {
      snapshotMinutes: e.AUDITLENS_STORAGE_SNAPSHOT_MINUTES,
      alertDays: e.AUDITLENS_STORAGE_ALERT_DAYS,
      alertPercent: e.AUDITLENS_STORAGE_ALERT_PERCENT,
    },
    alerts: {
      enabled: e.AUDITLENS_ALERTS_ENABLED,
      maxGroupsPerRule: e.AUDITLENS_ALERTS_MAX_GROUPS_PER_RULE,
      minFiringMs: e.AUDITLENS_ALERTS_MIN_FIRING_MS,
    },
    grafana: {
      url: e.AUDITLENS_GRAFANA_URL?.replace(/\/+$/, ''),
      token: e.AUDITLENS_GRAFANA_TOKEN,
      datasourceUid: e.AUDITLENS_GRAFANA_DATASOURCE_UID,
      folderUid: e.AUDITLENS_GRAFANA_FOLDER_UID,
      publicUrl: e.AUDITLENS_GRAFANA_PUBLIC_URL?.replace(/\/+$/, ''),
    },
    compliance: {
      retentionFloorDays: e.AUDITLENS_RETENTION_FLOOR_DAYS,
      retentionFloorSetBy: floorSetBy,
      signingKeyFile: e.AUDITLENS_SIGNING_KEY_FILE,
      writerId: e.AUDITLENS_WRITER_ID,
      trustedKeyFiles: (e.AUDITLENS_TRUSTED_KEYS ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      reportSchedule: e.AUDITLENS_REPORT_SCHEDULE === 'off' ? undefined : e.AUDITLENS_REPORT_SCHEDULE,
      reportFrameworks: e.AUDITLENS_REPORT_FRAMEWORKS,
      reportUtcOffsetMinutes: offsetMinutes(e.AUDITLENS_REPORT_UTC_OFFSET),
      reportFont: e.AUDITLENS_REPORT_FONT,
      archiveIntervalMinutes: e.AUDITLENS_ARCHIVE_INTERVAL_MINUTES,
      verifyIntervalMinutes: e.AUDITLENS_VERIFY_INTERVAL_MINUTES,
      verifyWindowHours: e.AUDITLENS_VERIFY_WINDOW_HOURS,
      verifyTenants: e.AUDITLENS_VERIFY_TENANTS === '*' ? '*' : e.AUDITLENS_VERIFY_TENANTS.split(','),
      archiveVolume: e.AUDITLENS_ARCHIVE_VOLUME,
      archiveStoragePolicy: e.AUDITLENS_ARCHIVE_STORAGE_POLICY,
    },
  };
}

/** `password, pin` → ['password', 'pin']. */
function keyList(text: string): string[] {
  return text
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

/** `+08:00` → 480. */
function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  const [hours = '0', minutes = '0'] = offset.slice(1).split(':');
  return sign * (Number(hours) * 60 + Number(minutes));
}
