import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';

/**
 * Append-only on-disk spool of serialized export batches: where batches wait while the backend is
 * slow or down, and what a restarted process resends.
 *
 * Layout: numbered segment files of frames. A frame is
 *   magic "ALSP" (4) | type (1) | payload length (u32 BE) | CRC-32 of payload (u32 BE) | payload
 * with two types: BATCH (batch id 16 bytes, record count u32, the exact request bytes) and ACK
 * (batch id). Nothing is ever rewritten: delivering a batch appends an ACK; a segment file is
 * deleted once it and every older segment hold no unacknowledged batch (deleting in order keeps
 * every ACK at least as long as the batch it acknowledges).
 *
 * A frame cut short by a crash (torn tail) ends the reading of its segment; after a restart new
 * frames go to a new segment, never after a torn one. Payload CRCs are checked when a batch is read
 * back for sending. One process owns a spool directory at a time (a pid lock file); a second
 * process of the same service takes the next free sibling directory (`dir.1`, `dir.2`, …), so
 * every sibling is drained again by whichever process restarts first.
 */

const MAGIC = 0x414c5350; // "ALSP"
const HEADER_BYTES = 13;
const ID_BYTES = 16;
const TYPE_BATCH = 1;
const TYPE_ACK = 2;
const MAX_SIBLINGS = 16;

const write = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);
const read = promisify(fs.read);

export interface BatchSpoolOptions {
  directory: string;
  /** Total size the spool may reach; beyond it `append` throws SpoolFullError. Default 256 MiB. */
  maxBytes?: number;
  /** A new segment file starts once the current one reaches this size. Default 8 MiB. */
  segmentBytes?: number;
  /** fdatasync after every write, so spooled batches survive power loss, not just a crash. Default true. */
  fsync?: boolean;
}

/** Where one batch lives in the spool. */
export interface SpooledBatch {
  /** 32 hex chars. */
  id: string;
  recordCount: number;
  segment: number;
  /** Offset of the frame's payload in its segment file. */
  payloadOffset: number;
  payloadLength: number;
  crc: number;
}

export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

export class SpoolCorruptError extends Error {
  override name = 'SpoolCorruptError';
}

interface Segment {
  seq: number;
  file: string;
  size: number;
  /** Unacknowledged batches written to this segment. */
  live: Set<string>;
  readFd?: number;
}

/** Spool directories held by this process: a second open of the same directory must not share it. */
const heldDirectories = new Set<string>();

export class BatchSpool {
  readonly directory: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly fsync: boolean;
  private readonly segments = new Map<number, Segment>();
  private readonly batchSegment = new Map<string, number>();
  private readonly recovered: SpooledBatch[];
  private active: Segment;
  private activeFd: number;
  private totalBytes = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Opens (creating if needed) and locks a spool directory, and indexes what it holds. Synchronous: runs at startup. */
  static open(options: BatchSpoolOptions): BatchSpool {
    const directory = acquireDirectory(path.resolve(options.directory));
    try {
      return new BatchSpool(directory, options);
    } catch (error) {
      releaseDirectory(directory);
      throw error;
    }
  }

  private constructor(directory: string, options: BatchSpoolOptions) {
    this.directory = directory;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.segmentBytes = options.segmentBytes ?? 8 * 1024 * 1024;
    this.fsync = options.fsync ?? true;
    this.recovered = this.load();
    const next = Math.max(0, ...this.segments.keys()) + 1;
    this.active = this.newSegment(next);
    this.activeFd = fs.openSync(this.active.file, 'a');
    this.collect();
  }

  /** Batches found on disk at open that were never acknowledged, oldest first. */
  recoveredBatches(): readonly SpooledBatch[] {
    return this.recovered;
  }

  get sizeBytes(): number {
    return this.totalBytes;
  }

  /** Appends one batch. Resolves once the bytes are written (and synced when `fsync`). */
  append(id: string, recordCount: number, data: Uint8Array): Promise<SpooledBatch> {
    const frame = this.batchFrame(id, recordCount, data);
    return this.enqueue(async () => {
      const segment = this.reserve(frame.length);
      const offset = segment.size;
      segment.size += frame.length;
      this.totalBytes += frame.length;
      await write(this.activeFd, frame, 0, frame.length, null);
      if (this.fsync) await fdatasync(this.activeFd);
      return this.track(id, recordCount, segment, offset, frame);
    });
  }

  /**
   * Appends one batch synchronously: only for process exit, when no callback will ever run. It may
   * race an in-flight asynchronous append of the same batch; the duplicate is harmless because
   * batches are deduplicated by id on load.
   */
  appendSync(id: string, recordCount: number, data: Uint8Array): SpooledBatch {
    const frame = this.batchFrame(id, recordCount, data);
    const segment = this.reserve(frame.length);
    const offset = segment.size;
    segment.size += frame.length;
    this.totalBytes += frame.length;
    fs.writeSync(this.activeFd, frame);
    if (this.fsync) fs.fdatasyncSync(this.activeFd);
    return this.track(id, recordCount, segment, offset, frame);
  }

  /** The request bytes of a spooled batch; throws SpoolCorruptError when its CRC does not match. */
  async read(batch: SpooledBatch): Promise<Uint8Array> {
    const segment = this.segments.get(batch.segment);
    if (!segment) throw new SpoolCorruptError(`segment ${batch.segment} of batch ${batch.id} is gone`);
    segment.readFd ??= fs.openSync(segment.file, 'r');
    const payload = Buffer.allocUnsafe(batch.payloadLength);
    const { bytesRead } = await read(segment.readFd, payload, 0, payload.length, batch.payloadOffset);
    if (bytesRead !== payload.length || crc32(payload) !== batch.crc) {
      throw new SpoolCorruptError(`batch ${batch.id} in ${segment.file} is damaged`);
    }
    return payload.subarray(ID_BYTES + 4);
  }

  /** Records that a batch was delivered (or given up); it will not be resent. */
  ack(batch: Pick<SpooledBatch, 'id'>): Promise<void> {
    return this.enqueue(async () => {
      const segmentSeq = this.batchSegment.get(batch.id);
      if (segmentSeq === undefined) return;
      const frame = frameOf(TYPE_ACK, Buffer.from(batch.id, 'hex'));
      const segment = this.reserve(frame.length, true);
      segment.size += frame.length;
      this.totalBytes += frame.length;
      await write(this.activeFd, frame, 0, frame.length, null);
      // No fsync: a lost ACK only means one redundant (deduplicated) resend.
      this.batchSegment.delete(batch.id);
      this.segments.get(segmentSeq)?.live.delete(batch.id);
      this.collect();
    });
  }

  /** Waits for pending writes, then closes files and releases the directory lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.tail.catch(() => undefined);
    this.closed = true;
    this.closeFds();
    releaseDirectory(this.directory);
  }

  /** Synchronous close for process exit. */
  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFds();
    releaseDirectory(this.directory);
  }

  private closeFds(): void {
    for (const segment of this.segments.values()) {
      if (segment.readFd !== undefined) fs.closeSync(segment.readFd);
      segment.readFd = undefined;
    }
    fs.closeSync(this.activeFd);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The segment a frame of `length` bytes goes to, rotating or refusing as limits require. */
  private reserve(length: number, isAck = false): Segment {
    // ACKs are tiny and free space; refusing them would wedge a full spool for good.
    if (!isAck && this.totalBytes + length > this.maxBytes) {
      throw new SpoolFullError(
        `spool ${this.directory} is full (${this.totalBytes} of ${this.maxBytes} bytes)`,
      );
    }
    if (this.active.size > 0 && this.active.size + length > this.segmentBytes) {
      fs.closeSync(this.activeFd);
      this.active = this.newSegment(this.active.seq + 1);
      this.activeFd = fs.openSync(this.active.file, 'a');
      this.collect();
    }
    return this.active;
  }

  private track(
    id: string,
    recordCount: number,
    segment: Segment,
    offset: number,
    frame: Buffer,
  ): SpooledBatch {
    segment.live.add(id);
    this.batchSegment.set(id, segment.seq);
    return {
      id,
      recordCount,
      segment: segment.seq,
      payloadOffset: offset + HEADER_BYTES,
      payloadLength: frame.length - HEADER_BYTES,
      crc: frame.readUInt32BE(9),
    };
  }

  private batchFrame(id: string, recordCount: number, data: Uint8Array): Buffer {
    const payload = Buffer.allocUnsafe(ID_BYTES + 4 + data.byteLength);
    payload.write(id, 0, ID_BYTES, 'hex');
    payload.writeUInt32BE(recordCount, ID_BYTES);
    payload.set(data, ID_BYTES + 4);
    return frameOf(TYPE_BATCH, payload);
  }

  private newSegment(seq: number): Segment {
    const segment: Segment = { seq, file: segmentFile(this.directory, seq), size: 0, live: new Set() };
    this.segments.set(seq, segment);
    return segment;
  }

  /** Deletes the oldest segments while they hold nothing unacknowledged (never the active one). */
  private collect(): void {
    const ordered = [...this.segments.keys()].sort((a, b) => a - b);
    for (const seq of ordered) {
      const segment = this.segments.get(seq);
      if (!segment || segment === this.active || segment.live.size > 0) return;
      if (segment.readFd !== undefined) fs.closeSync(segment.readFd);
      fs.rmSync(segment.file, { force: true });
      this.totalBytes -= segment.size;
      this.segments.delete(seq);
    }
  }

  /** Indexes the segments on disk: every batch without an ACK, in write order, each id once. */
  private load(): SpooledBatch[] {
    const files = fs
      .readdirSync(this.directory)
      .map((name) => /^segment-(\d+)\.spool$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const batches: SpooledBatch[] = [];
    const acked = new Set<string>();
    const header = Buffer.allocUnsafe(HEADER_BYTES + ID_BYTES + 4);
    for (const seq of files) {
      const segment = this.newSegment(seq);
      const fd = fs.openSync(segment.file, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        segment.size = size;
        this.totalBytes += size;
        let offset = 0;
        while (offset + HEADER_BYTES <= size) {
          const n = fs.readSync(fd, header, 0, header.length, offset);
          if (n < HEADER_BYTES || header.readUInt32BE(0) !== MAGIC) break;
          const type = header.readUInt8(4);
          const length = header.readUInt32BE(5);
          if (offset + HEADER_BYTES + length > size || length < ID_BYTES) break; // torn tail
          const id = header.toString('hex', HEADER_BYTES, HEADER_BYTES + ID_BYTES);
          if (type === TYPE_BATCH && length >= ID_BYTES + 4) {
            batches.push({
              id,
              recordCount: header.readUInt32BE(HEADER_BYTES + ID_BYTES),
              segment: seq,
              payloadOffset: offset + HEADER_BYTES,
              payloadLength: length,
              crc: header.readUInt32BE(9),
            });
          } else if (type === TYPE_ACK) {
            acked.add(id);
          }
          offset += HEADER_BYTES + length;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    const pending: SpooledBatch[] = [];
    for (const batch of batches) {
      if (acked.has(batch.id) || this.batchSegment.has(batch.id)) continue;
      this.batchSegment.set(batch.id, batch.segment);
      this.segments.get(batch.segment)?.live.add(batch.id);
      pending.push(batch);
    }
    return pending;
  }
}

function frameOf(type: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(MAGIC, 0);
  frame.writeUInt8(type, 4);
  frame.writeUInt32BE(payload.length, 5);
  frame.writeUInt32BE(crc32(payload), 9);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

function segmentFile(directory: string, seq: number): string {
  return path.join(directory, `segment-${String(seq).padStart(12, '0')}.spool`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the first of `base`, `base.1`, … that no live process holds. */
function acquireDirectory(base: string): string {
  for (let i = 0; i < MAX_SIBLINGS; i++) {
    const directory = i === 0 ? base : `${base}.${i}`;
    if (heldDirectories.has(directory)) continue;
    fs.mkdirSync(directory, { recursive: true });
    if (tryLock(path.join(directory, 'lock'))) {
      heldDirectories.add(directory);
      return directory;
    }
  }
  throw new Error(`no free spool directory among ${base} and its ${MAX_SIBLINGS - 1} siblings`);
}

/** Creates the lock file exclusively; replaces it once when its holder is dead. */
function tryLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = NaN;
    try {
      holder = Number(fs.readFileSync(lock, 'utf8').trim());
    } catch {
      // vanished meanwhile: try again
    }
    // Our own pid in a lock we do not hold is stale: a restarted container often reuses the pid.
    if (holder !== process.pid && isAlive(holder)) return false;
    fs.rmSync(lock, { force: true });
  }
  return false;
}

function releaseDirectory(directory: string): void {
  heldDirectories.delete(directory);
  try {
    if (fs.readFileSync(path.join(directory, 'lock'), 'utf8').trim() === String(process.pid)) {
      fs.rmSync(path.join(directory, 'lock'), { force: true });
    }
  } catch {
    // already gone
  }
}
