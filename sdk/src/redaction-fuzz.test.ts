// Redaction under fuzzed nested payloads (RELIABILITY.md): random objects and arrays, up to 12
// levels deep, with sensitive keys in every spelling the default list documents placed at random
// depths, each holding a unique secret (itself or deep inside a sub-tree). No secret survives
// `toJson`, whatever the shape; non-sensitive values do. Seeded and reproducible. And whatever a
// payload holds (toJSON, buffers, boxed primitives, cycles, odd numbers and strings), `toJson`
// writes exactly what its former replacer-only implementation wrote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capJson, Redactor } from './redaction.js';
import { seededRandom } from '@auditlens/test-support';

const SEED = Number(process.env.FUZZ_SEED ?? 42);
const CASES = Number(process.env.REDACTION_FUZZ_CASES ?? 2000);
const SENSITIVE_KEYS = [
  'password',
  'userPassword',
  'new_password',
  'passwd',
  'accessToken',
  'refresh-token',
  'client_secret',
  'apiKey',
  'X-API-Key',
  'Authorization',
  'cookie',
  'Set-Cookie',
  'creditCard',
  'card_number',
  'id_number',
  'idCard',
  'phone',
  'mobilePhone',
  'email',
  'EMAIL_ADDRESS',
];
const PLAIN_KEYS = ['name', 'note', 'items', 'qty', 'city', 'status', 'meta', 'list', 'id', 'role'];

test(`${CASES} fuzzed nested payloads (seed ${SEED}): no secret survives redaction`, () => {
  const random = seededRandom(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const redactor = new Redactor();
  let secrets = 0;
  for (let i = 0; i < CASES; i++) {
    const planted: string[] = [];
    const kept: string[] = [];
    const secretValue = (): unknown => {
      const secret = `SECRET-${i}-${planted.length}`;
      planted.push(secret);
      // The secret alone, or buried in a sub-tree under the sensitive key.
      return random() < 0.5 ? secret : { inner: [{ value: secret }], n: 1 };
    };
    const build = (depth: number): unknown => {
      if (depth > 12 || random() < 0.2) {
        const plain = `plain-${i}-${kept.length}`;
        kept.push(plain);
        return plain;
      }
      if (random() < 0.3) return Array.from({ length: 1 + Math.floor(random() * 4) }, () => build(depth + 1));
      const object: Record<string, unknown> = {};
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        if (random() < 0.35) object[pick(SENSITIVE_KEYS)] = secretValue();
        else object[`${pick(PLAIN_KEYS)}${k}`] = build(depth + 1);
      }
      return object;
    };
    const payload = build(0);
    const json = redactor.toJson(payload, 1024 * 1024);
    JSON.parse(json);
    secrets += planted.length;
    for (const secret of planted)
      assert.ok(!json.includes(secret), `case ${i} (seed ${SEED}) leaked ${secret}: ${json.slice(0, 300)}`);
    // Values under plain keys survive, unless they sit deeper than the redactor's depth limit.
    if (!json.includes('[nested too deep]')) {
      for (const value of kept) assert.ok(json.includes(value), `case ${i} (seed ${SEED}) lost ${value}`);
    }
  }
  assert.ok(secrets > CASES / 2, `planted ${secrets} secrets`);
});

/**
 * What `toJson` wrote before its fast path: JSON.stringify with a masking replacer, the careful
 * copy when that throws. The fast path (a masked copy stringified without a replacer) must write
 * exactly this.
 */
function replacerJson(redactor: Redactor, value: unknown, maxBytes: number, extra?: ReadonlySet<string>) {
  if (ArrayBuffer.isView(value)) return JSON.stringify(`[binary ${value.byteLength} bytes]`);
  let json: string | undefined;
  try {
    json = JSON.stringify(value, function (this: unknown, key: string, item: unknown): unknown {
      if (key === '') return item;
      if (redactor.isSensitiveKey(key) || extra?.has(key)) return redactor.mask;
      if (typeof item === 'object' && item !== null) {
        const original = (this as Record<string, unknown>)[key];
        if (ArrayBuffer.isView(original)) return `[binary ${original.byteLength} bytes]`;
      }
      return item;
    });
  } catch {
    json = JSON.stringify(redactor.redact(value, extra));
  }
  return capJson(json ?? 'null', maxBytes);
}

test(`${CASES} fuzzed payloads of every JSON oddity (seed ${SEED}): toJson writes what the replacer wrote`, () => {
  const random = seededRandom(SEED + 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  class Account {
    constructor(
      readonly name: string,
      readonly password: string,
    ) {}
  }
  const leaves: (() => unknown)[] = [
    () => `plain "quoted" \\ \n ${Math.floor(random() * 100)}`,
    () => '张三 \u0001 \ud800 lone surrogate',
    () => pick([0, -0, 1.5, 1e21, NaN, Infinity, -Infinity, 2 ** 60]),
    () => pick([true, false, null, undefined]),
    () => () => 'function',
    () => Symbol('s'),
    () => new Date(Math.floor(random() * 2e12)),
    () => new Date(NaN),
    () => Buffer.from('abc'),
    () => new Uint16Array(3),
    () => new Account('a', 'secret'),
    () => new Map([['password', 'x']]),
    () => new Set([1]),
    // Boxed primitives are written as their primitive value.
    () => pick([Object('boxed'), Object(7), Object(true)]),
    // toJSON: its result is what gets masked.
    () => ({ toJSON: () => ({ token: 'from toJSON', ok: 1 }) }),
    () => ({ toJSON: (key: string) => `toJSON of ${key}` }),
    () => JSON.parse('{"__proto__": {"password": "x"}, "a": 1}') as unknown,
    () => 10n,
    // Sparse array: holes are null.
    () => [1, , 3], // eslint-disable-line no-sparse-arrays
  ];
  const keys = [...SENSITIVE_KEYS.slice(0, 6), ...PLAIN_KEYS, '0', '1', 'salary', 'toJSON'];
  const build = (depth: number): unknown => {
    const r = random();
    if (depth > 40 || r < 0.3) return pick(leaves)();
    if (r < 0.45) return Array.from({ length: Math.floor(random() * 4) }, () => build(depth + 1));
    const object: Record<string, unknown> = {};
    for (let k = 0; k < Math.floor(random() * 5); k++)
      object[pick(keys)] = build(depth + (random() < 0.3 ? 8 : 1));
    return object;
  };
  const redactors = [
    new Redactor(),
    new Redactor({ extraKeys: [/^_1_$/, 'salary'], mask: '[x]', maxDepth: 4 }),
  ];
  const extras = [undefined, new Set(['name0', '0', 'note1'])];
  for (let i = 0; i < CASES; i++) {
    let payload = build(0);
    if (random() < 0.05 && typeof payload === 'object' && payload !== null) {
      const cyclic = { payload, self: undefined as unknown };
      cyclic.self = cyclic;
      payload = cyclic;
    }
    const redactor = pick(redactors);
    const extra = pick(extras);
    const maxBytes = pick([64, 4096]);
    assert.equal(
      redactor.toJson(payload, maxBytes, extra),
      replacerJson(redactor, payload, maxBytes, extra),
      `case ${i} (seed ${SEED})`,
    );
  }
});

test(`${CASES} fuzzed query strings (seed ${SEED}): redactQuery masks as its split-and-join form did`, () => {
  const random = seededRandom(SEED + 2);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const redactor = new Redactor();
  // The former implementation, the specification of the output.
  const reference = (query: string): string =>
    query === ''
      ? query
      : query
          .split('&')
          .map((pair) => {
            const eq = pair.indexOf('=');
            if (eq < 0) return pair;
            let key = pair.slice(0, eq);
            try {
              key = decodeURIComponent(key.replace(/\+/g, ' '));
            } catch {
              // keep the raw key
            }
            return redactor.isSensitiveKey(key)
              ? `${pair.slice(0, eq)}=${encodeURIComponent(redactor.mask)}`
              : pair;
          })
          .join('&');
  const pieces = [
    'a',
    'q',
    '=',
    '=',
    '&',
    '&',
    'token',
    'password',
    'Pass%77ord',
    '%zz',
    '+',
    'api+key',
    '%E4%B8%AD',
    '1',
  ];
  for (let i = 0; i < CASES; i++) {
    let query = '';
    for (let n = Math.floor(random() * 12); n > 0; n--) query += pick(pieces);
    assert.equal(redactor.redactQuery(query), reference(query), `case ${i} (seed ${SEED}): ${query}`);
  }
});
