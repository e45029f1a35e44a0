import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { AuditRow } from '../mapping/row.js';
import type { AuditStore } from '../store/store.js';
import type { CanonicalSchema } from './canonical.js';
import { GENESIS_DIGEST, sealCheckpoint, type Checkpoint, type SealedRow } from './checkpoint.js';
import type { SigningKey } from './keys.js';

/** Retention of a row whose retention_days was not set (the column default). */
const DEFAULT_RETENTION_DAYS = 2555;

interface ChainHead {
  sequence: number;
  digest: string;
}

/** Rows about to be inserted: journaled before the insert so a crash cannot leave them unsealed. */
interface Intent {
  id: string;
  table: string;
  at: number;
  /** [tenant, event id, event time, row digest, retention days] */
  rows: [string, string, string, string, number][];
}

interface TableState {
  intents: Intent[];
  /** Signed checkpoints not stored yet; `attempt` names the insert that tried them (its token). */
  pending: { checkpoint: Checkpoint; intentId: string; attempt?: string }[];
  /**
   * Event ids sealed by `resolve` since the last `afterCommit`. A batch whose existence check ran
   * before they were stored may carry them (its insert then dropped or repeated): its commit must
   * not seal them again. Any later batch's existence check finds them stored.
   */
  recovered: Set<string>;
  /**
   * Intents whose insert is under way: the background retry must not recover them as unanswered,
   * or rows that commit meanwhile would be sealed twice (by the retry, then by their commit).
   */
  inFlight: Set<string>;
  lock: Promise<void>;
}

export interface SealerOptions {
  store: AuditStore;
  schema: CanonicalSchema;
  key: SigningKey;
  writerId: string;
  logger: Logger;
  /** Directory of the intent journal; undefined = no journal (short-lived CLI writers). */
  journalDir?: string | undefined;
  /** Called with each stored checkpoint (metrics). */
  onStored?: (checkpoint: Checkpoint) => void;
}

const headKey = (table: string, tenant: string): string => `${table}\u0000${tenant}`;

/**
 * Seals committed batches into signed hash-chain checkpoints, one chain per (tenant, table,
 * writer). Hooked into the ingest path: `beforeInsert` journals the batch's row digests,
 * `afterCommit` signs and stores the checkpoint (the batch is acknowledged only after that), and
 * `afterInsert` says the attempt is over: an intent left unanswered then is recovered later.
 *
 * Per table, calls are serialised (the table writer flushes one batch at a time, and the
 * background retry takes the same lock), so a chain never forks within one writer.
 * A checkpoint that cannot be stored stays pending (in memory and, through its intent, in the
 * journal) and is retried before the next one of its table, by a timer, and at the next start.
 */
export class IntegritySealer {
  private readonly heads = new Map<string, ChainHead>();
  /** Highest sequence stored per chain (what verification must find at least). */
  private readonly stored = new Map<string, number>();
  private readonly tables = new Map<string, TableState>();
  private readonly digests = new WeakMap<AuditRow, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SealerOptions) {
    if (options.journalDir) mkdirSync(options.journalDir, { recursive: true, mode: 0o700 });
  }

  get writerId(): string {
    return this.options.writerId;
  }

  /** Recovers the chain heads from the last stored checkpoints, then seals what the journal holds. */
  async start(retryMs = 5000): Promise<void> {
    const { store, writerId } = this.options;
    const rows = await store.query<{ tenant_id: string; table_name: string; seq: string; digest: string }>(
      `SELECT tenant_id, table_name, max(sequence) AS seq, argMax(chain_digest, sequence) AS digest
       FROM ${store.database}.audit_integrity_checkpoint WHERE writer_id = {writer:String}
       GROUP BY tenant_id, table_name`,
      { writer: writerId },
    );
    for (const row of rows) {
      this.heads.set(headKey(row.table_name, row.tenant_id), {
        sequence: Number(row.seq),
        digest: row.digest,
      });
      this.stored.set(headKey(row.table_name, row.tenant_id), Number(row.seq));
    }
    for (const intent of this.readJournal()) this.state(intent.table).intents.push(intent);
    for (const table of this.tables.keys()) await this.withLock(table, () => this.settle(table));
    if (retryMs > 0) {
      this.timer = setInterval(() => void this.retry(), retryMs);
      this.timer.unref();
    }
  }

  /** Stops the retry timer and makes a last attempt to store pending checkpoints. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.retry();
  }

  /** The current head of each chain this writer owns. */
  chainHeads(): { table: string; tenantId: string; sequence: number; digest: string }[] {
    return [...this.heads].map(([key, head]) => {
      const [table = '', tenantId = ''] = key.split('\u0000');
      return { table, tenantId, ...head };
    });
  }

  /** The last stored checkpoint of each of this writer's chains for a tenant. */
  storedHeads(tenantId: string): { table: string; writer: string; sequence: number }[] {
    return [...this.stored].flatMap(([key, sequence]) => {
      const [table = '', tenant = ''] = key.split('\u0000');
      return tenant === tenantId ? [{ table, writer: this.options.writerId, sequence }] : [];
    });
  }

  /** Event ids committed or being committed that are not yet covered by a stored checkpoint. */
  unsealedEventIds(): Set<string> {
    const ids = new Set<string>();
    for (const state of this.tables.values()) {
      for (const intent of state.intents) for (const row of intent.rows) ids.add(row[1]);
      for (const { checkpoint } of state.pending) for (const id of checkpoint.event_ids) ids.add(id);
    }
    return ids;
  }

  /** The digest of a row (computed once per row object). */
  digestOf(row: AuditRow): string {
    let digest = this.digests.get(row);
    if (digest === undefined) {
      digest = this.options.schema.digest(row.table, row.values);
      this.digests.set(row, digest);
    }
    return digest;
  }

  /** Ingest hook: before a batch is inserted, settle older work and journal the batch. */
  readonly beforeInsert = (table: string, rows: readonly AuditRow[]): Promise<void> =>
    this.withLock(table, async () => {
      await this.settle(table);
      const intent: Intent = {
        id: randomUUID(),
        table,
        at: Date.now(),
        rows: rows.map((row) => [
          row.tenantId,
          row.eventId,
          String(row.values.event_time),
          this.digestOf(row),
          retentionOf(row),
        ]),
      };
      const state = this.state(table);
      state.intents.push(intent);
      state.inFlight.add(intent.id);
      await this.appendJournal(intent);
    });

  /**
   * Ingest hook: the insert attempt of rows given to `beforeInsert` is over (committed, refused
   * or failed). Their intent, if still unanswered, is now one for `settle` to recover.
   */
  readonly afterInsert = (table: string, rows: readonly AuditRow[]): void => {
    const state = this.state(table);
    const intentId = intentOf(state, rows);
    if (intentId) state.inFlight.delete(intentId);
  };

  /** Ingest hook: after a batch is committed, sign and store its checkpoints (one per tenant). */
  readonly afterCommit = (table: string, rows: readonly AuditRow[]): Promise<void> =>
    this.withLock(table, async () => {
      const state = this.state(table);
      const recovered = state.recovered;
      state.recovered = new Set();
      const intentId = intentOf(state, rows) ?? '';
      const byTenant = new Map<string, SealedRow[]>();
      for (const row of rows) {
        if (recovered.has(row.eventId)) continue; // sealed already, from its journaled intent
        const list = byTenant.get(row.tenantId) ?? [];
        list.push({
          eventId: row.eventId,
          eventTime: String(row.values.event_time),
          digest: this.digestOf(row),
          retentionDays: retentionOf(row),
        });
        byTenant.set(row.tenantId, list);
      }
      // The intent is answered once these checkpoints are stored (flush drops it then).
      for (const [tenantId, sealed] of byTenant) {
        state.pending.push({ checkpoint: this.seal(table, tenantId, sealed), intentId });
      }
      await this.flush(table);
    });

  private seal(table: string, tenantId: string, rows: SealedRow[]): Checkpoint {
    const key = headKey(table, tenantId);
    const previous = this.heads.get(key) ?? { sequence: 0, digest: GENESIS_DIGEST };
    const checkpoint = sealCheckpoint(
      { tenantId, table, writerId: this.options.writerId },
      rows,
      previous,
      this.options.key,
    );
    this.heads.set(key, { sequence: checkpoint.sequence, digest: checkpoint.chain_digest });
    return checkpoint;
  }

  private state(table: string): TableState {
    let state = this.tables.get(table);
    if (!state) {
      state = {
        intents: [],
        pending: [],
        recovered: new Set(),
        inFlight: new Set(),
        lock: Promise.resolve(),
      };
      this.tables.set(table, state);
    }
    return state;
  }

  private withLock<T>(table: string, work: () => Promise<T>): Promise<T> {
    const state = this.state(table);
    const run = state.lock.then(work);
    state.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async retry(): Promise<void> {
    for (const [table, state] of this.tables) {
      if (state.intents.length === 0 && state.pending.length === 0) continue;
      try {
        await this.withLock(table, () => this.settle(table));
      } catch (error) {
        this.options.logger.warn(
          { table, err: (error as Error).message, pending: state.pending.length },
          'integrity checkpoints still pending',
        );
      }
    }
  }

  /** Stores pending checkpoints, then seals rows of unanswered intents that did reach the store. */
  private async settle(table: string): Promise<void> {
    const state = this.state(table);
    await this.flush(table);
    const open = state.intents.filter(
      (i) => !state.inFlight.has(i.id) && !state.pending.some((p) => p.intentId === i.id),
    );
    for (const intent of open) {
      await this.resolve(intent);
      state.intents = state.intents.filter((i) => i !== intent);
    }
    await this.flush(table);
  }

  /**
   * An intent whose batch never reported its commit (the insert failed or the process died):
   * rows that are stored, match their journaled digest, and are in no checkpoint are sealed now.
   */
  private async resolve(intent: Intent): Promise<void> {
    const { store, schema, writerId } = this.options;
    const state = this.state(intent.table);
    const byTenant = new Map<string, Intent['rows']>();
    for (const row of intent.rows) {
      const list = byTenant.get(row[0]) ?? [];
      list.push(row);
      byTenant.set(row[0], list);
    }
    for (const [tenantId, rows] of byTenant) {
      const ids = rows.map((r) => r[1]);
      const times = rows.map((r) => r[2]).sort();
      const stored = await store.query<Record<string, unknown>>(
        `SELECT * FROM ${store.database}.${intent.table}
         WHERE tenant_id = {tenant:String} AND event_time BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}
           AND event_id IN {ids:Array(UUID)}`,
        { tenant: tenantId, from: times[0], to: times.at(-1), ids },
      );
      if (stored.length === 0) continue;
      const covered = await store.query<{ id: string }>(
        `SELECT DISTINCT toString(arrayJoin(event_ids)) AS id
         FROM ${store.database}.audit_integrity_checkpoint
         WHERE tenant_id = {tenant:String} AND table_name = {table:String} AND writer_id = {writer:String}
           AND created_at >= {since:DateTime64(3, 'UTC')} AND hasAny(event_ids, {ids:Array(UUID)})`,
        {
          tenant: tenantId,
          table: intent.table,
          writer: writerId,
          since: new Date(intent.at - 3600_000).toISOString().replace('T', ' ').slice(0, 23),
          ids,
        },
      );
      const coveredIds = new Set(covered.map((c) => c.id));
      for (const { checkpoint } of state.pending) for (const id of checkpoint.event_ids) coveredIds.add(id);
      const journaled = new Map(rows.map((r) => [r[1], r]));
      const sealed: SealedRow[] = [];
      for (const row of stored) {
        const id = String(row.event_id);
        const entry = journaled.get(id);
        if (!entry || coveredIds.has(id)) continue;
        if (schema.digest(intent.table, row) !== entry[3]) {
          this.options.logger.error(
            { table: intent.table, eventId: id },
            'integrity: a stored row differs from the row the exporter inserted; not sealing it',
          );
          continue;
        }
        sealed.push({ eventId: id, eventTime: entry[2], digest: entry[3], retentionDays: entry[4] });
      }
      if (sealed.length > 0) {
        state.pending.push({ checkpoint: this.seal(intent.table, tenantId, sealed), intentId: '' });
        for (const row of sealed) state.recovered.add(row.eventId);
        this.options.logger.warn(
          { table: intent.table, tenantId, rows: sealed.length },
          'integrity: sealed rows whose commit was not confirmed (recovered from the journal)',
        );
      }
    }
  }

  /**
   * Inserts pending checkpoints in one insert per attempt. A failed attempt's checkpoints are
   * retried alone, with the same deduplication token, before newer ones join: an insert that did
   * commit despite the error is then dropped by the store instead of stored twice.
   */
  private async flush(table: string): Promise<void> {
    const state = this.state(table);
    const { store, writerId } = this.options;
    while (state.pending.length > 0) {
      const token = state.pending[0]?.attempt ?? '';
      const group = token ? state.pending.filter((p) => p.attempt === token) : [...state.pending];
      const attempt =
        token ||
        `checkpoints:${writerId}:${table}:${group.map((p) => `${p.checkpoint.tenant_id}:${p.checkpoint.sequence}`).join(',')}`;
      for (const p of group) p.attempt = attempt;
      await store.insertJsonLines(
        'audit_integrity_checkpoint',
        group.map((p) => JSON.stringify(p.checkpoint)).join('\n'),
        {
          deduplicationToken: createHash('sha256').update(attempt).digest('hex'),
        },
      );
      state.pending = state.pending.filter((p) => !group.includes(p));
      for (const { checkpoint, intentId } of group) {
        this.stored.set(headKey(table, checkpoint.tenant_id), checkpoint.sequence);
        this.options.onStored?.(checkpoint);
        if (intentId && !state.pending.some((p) => p.intentId === intentId)) {
          state.intents = state.intents.filter((i) => i.id !== intentId);
        }
      }
    }
    await this.rewriteJournal(table);
  }

  private journalFile(table: string): string | undefined {
    return this.options.journalDir ? join(this.options.journalDir, `${table}.jsonl`) : undefined;
  }

  private readJournal(): Intent[] {
    const dir = this.options.journalDir;
    if (!dir) return [];
    const intents: Intent[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          intents.push(JSON.parse(line) as Intent);
        } catch {
          // A torn last line (crash while appending): its batch was never inserted.
        }
      }
    }
    return intents;
  }

  private async appendJournal(intent: Intent): Promise<void> {
    const file = this.journalFile(intent.table);
    if (!file) return;
    const handle = await open(file, 'a', 0o600);
    try {
      await handle.write(`${JSON.stringify(intent)}\n`);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private async rewriteJournal(table: string): Promise<void> {
    const file = this.journalFile(table);
    if (!file) return;
    const { intents } = this.state(table);
    if (intents.length === 0) {
      await rm(file, { force: true });
      return;
    }
    const temporary = `${file}.tmp`;
    await writeFile(temporary, intents.map((i) => `${JSON.stringify(i)}\n`).join(''), { mode: 0o600 });
    await rename(temporary, file);
  }
}

/** The latest intent journaling any of these rows (a batch's rows share one). */
function intentOf(state: TableState, rows: readonly AuditRow[]): string | undefined {
  const ids = new Set(rows.map((r) => r.eventId));
  return [...state.intents].reverse().find((i) => i.rows.some((r) => ids.has(r[1])))?.id;
}

function retentionOf(row: AuditRow): number {
  const value = Number(row.values.retention_days);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_RETENTION_DAYS;
}
