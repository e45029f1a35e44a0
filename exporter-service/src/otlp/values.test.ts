import assert from 'node:assert/strict';
import { test } from 'node:test';
import Long from 'long';
import { anyValueToJs, millisBetween, nanosToMillis, valueToText } from './values.js';

const long = (text: string) => Long.fromString(text, true);

test('nanosecond timestamps convert to the exact millisecond', () => {
  // 1.795e18 ns is beyond a double's exact integers; every millisecond must survive.
  for (let ms = 1_795_260_000_000; ms < 1_795_260_000_000 + 2000; ms++) {
    assert.equal(nanosToMillis(long(`${ms}000000`)), ms);
    assert.equal(nanosToMillis(long(`${ms}999999`)), ms);
  }
  assert.equal(nanosToMillis(undefined), 0);
  assert.equal(nanosToMillis(1_500_000), 1);
});

test('durations are exact to the nanosecond', () => {
  assert.equal(millisBetween(long('1795260000000000000'), long('1795260000025000001')), 25.000001);
});

test('AnyValue converts by the member that is set, including zero and empty values', () => {
  assert.equal(anyValueToJs({ intValue: 0 }, 'k'), 0);
  assert.equal(anyValueToJs({ stringValue: '' }, 'k'), '');
  assert.equal(anyValueToJs({ boolValue: false }, 'k'), false);
  assert.deepEqual(anyValueToJs({ arrayValue: { values: [{ doubleValue: 1.5 }] } }, 'k'), [1.5]);
  assert.equal(valueToText({ a: [1n, new Uint8Array([1, 2])] }), '{"a":["1","AQI="]}');
  assert.throws(() => {
    let value = { stringValue: 'x' } as Parameters<typeof anyValueToJs>[0];
    for (let i = 0; i < 40; i++) value = { arrayValue: { values: [value ?? {}] } };
    anyValueToJs(value, 'deep');
  }, /deep: value nested deeper than 32 levels/);
});
