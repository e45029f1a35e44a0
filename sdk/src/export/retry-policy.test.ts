import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter, RetryPolicy } from './retry-policy.js';

test('backoff grows exponentially up to the cap, with jitter in the upper half', () => {
  const low = new RetryPolicy({ initialBackoffMs: 100, maxBackoffMs: 1000 }, () => 0);
  const high = new RetryPolicy({ initialBackoffMs: 100, maxBackoffMs: 1000 }, () => 1);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => low.delayMs(n)),
    [50, 100, 200, 400, 500, 500],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => high.delayMs(n)),
    [100, 200, 400, 800, 1000, 1000],
  );
});

test('a server Retry-After wins over backoff, bounded and with a little jitter', () => {
  const policy = new RetryPolicy({ initialBackoffMs: 100, maxRetryAfterMs: 10_000 }, () => 0.5);
  assert.equal(policy.delayMs(1, 3000), 3150);
  assert.equal(policy.delayMs(9, 60_000), 10_500);
});

test('Retry-After: seconds or HTTP date', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('5', now), 5000);
  assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
});
