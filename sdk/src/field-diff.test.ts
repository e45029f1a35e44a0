import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffImages } from './field-diff.js';
import { decryptFieldValue, encryptFieldValue, parseKey } from './field-protection.js';

test('UPDATE: only changed fields, values as text, type of the new value', () => {
  const diffs = diffImages(
    { name: '张三旧', email: 'old@example.com', age: 30, tags: ['a'], same: { x: 1 }, gone: 'v' },
    { name: '张三', email: 'zhangsan@example.com', age: 31, tags: ['a', 'b'], same: { x: 1 }, added: true },
  );
  assert.deepEqual(diffs, [
    { field: 'name', changeType: 'UPDATE', oldValue: '张三旧', newValue: '张三', valueType: 'STRING' },
    {
      field: 'email',
      changeType: 'UPDATE',
      oldValue: 'old@example.com',
      newValue: 'zhangsan@example.com',
      valueType: 'STRING',
    },
    { field: 'age', changeType: 'UPDATE', oldValue: '30', newValue: '31', valueType: 'NUMBER' },
    { field: 'tags', changeType: 'UPDATE', oldValue: '["a"]', newValue: '["a","b"]', valueType: 'JSON' },
    { field: 'gone', changeType: 'UPDATE', oldValue: 'v', newValue: '', valueType: 'NULL' },
    { field: 'added', changeType: 'UPDATE', oldValue: '', newValue: 'true', valueType: 'BOOLEAN' },
  ]);
});

test('UPDATE: null and absent are the same, equal dates are unchanged', () => {
  assert.deepEqual(diffImages({ a: null, d: new Date(5) }, { d: new Date(5) }), []);
});

test('INSERT and DELETE: every non-null field of the existing image', () => {
  assert.deepEqual(diffImages(undefined, { username: 'lisi', role: 'USER', note: null }), [
    { field: 'username', changeType: 'INSERT', newValue: 'lisi', valueType: 'STRING' },
    { field: 'role', changeType: 'INSERT', newValue: 'USER', valueType: 'STRING' },
  ]);
  assert.deepEqual(diffImages({ username: 'lisi' }, undefined), [
    { field: 'username', changeType: 'DELETE', oldValue: 'lisi', valueType: 'STRING' },
  ]);
});

test('field encryption round-trips with the key and fails with another key or altered text', () => {
  const key = parseKey('11'.repeat(32));
  const other = parseKey(Buffer.alloc(32, 2).toString('base64'));
  const encrypted = encryptFieldValue('zhangsan@example.com', key);
  assert.match(encrypted, /^enc:v1:[0-9a-f]{8}:/);
  assert.ok(!encrypted.includes('zhangsan'));
  assert.notEqual(encryptFieldValue('zhangsan@example.com', key), encrypted, 'random IV per value');
  assert.equal(decryptFieldValue(encrypted, key), 'zhangsan@example.com');
  assert.throws(() => decryptFieldValue(encrypted, other), /encrypted with key/);
  const tampered = encrypted.slice(0, -4) + (encrypted.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.throws(() => decryptFieldValue(tampered, key));
  assert.throws(() => parseKey('short'), /32 bytes/);
});
