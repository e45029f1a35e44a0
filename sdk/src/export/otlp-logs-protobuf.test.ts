import { TraceFlags } from '@opentelemetry/api';
import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '@auditlens/test-support';
import { serializeLogsRequest } from './otlp-logs-protobuf.js';

const SEED = Number(process.env.FUZZ_SEED ?? 42);
const CASES = Number(process.env.SERIALIZER_FUZZ_CASES ?? 300);

test(`${CASES} fuzzed batches (seed ${SEED}): the same bytes as otlp-transformer's ProtobufLogsSerializer`, () => {
  const random = seededRandom(SEED);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const text = (): string => {
    const pieces = [
      'a',
      'log.record.uid',
      '张三',
      'é',
      '😀',
      '\ud800',
      '"\\',
      '\u0000',
      ' ',
      'x'.repeat(int(3) * 70),
    ];
    let out = '';
    const n = random() < 0.01 ? 70_000 : pick([0, 1, 3, 10, 40, 200, 3000]);
    while (out.length < n) out += pick(pieces);
    return out;
  };
  const numbers = [
    0,
    -0,
    1,
    -1,
    127,
    128,
    300,
    2 ** 31,
    2 ** 32,
    2 ** 53 + 2,
    -(2 ** 40),
    2 ** 62,
    -(2 ** 63),
  ];
  const doubles = [1.5, -2.25, NaN, Infinity, -Infinity, 1e300, 2 ** 63, 5e-324];
  const value = (depth: number): AnyValue => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0:
        return text();
      case 1:
        return pick(numbers);
      case 2:
        return pick(doubles);
      case 3:
        return random() < 0.5;
      case 4:
        return pick([null, undefined]);
      case 5:
        return new Uint8Array(Array.from({ length: pick([0, 3, 200]) }, () => int(256)));
      case 6:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default:
        return attributes(depth + 1, 4);
    }
  };
  const attributes = (depth: number, max: number): LogAttributes => {
    const out: LogAttributes = {};
    for (let i = int(max); i > 0; i--) out[random() < 0.2 ? text() : `k${int(30)}`] = value(depth);
    return out;
  };
  const resources = [
    resourceFromAttributes({ 'service.name': 'orders', n: 1 }),
    resourceFromAttributes({ 'service.name': '服务', list: ['a', 'b'] }, { schemaUrl: 'https://s/1' }),
  ];
  const scopes = [
    { name: '@auditlens/sdk', version: '1.0.0', schemaUrl: undefined },
    { name: 'other', version: '', schemaUrl: 'https://s/2', attributes: { a: 1 }, droppedAttributesCount: 2 },
    { name: 'x'.repeat(300) },
  ];
  const hrTime = (): [number, number] =>
    pick([
      [1_700_000_000 + int(1e6), int(1e9)],
      [0, 0],
      [4_102_444_800, 999_999_999],
      [int(100), int(1000)],
    ] as [number, number][]);
  for (let i = 0; i < CASES; i++) {
    const records: ReadableLogRecord[] = Array.from({ length: 1 + int(pick([3, 40])) }, () => ({
      hrTime: hrTime(),
      hrTimeObserved: hrTime(),
      spanContext:
        random() < 0.5
          ? {
              traceId: '0af7651916cd43dd8448eb211c80319c',
              spanId: 'B7AD6B7169203331',
              traceFlags: pick([TraceFlags.NONE, TraceFlags.SAMPLED]),
            }
          : undefined,
      severityText: pick([undefined, '', 'INFO', 'WARN']),
      severityNumber: pick([undefined, 0, 9, 13, 17]),
      body: random() < 0.8 ? value(0) : undefined,
      eventName: pick([undefined, '', 'audit.request', 'audit.field_change']),
      resource: pick(resources),
      instrumentationScope: pick(scopes),
      attributes: attributes(0, pick([3, 30])),
      droppedAttributesCount: pick([0, 0, 5, 300]),
    }));
    const expected = ProtobufLogsSerializer.serializeRequest(records) ?? new Uint8Array();
    assert.deepEqual(
      Buffer.from(serializeLogsRequest(records)),
      Buffer.from(expected),
      `case ${i} (seed ${SEED})`,
    );
  }
});
