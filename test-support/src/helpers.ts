import assert from 'node:assert/strict';

/** Element `index` of a list, failing the test when there is none. */
export function at<T>(list: readonly T[], index: number): T {
  const value = list[index];
  assert.ok(value !== undefined, `no element ${index} (length ${list.length})`);
  return value;
}

/** Polls until `predicate` holds; rejects after `timeoutMillis` naming `what`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMillis: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
