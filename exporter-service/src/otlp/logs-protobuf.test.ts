import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { decodeLogsRequest, decodeProtobuf, DecodeError } from './decode.js';
import { decodeLogsRequestFast } from './logs-protobuf.js';
import { ExportLogsServiceRequest } from './schema.js';

/** xorshift32: a seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/**
 * The same schema with extra fields (numbers 900-903, every scalar wire type) in every message:
 * encoding with it puts fields unknown to the receiver into every level of a request.
 */
const protoText = readFileSync(fileURLToPath(new URL('../../proto/otlp.proto', import.meta.url)), 'utf8');
const extendedRoot = protobuf.parse(
  protoText.replace(
    /message (\w+) \{/g,
    'message $1 {\n  uint64 zz_varint = 900;\n  fixed64 zz_fixed64 = 901;\n  bytes zz_bytes = 902;\n  fixed32 zz_fixed32 = 903;',
  ),
).root;
const ExtendedRequest = extendedRoot.lookupType('opentelemetry.proto.ExportLogsServiceRequest');

/** A decoded message in plain form: its prototype, every own property, Longs and byte views by type. */
function canonical(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return { [value.constructor.name]: Buffer.from(value).toString('hex') };
  if (Array.isArray(value)) return value.map(canonical);
  const out: Record<string, unknown> = {
    $prototype: (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
      ?.name,
  };
  for (const key of Reflect.ownKeys(value)) {
    out[String(key)] = canonical((value as Record<PropertyKey, unknown>)[key]);
  }
  return out;
}

function outcome(decode: () => unknown): unknown {
  try {
    return { decoded: canonical(decode()) };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

const reference = (body: Uint8Array): unknown =>
  outcome(() => decodeProtobuf(ExportLogsServiceRequest, body));
const combined = (body: Uint8Array): unknown => outcome(() => decodeLogsRequest(body, 'protobuf'));

type Obj = Record<string, unknown>;

function generator(seed: number) {
  const next = random(seed);
  const int = (n: number) => Math.floor(next() * n);
  const chance = (p: number) => next() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

  const asciiText = (length: number) =>
    Array.from({ length }, () => String.fromCharCode(32 + int(95))).join('');
  const pieces = ['é', '日本語', '😀', '\u{10FFFF}', '\uFEFF', 'ß', '\u0000', 'a'];
  const text = (): string => {
    switch (int(6)) {
      case 0:
        return '';
      case 1:
        return pick(['http.method', 'audit.actor.id', 'GET', 'ok', 'service.name']);
      case 2:
        return asciiText(int(80)); // either side of the short-string and 64-byte thresholds
      case 3:
        return Array.from({ length: 1 + int(30) }, () => pick(pieces)).join('');
      case 4:
        return '\uFEFF' + asciiText(int(10)); // a leading BOM must be kept
      default:
        return asciiText(int(20));
    }
  };
  const bytes = (): Uint8Array => Uint8Array.from({ length: pick([0, 1, 8, 16, 40]) }, () => int(256));
  const uint64 = () =>
    pick([
      '0',
      '1',
      '4294967295',
      '4294967296',
      '1795260000123456789',
      '18446744073709551615',
      String(int(2 ** 31)),
    ]);
  const int64 = () =>
    pick([
      '0',
      '1',
      '-1',
      '9223372036854775807',
      '-9223372036854775808',
      '9007199254740993',
      '-9007199254740993',
      '2147483648',
      String(int(2 ** 31) - 2 ** 30),
    ]);
  const unknowns = (target: Obj): Obj => {
    if (chance(0.15)) target.zzVarint = uint64();
    if (chance(0.1)) target.zzFixed64 = uint64();
    if (chance(0.1)) target.zzBytes = bytes();
    if (chance(0.1)) target.zzFixed32 = int(2 ** 32);
    return target;
  };

  const anyValue = (depth: number): Obj => {
    const kinds = depth > 3 ? 5 : 7;
    const value: Obj = {};
    switch (chance(0.05) ? -1 : int(kinds)) {
      case 0:
        value.stringValue = text();
        break;
      case 1:
        value.boolValue = chance(0.5);
        break;
      case 2:
        value.intValue = int64();
        break;
      case 3:
        value.doubleValue = pick([0, -0, NaN, Infinity, -Infinity, 1.5, -2.5e-300, Number.MAX_VALUE, 5e-324]);
        break;
      case 4:
        value.bytesValue = bytes();
        break;
      case 5:
        value.arrayValue = unknowns({ values: Array.from({ length: int(4) }, () => anyValue(depth + 1)) });
        break;
      case 6:
        value.kvlistValue = unknowns({ values: Array.from({ length: int(4) }, () => keyValue(depth + 1)) });
        break;
      default: // no member set
    }
    return unknowns(value);
  };
  const keyValue = (depth: number): Obj => {
    const kv: Obj = {};
    if (chance(0.95)) kv.key = text();
    if (chance(0.95)) kv.value = anyValue(depth);
    return unknowns(kv);
  };
  const attributes = (max: number) => Array.from({ length: int(max) }, () => keyValue(0));
  const maybe = (target: Obj, key: string, make: () => unknown) => {
    if (chance(0.6)) target[key] = make();
  };

  const logRecord = (): Obj => {
    const record: Obj = {};
    maybe(record, 'timeUnixNano', uint64);
    maybe(record, 'observedTimeUnixNano', uint64);
    maybe(record, 'severityNumber', () => int(25));
    maybe(record, 'severityText', text);
    maybe(record, 'body', () => anyValue(0));
    maybe(record, 'attributes', () => attributes(35));
    maybe(record, 'droppedAttributesCount', () => pick([0, 1, 300, 2 ** 28 - 1]));
    maybe(record, 'flags', () => pick([0, 1, 257, 2 ** 32 - 1]));
    maybe(record, 'traceId', bytes);
    maybe(record, 'spanId', bytes);
    maybe(record, 'eventName', () => pick(['audit.auth', 'audit.data', '', text()]));
    return unknowns(record);
  };
  const scope = (): Obj =>
    unknowns({ name: text(), version: text(), attributes: attributes(3), droppedAttributesCount: int(3) });
  const scopeLogs = (): Obj => {
    const target: Obj = { logRecords: Array.from({ length: int(4) }, logRecord) };
    maybe(target, 'scope', scope);
    maybe(target, 'schemaUrl', text);
    return unknowns(target);
  };
  const resourceLogs = (): Obj => {
    const target: Obj = { scopeLogs: Array.from({ length: int(3) }, scopeLogs) };
    maybe(target, 'resource', () => unknowns({ attributes: attributes(6), droppedAttributesCount: int(2) }));
    maybe(target, 'schemaUrl', text);
    return unknowns(target);
  };
  const request = (): Uint8Array => {
    const object = unknowns({ resourceLogs: Array.from({ length: int(4) }, resourceLogs) });
    return ExtendedRequest.encode(ExtendedRequest.fromObject(object)).finish();
  };
  return { request, int, next };
}

/** The body in the forms a receiver meets: a Buffer, a plain Uint8Array, a view at an offset. */
function forms(body: Uint8Array): Uint8Array[] {
  const padded = new Uint8Array(body.length + 7);
  padded.set(body, 3);
  return [Buffer.from(body), Uint8Array.from(body), padded.subarray(3, 3 + body.length)];
}

test('random valid requests decode exactly as protobufjs decodes them, on the fast path', () => {
  const { request } = generator(20_240_601);
  for (let i = 0; i < 400; i++) {
    for (const body of forms(request())) {
      const fast = decodeLogsRequestFast(body);
      assert.ok(fast, `request ${i}: the fast path gave up on a valid request`);
      assert.deepStrictEqual({ decoded: canonical(fast) }, reference(body), `request ${i}`);
    }
  }
});

test('mutated and truncated requests: the same result or the same DecodeError as protobufjs alone', () => {
  const { request, int, next } = generator(7);
  let fastAccepted = 0;
  let errors = 0;
  for (let i = 0; i < 600; i++) {
    const valid = request();
    if (valid.length === 0) continue;
    const body = Uint8Array.from(valid);
    const at = int(body.length);
    let mutated: Uint8Array;
    switch (i % 6) {
      case 0:
        mutated = body.subarray(0, at);
        break;
      case 1:
        body[at] = int(256);
        mutated = body;
        break;
      case 2:
        body[at] = [0x80, 0xff, 0x00, 0x07, 0x0b, 0xc0, 0xed][int(7)] as number;
        mutated = body;
        break;
      case 3:
        mutated = Uint8Array.from([...body.subarray(0, at), int(256), ...body.subarray(at)]);
        break;
      case 4:
        // Two encodings concatenated are one message: protobufjs merges (repeated singular fields).
        mutated = Uint8Array.from([...body, ...request()]);
        break;
      default:
        for (let k = 0; k < 4; k++) body[int(body.length)] = Math.floor(next() * 256);
        mutated = body;
    }
    const expected = reference(mutated);
    assert.deepStrictEqual(combined(mutated), expected, `mutation ${i}`);
    if (decodeLogsRequestFast(mutated)) fastAccepted++;
    if ('error' in (expected as object)) errors++;
  }
  // Both outcomes must really be exercised.
  assert.ok(fastAccepted > 50, `fast path took only ${fastAccepted} mutated bodies`);
  assert.ok(errors > 50, `only ${errors} mutated bodies were refused`);
});

const writer = () => protobuf.Writer.create();
/** A request with one record whose body is `value` (an encoded AnyValue). */
function requestWithBody(value: Uint8Array): Uint8Array {
  return requestWithRecord(
    writer()
      .uint32((5 << 3) | 2)
      .bytes(value)
      .finish(),
  );
}
function requestWithRecord(record: Uint8Array): Uint8Array {
  const scopeLogs = writer()
    .uint32((2 << 3) | 2)
    .bytes(record)
    .finish();
  const resourceLogs = writer()
    .uint32((2 << 3) | 2)
    .bytes(scopeLogs)
    .finish();
  return writer()
    .uint32((1 << 3) | 2)
    .bytes(resourceLogs)
    .finish();
}
const stringValue = (bytes: number[]) =>
  writer()
    .uint32((1 << 3) | 2)
    .bytes(Uint8Array.from(bytes))
    .finish();

test('invalid UTF-8 in a string field is refused, short or long', () => {
  const ascii = (n: number) => Array.from({ length: n }, () => 0x61);
  for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe6, 0x97], [0xf4, 0x90, 0x80, 0x80]]) {
    for (const bytes of [bad, [...ascii(10), ...bad], [...ascii(70), ...bad], [...bad, ...ascii(70)]]) {
      const body = requestWithBody(stringValue(bytes));
      assert.equal(decodeLogsRequestFast(body), undefined);
      assert.throws(
        () => decodeLogsRequest(body, 'protobuf'),
        (error: Error) => {
          assert.ok(error instanceof DecodeError);
          assert.match(error.message, /^invalid OTLP protobuf ExportLogsServiceRequest: .*utf-8/i);
          return true;
        },
      );
      assert.deepStrictEqual(combined(body), reference(body));
    }
  }
  // Valid multi-byte text and a leading BOM come through unchanged.
  const text = '\uFEFFé日😀';
  const decoded = decodeLogsRequest(requestWithBody(stringValue([...Buffer.from(text)])), 'protobuf');
  assert.equal(decoded.resourceLogs?.[0]?.scopeLogs?.[0]?.logRecords?.[0]?.body?.stringValue, text);
});

test('nesting at and beyond protobufjs recursion limit: same result or error', () => {
  for (const levels of [40, 46, 47, 48, 49, 60]) {
    let value = stringValue([0x78]);
    for (let i = 0; i < levels; i++) {
      const array = writer()
        .uint32((1 << 3) | 2)
        .bytes(value)
        .finish();
      value = writer()
        .uint32((5 << 3) | 2)
        .bytes(array)
        .finish();
    }
    const body = requestWithBody(value);
    assert.deepStrictEqual(combined(body), reference(body), `${levels} levels`);
  }
});

test('odd but valid encodings are decoded as protobufjs decodes them', () => {
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    // a defined field with another wire type (protobufjs skips it), a repeated singular field
    requestWithBody(Uint8Array.from([0x08, 0x01, 0x0a, 0x01, 0x61, 0x10, 0x01])),
    // a negative enum and a 5-byte varint count on a record, a non-minimal varint tag
    writer()
      .uint32((1 << 3) | 2)
      .bytes(
        writer()
          .uint32((2 << 3) | 2)
          .bytes(
            writer()
              .uint32((2 << 3) | 2)
              .bytes(
                writer()
                  .uint32(0x10)
                  .int32(-3)
                  .uint32(0x38)
                  .uint32(2 ** 31)
                  .finish(),
              )
              .finish(),
          )
          .finish(),
      )
      .finish(),
    Uint8Array.from([0x8a, 0x00, 0x00]),
    // zero and empty values written out (protobufjs leaves them unset): a zero timestamp, empty
    // severity text, zero flags, a KeyValue with an empty key and an empty AnyValue, an empty trace id
    requestWithRecord(
      Uint8Array.from([
        ...[0x09, 0, 0, 0, 0, 0, 0, 0, 0],
        ...[0x1a, 0x00, 0x45, 0, 0, 0, 0],
        ...[0x32, 0x04, 0x0a, 0x00, 0x12, 0x00],
        ...[0x4a, 0x00, 0x62, 0x00, 0x10, 0x00, 0x38, 0x00],
      ]),
    ),
  ];
  for (const body of cases) assert.deepStrictEqual(combined(body), reference(body));
  // The last case must be taken by the fast path, or it would test protobufjs against itself.
  assert.ok(decodeLogsRequestFast(cases[cases.length - 1] ?? new Uint8Array(1)));
});
