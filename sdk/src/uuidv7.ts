import { randomFillSync } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits. Event ids sort by time,
 * which keeps ClickHouse's primary index and the exporter's deduplication window cheap.
 *
 * Within one millisecond the 12-bit `rand_a` field is a counter (RFC 9562 §6.2, method 1) so ids
 * of one process stay strictly increasing; when it overflows the timestamp borrows the next
 * millisecond. Randomness comes from a pooled buffer: one `randomFillSync` per 409 ids instead
 * of one per id keeps generation well under a microsecond.
 */

const POOL_SIZE = 4096;
const RANDOM_BYTES_PER_ID = 10;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

let lastMillis = 0;
let counter = 0;

function takeRandom(): number {
  if (poolOffset + RANDOM_BYTES_PER_ID > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += RANDOM_BYTES_PER_ID;
  return offset;
}

function hex(byte: number | undefined): string {
  return HEX[(byte ?? 0) & 0xff] ?? '00';
}

export function uuidv7(now: number = Date.now()): string {
  const r = takeRandom();
  if (now > lastMillis) {
    lastMillis = now;
    // Seed with 11 random bits so the counter has room to grow before it overflows.
    counter = (((pool[r] ?? 0) << 8) | (pool[r + 1] ?? 0)) & 0x7ff;
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMillis++;
      counter = 0;
    }
  }
  const ms = lastMillis;
  const high = Math.floor(ms / 0x1000000); // upper 24 bits of the 48-bit timestamp
  const low = ms % 0x1000000;
  return (
    hex(high >>> 16) +
    hex(high >>> 8) +
    hex(high) +
    hex(low >>> 16) +
    '-' +
    hex(low >>> 8) +
    hex(low) +
    '-' +
    hex(0x70 | (counter >>> 8)) +
    hex(counter) +
    '-' +
    hex(0x80 | ((pool[r + 2] ?? 0) & 0x3f)) +
    hex(pool[r + 3]) +
    '-' +
    hex(pool[r + 4]) +
    hex(pool[r + 5]) +
    hex(pool[r + 6]) +
    hex(pool[r + 7]) +
    hex(pool[r + 8]) +
    hex(pool[r + 9])
  );
}

/** The Unix milliseconds encoded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
