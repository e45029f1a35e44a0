import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { GrafanaPassword } from '../grafana/reader-datasource.js';
import type { ReaderPassword } from './reader.js';

/** Where `tenants add` keeps generated reader passwords by default (one file per reader, mode 0600). */
export const DEFAULT_SECRETS_DIR = '.auditlens-secrets';
/** Where the Grafana container sees that directory (mount it there, read-only). */
export const GRAFANA_SECRETS_DIR = '/etc/grafana/auditlens-secrets';

const MIN_PASSWORD_LENGTH = 16;

export interface ReaderCredentials {
  /** For ClickHouse: the DDL hashes it, users.xml references or hashes it. */
  clickhouse: ReaderPassword;
  /** For Grafana's data source: the same password, by reference, never by value. */
  grafana: GrafanaPassword;
  /** What happened, for the operator (never the password). */
  note: string;
}

/**
 * A reader's password, never printed or logged. Either a variable of the environment (the
 * compose stack's way: ClickHouse and Grafana read the same variable), or a file: read when it
 * exists, otherwise generated (32 random bytes, base64url) and created with mode 0600 in a 0700
 * directory. Grafana reads the same file through `$__file{…}`.
 */
export function readerCredentials(
  user: string,
  options: { passwordEnv?: string; passwordFile?: string; grafanaPasswordFile?: string },
  env: NodeJS.ProcessEnv = process.env,
): ReaderCredentials {
  if (options.passwordEnv) {
    const variable = options.passwordEnv;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
      throw new Error(`--password-env ${variable}: not a variable name`);
    const value = env[variable];
    return {
      clickhouse: value ? { env: variable, value } : { env: variable },
      grafana: { env: variable },
      note: `password: from $${variable} (ClickHouse and Grafana read the same variable)`,
    };
  }
  const file = options.passwordFile ?? join(DEFAULT_SECRETS_DIR, `${user}.password`);
  const grafanaFile = options.grafanaPasswordFile ?? `${GRAFANA_SECRETS_DIR}/${basename(file)}`;
  let note: string;
  if (existsSync(file)) {
    note = `password: ${file} (existing)`;
  } else {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    note = `password: generated into ${file} (mode 0600)`;
  }
  const value = readFileSync(file, 'utf8').trim();
  if (value.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`${file}: a reader password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return {
    clickhouse: { value },
    grafana: { file: grafanaFile },
    note: `${note}; Grafana reads it as ${grafanaFile}`,
  };
}
