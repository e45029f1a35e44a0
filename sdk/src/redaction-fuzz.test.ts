// Redaction under fuzzed nested payloads (RELIABILITY.md): random objects and arrays, up to 12
// levels deep, with sensitive keys in every spelling the default list documents placed at random
// depths, each holding a unique secret (itself or deep inside a sub-tree). No secret survives
// `toJson`, whatever the shape; non-sensitive values do. Seeded and reproducible.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redactor } from './redaction.js';
import { seededRandom } from './testing/prng.js';

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
