import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { compareText } from './canonical.js';
import type { SigningKey } from './keys.js';

/** previous_digest of the first checkpoint of a chain. */
export const GENESIS_DIGEST = '0'.repeat(64);

/**
 * One signed checkpoint: a committed batch of one (tenant, table) from one writer, row digests in
 * event-id order, linked to the previous checkpoint of the same (tenant, table, writer) chain.
 * Field names are the columns of audit_integrity_checkpoint.
 */
export interface Checkpoint {
  tenant_id: string;
  table_name: string;
  writer_id: string;
  sequence: number;
  first_event_time: string;
  last_event_time: string;
  row_count: number;
  event_ids: string[];
  row_digests: string[];
  min_retention_days: number;
  batch_digest: string;
  previous_digest: string;
  chain_digest: string;
  signature: string;
  key_id: string;
}

/** A row going into a checkpoint. */
export interface SealedRow {
  eventId: string;
  eventTime: string;
  digest: string;
  retentionDays: number;
}

/** SHA-256 over `auditlens.batch.v1\n` then one `<event id> <row digest>\n` line per row, in event-id order. */
export function batchDigest(eventIds: readonly string[], rowDigests: readonly string[]): string {
  const hash = createHash('sha256').update('auditlens.batch.v1\n');
  eventIds.forEach((id, i) => hash.update(`${id} ${rowDigests[i] ?? ''}\n`));
  return hash.digest('hex');
}

type ChainFields = Omit<Checkpoint, 'event_ids' | 'row_digests' | 'chain_digest' | 'signature' | 'key_id'>;

/** SHA-256 over the JSON array of the checkpoint's fields, previous digest first. */
export function chainDigest(c: ChainFields): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        'auditlens.chain.v1',
        c.previous_digest,
        c.batch_digest,
        c.tenant_id,
        c.table_name,
        c.writer_id,
        c.sequence,
        c.row_count,
        c.first_event_time,
        c.last_event_time,
        c.min_retention_days,
      ]),
    )
    .digest('hex');
}

/** The bytes an Ed25519 signature covers. */
export function signedMessage(keyId: string, chain: string): Buffer {
  return Buffer.from(`auditlens.checkpoint.v1\n${keyId}\n${chain}`, 'utf8');
}

/** Builds and signs the checkpoint of `rows` following `previous` (digest and sequence). */
export function sealCheckpoint(
  scope: { tenantId: string; table: string; writerId: string },
  rows: readonly SealedRow[],
  previous: { sequence: number; digest: string },
  key: SigningKey,
): Checkpoint {
  const sorted = [...rows].sort((a, b) => compareText(a.eventId, b.eventId));
  const times = sorted.map((r) => r.eventTime).sort(compareText);
  const eventIds = sorted.map((r) => r.eventId);
  const rowDigests = sorted.map((r) => r.digest);
  const fields: ChainFields = {
    tenant_id: scope.tenantId,
    table_name: scope.table,
    writer_id: scope.writerId,
    sequence: previous.sequence + 1,
    first_event_time: times[0] ?? '',
    last_event_time: times.at(-1) ?? '',
    row_count: sorted.length,
    min_retention_days: Math.min(65535, ...sorted.map((r) => r.retentionDays)),
    batch_digest: batchDigest(eventIds, rowDigests),
    previous_digest: previous.digest,
  };
  const chain = chainDigest(fields);
  return {
    ...fields,
    event_ids: eventIds,
    row_digests: rowDigests,
    chain_digest: chain,
    key_id: key.keyId,
    signature: sign(null, signedMessage(key.keyId, chain), key.privateKey).toString('base64'),
  };
}

/** A checkpoint as ClickHouse returns it (UInt64 quoted) → the typed form. */
export function checkpointFromStore(row: Record<string, unknown>): Checkpoint {
  return {
    tenant_id: String(row.tenant_id ?? ''),
    table_name: String(row.table_name ?? ''),
    writer_id: String(row.writer_id ?? ''),
    sequence: Number(row.sequence ?? 0),
    first_event_time: String(row.first_event_time ?? ''),
    last_event_time: String(row.last_event_time ?? ''),
    row_count: Number(row.row_count ?? 0),
    event_ids: ((row.event_ids as unknown[] | undefined) ?? []).map(String),
    row_digests: ((row.row_digests as unknown[] | undefined) ?? []).map(String),
    min_retention_days: Number(row.min_retention_days ?? 65535),
    batch_digest: String(row.batch_digest ?? ''),
    previous_digest: String(row.previous_digest ?? ''),
    chain_digest: String(row.chain_digest ?? ''),
    signature: String(row.signature ?? ''),
    key_id: String(row.key_id ?? ''),
  };
}

export type CheckpointDefect =
  { kind: 'checkpoint_invalid'; detail: string } | { kind: 'checkpoint_signature_invalid'; detail: string };

/**
 * Checks a checkpoint on its own: its row list matches its batch digest, its fields match its
 * chain digest, and the chain digest carries a valid signature of a trusted key.
 */
export function checkCheckpoint(
  c: Checkpoint,
  trusted: ReadonlyMap<string, KeyObject>,
): CheckpointDefect | undefined {
  if (c.event_ids.length !== c.row_count || c.row_digests.length !== c.row_count) {
    return {
      kind: 'checkpoint_invalid',
      detail: `lists ${c.event_ids.length} event ids and ${c.row_digests.length} digests for ${c.row_count} rows`,
    };
  }
  if (batchDigest(c.event_ids, c.row_digests) !== c.batch_digest) {
    return {
      kind: 'checkpoint_invalid',
      detail: 'its event ids or row digests do not match its batch digest',
    };
  }
  if (chainDigest(c) !== c.chain_digest) {
    return { kind: 'checkpoint_invalid', detail: 'its fields do not match its chain digest' };
  }
  const key = trusted.get(c.key_id);
  if (!key) {
    return {
      kind: 'checkpoint_signature_invalid',
      detail: `signed with key ${c.key_id || '(none)'}, which is not a trusted key`,
    };
  }
  let valid = false;
  try {
    valid = verify(null, signedMessage(c.key_id, c.chain_digest), key, Buffer.from(c.signature, 'base64'));
  } catch {
    valid = false;
  }
  return valid
    ? undefined
    : { kind: 'checkpoint_signature_invalid', detail: `the signature does not verify with key ${c.key_id}` };
}
