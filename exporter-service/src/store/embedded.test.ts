// The embedded store reads results as JSONColumns and turns them into row objects: callers must
// get exactly what a JSONEachRow parse gives (names, order, types, 64-bit integers as strings).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EmbeddedStore } from './embedded.js';
import { parseJsonColumns } from './store.js';
import { tempDir } from '@auditlens/test-support';

const dir = tempDir('embedded-store');
let store: EmbeddedStore;

before(() => {
  store = new EmbeddedStore(dir.path, 'audit');
});
after(async () => {
  await store.close();
  dir.remove();
});

test('rows keep their column order, types and values', async () => {
  const rows = await store.query(
    `SELECT number AS n, toUInt64(number) * 1000000000000 AS big, toString(number) AS s, [number, 1] AS arr,
       map('k', toString(number)) AS m, if(number = 1, NULL, number) AS maybe,
       toDateTime64(1700000000 + number, 3, 'UTC') AS t, {text:String} AS text
     FROM numbers(3)`,
    { text: 'quote " backslash \\ newline \n 审计 🚀' },
  );
  assert.deepEqual(
    rows,
    [0, 1, 2].map((i) => ({
      n: String(i),
      big: String(BigInt(i) * 1_000_000_000_000n),
      s: String(i),
      arr: [String(i), '1'],
      m: { k: String(i) },
      maybe: i === 1 ? null : String(i),
      t: `2023-11-14 22:13:${String(20 + i).padStart(2, '0')}.000`,
      text: 'quote " backslash \\ newline \n 审计 🚀',
    })),
  );
  assert.deepEqual(Object.keys(rows[0] ?? {}), ['n', 'big', 's', 'arr', 'm', 'maybe', 't', 'text']);
});

test('no rows gives an empty list, whatever the columns', async () => {
  assert.deepEqual(await store.query('SELECT number AS n FROM numbers(10) WHERE n > 100'), []);
  assert.deepEqual(parseJsonColumns(''), []);
});

test('a column named __proto__ is a value of the row, not its prototype', async () => {
  const [row] = await store.query<Record<string, unknown>>('SELECT 1 AS `__proto__`, 2 AS after');
  assert.ok(row);
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.deepEqual(Object.entries(row), [
    ['__proto__', 1],
    ['after', 2],
  ]);
});

test('a large result arrives whole and in order', async () => {
  const rows = await store.query<{ n: string; pad: string }>(
    "SELECT number AS n, repeat('x', 100) AS pad FROM numbers(200000) ORDER BY n",
  );
  assert.equal(rows.length, 200_000);
  assert.equal(rows[0]?.n, '0');
  assert.equal(rows[199_999]?.n, '199999');
  assert.ok(rows.every((r, i) => r.n === String(i) && r.pad.length === 100));
});
