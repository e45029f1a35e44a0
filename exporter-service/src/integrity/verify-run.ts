import type { KeyObject } from 'node:crypto';
import type { AuditStore } from '../store/store.js';
import type { CanonicalSchema } from './canonical.js';
import type { ProblemLog } from './verify-result.js';

// One verification run: what it is asked (VerifyOptions) and what its parts share while it goes (Run).

export const DAY_MS = 86_400_000;
export const TIME = "DateTime64(3, 'UTC')";

export interface VerifyOptions {
  tenantId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  schema: CanonicalSchema;
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** Legal floor: a sealed row younger than this is never accepted as expired. */
  floorDays: number;
  /** Shortest retention (days until deletion) any enabled policy gives rows of a table; null = none deletes. */
  policyDeleteDays?: (table: string) => number | null;
  /** Event ids the running exporter holds unsealed (in flight or pending). */
  unsealed?: ReadonlySet<string>;
  /** Last stored sequence per chain known to the running exporter (detects a truncated chain head). */
  expectedHeads?: readonly { table: string; writer: string; sequence: number }[];
  tables?: readonly string[];
  /** Rows per chunk (the memory bound); default DEFAULT_CHUNK_ROWS. */
  chunkRows?: number | undefined;
  /** Rows verified so far and rows in the period (as counted when planning the chunks). */
  onProgress?: (done: number, total: number) => void;
  now?: number;
  recentMs?: number;
}

export interface Run {
  store: AuditStore;
  options: VerifyOptions;
  tenant: string;
  fromMs: number;
  now: number;
  chunkRows: number;
  /** Rows received at or after this are not judged when uncovered (still being sealed). */
  recentFrom: number;
  log: ProblemLog;
  state: { checkpoints: number; rows: number; expiredRows: number; unsealedRows: number };
}
