import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseKey, Redactor } from './redaction.js';

test('normaliseKey exposes word boundaries of camelCase, kebab, snake and acronyms', () => {
  assert.equal(normaliseKey('userPassword'), '_user_password_');
  assert.equal(normaliseKey('X-API-Key'), '_x_api_key_');
  assert.equal(normaliseKey('credit_card.number'), '_credit_card_number_');
  assert.equal(normaliseKey('HTTPAuthorization'), '_http_authorization_');
});

test('the default list masks each documented kind of key', () => {
  const r = new Redactor();
  const sensitive = [
    'password',
    'userPassword',
    'passwd',
    'new_password',
    'token',
    'accessToken',
    'refresh-token',
    'client_secret',
    'apiKey',
    'x-api-key',
    'API_KEY',
    'authorization',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'creditCard',
    'credit_card_number',
    'cardNumber',
    'cvv',
    'id_number',
    'idNumber',
    'idCard',
    'ssn',
    'phone',
    'phoneNumber',
    'mobile',
    'email',
    'userEmail',
    'e-mail',
  ];
  for (const key of sensitive) assert.ok(r.isSensitiveKey(key), `${key} should be sensitive`);
});

test('the default list leaves look-alike keys alone', () => {
  const r = new Redactor();
  for (const key of [
    'name',
    'monkey',
    'input_tokens',
    'gen_ai.usage.output_tokens',
    'keyboard',
    'classname',
    'paid_now',
    'author',
    'mailbox',
    'id',
    'role',
  ]) {
    assert.equal(r.isSensitiveKey(key), false, `${key} should not be sensitive`);
  }
});

test('redact masks nested objects and arrays, whole sub-trees under a sensitive key', () => {
  const r = new Redactor();
  const input = {
    user: { name: 'zhang', password: 'p@ss', contacts: [{ email: 'a@b.c', note: 'ok' }, { phone: '138' }] },
    credentials: { anything: 'x' },
    list: ['plain', { token: 't' }],
  };
  assert.deepEqual(r.redact(input), {
    user: { name: 'zhang', password: '***', contacts: [{ email: '***', note: 'ok' }, { phone: '***' }] },
    credentials: '***',
    list: ['plain', { token: '***' }],
  });
  // The input is not modified.
  assert.equal(input.user.password, 'p@ss');
});

test('redact is configurable: replace the list, extend it, change the mask', () => {
  const replaced = new Redactor({ keys: ['nickname'], mask: '[hidden]' });
  assert.deepEqual(replaced.redact({ nickname: 'x', password: 'y' }), {
    nickname: '[hidden]',
    password: 'y',
  });
  const extended = new Redactor({ extraKeys: [/salary/, 'bank account'] });
  assert.deepEqual(extended.redact({ salary: 1, bankAccount: '2', password: '3', x: 4 }), {
    salary: '***',
    bankAccount: '***',
    password: '***',
    x: 4,
  });
});

test('redact survives cycles, buffers, dates, bigints and deep nesting', () => {
  const r = new Redactor({ maxDepth: 3 });
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.deepEqual(r.redact(cyclic), { a: 1, self: '[circular]' });
  assert.equal(r.redact(Buffer.from('abc')), '[binary 3 bytes]');
  assert.equal(r.redact(new Date(0)), '1970-01-01T00:00:00.000Z');
  assert.equal(r.redact(10n), '10');
  assert.deepEqual(r.redact({ a: { b: { c: { d: 1 } } } }), { a: { b: { c: '[nested too deep]' } } });
});

test('toJson caps the size and still yields valid JSON', () => {
  const r = new Redactor();
  const big = { data: 'x"'.repeat(10_000), password: 'never' };
  const json = r.toJson(big, 500);
  assert.ok(json.length <= 500, `length ${json.length}`);
  const parsed = JSON.parse(json) as { truncated: boolean; length: number; preview: string };
  assert.equal(parsed.truncated, true);
  assert.ok(!json.includes('never'));
  assert.equal(r.toJson({ a: 1 }, 500), '{"a":1}');
});

test('toJson masks like redact, including buffers, cycles and extra field names', () => {
  const r = new Redactor();
  const cyclic: Record<string, unknown> = { password: 'x', ok: 1 };
  cyclic.self = cyclic;
  assert.equal(r.toJson(cyclic, 1000), '{"password":"***","ok":1,"self":"[circular]"}');
  assert.equal(
    r.toJson({ file: Buffer.from('abcd'), token: 't' }, 1000),
    '{"file":"[binary 4 bytes]","token":"***"}',
  );
  assert.equal(r.toJson(Buffer.from('ab'), 1000), '"[binary 2 bytes]"');
  assert.equal(
    r.toJson({ salary: 1, list: [{ salary: 2 }] }, 1000, new Set(['salary'])),
    '{"salary":"***","list":[{"salary":"***"}]}',
  );
  assert.equal(r.toJson(undefined, 1000), 'null');
});

test('redactQuery masks sensitive parameters of a query string', () => {
  const r = new Redactor();
  assert.equal(r.redactQuery('page=2&access_token=abc&q=x'), 'page=2&access_token=***&q=x');
  assert.equal(r.redactQuery('Pass%77ord=abc'), 'Pass%77ord=***');
  assert.equal(r.redactQuery('flag&email=a%40b'), 'flag&email=***');
});

test('extra sensitive field names mask exactly those keys', () => {
  const r = new Redactor();
  assert.deepEqual(r.redact({ salary: 10, name: 'x' }, new Set(['salary'])), { salary: '***', name: 'x' });
});
