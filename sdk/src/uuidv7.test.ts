import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7, uuidv7Timestamp } from './uuidv7.js';

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuidv7 has the RFC 9562 layout: version 7, variant 10', () => {
  for (let i = 0; i < 1000; i++) assert.match(uuidv7(), FORMAT);
});

test('uuidv7 encodes the given millisecond', () => {
  const at = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
  assert.equal(uuidv7Timestamp(uuidv7(at)), at);
});

test('uuidv7 ids of one process are unique and strictly increasing, also within one millisecond', () => {
  const ids: string[] = [];
  const now = Date.now() + 10_000;
  for (let i = 0; i < 20_000; i++) ids.push(uuidv7(now)); // 20 000 ids in "one" ms: the counter overflows
  for (let i = 1; i < ids.length; i++)
    assert.ok((ids[i - 1] as string) < (ids[i] as string), `id ${i} not increasing`);
  assert.equal(new Set(ids).size, ids.length);
  // Overflow borrows from the next milliseconds, never goes back in time.
  assert.ok(uuidv7Timestamp(ids[0] as string) >= now);
});
