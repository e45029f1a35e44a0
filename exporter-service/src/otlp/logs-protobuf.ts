import protobuf from 'protobufjs';
import { ExportLogsServiceRequest, type LogsRequest } from './schema.js';

/**
 * A hand-written decoder for ExportLogsServiceRequest, the hot path of ingest (protobufjs' generic
 * decoder costs tens of µs per log record). It is a fast path only: it builds the very messages
 * protobufjs builds (same constructors, so the same prototypes and defaults, and the same own
 * properties), and on anything it is not sure of (unknown wire types, groups, a field repeated
 * where it is singular, varints it does not expect, truncation, deep nesting, invalid UTF-8) it
 * gives up, and the caller decodes the whole body with protobufjs, whose results and error
 * messages therefore stay the reference.
 */

type Message = Record<string, unknown>;
type MessageCtor = new () => Message;
type Decoder = (end: number, depth: number) => Message;

function ctor(name: string): MessageCtor {
  return ExportLogsServiceRequest.root.lookupType(`opentelemetry.proto.${name}`)
    .ctor as unknown as MessageCtor;
}

const RequestCtor = ctor('ExportLogsServiceRequest');
const ResourceLogsCtor = ctor('ResourceLogs');
const ResourceCtor = ctor('Resource');
const ScopeLogsCtor = ctor('ScopeLogs');
const ScopeCtor = ctor('InstrumentationScope');
const LogRecordCtor = ctor('LogRecord');
const KeyValueCtor = ctor('KeyValue');
const AnyValueCtor = ctor('AnyValue');
const ArrayValueCtor = ctor('ArrayValue');
const KeyValueListCtor = ctor('KeyValueList');

/** Thrown (preallocated, so giving up costs no stack capture) to abandon the fast path. */
const GIVE_UP = new Error('OTLP fast decode gave up');
function giveUp(): never {
  throw GIVE_UP;
}

// protobufjs validates string fields with a fatal decoder that keeps a leading BOM; so does this one.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The body being decoded. Decoding is synchronous, so module state is safe and avoids a reader object.
const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
let view: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer);
/** The body as a plain Uint8Array: its subarrays, for TextDecoder, are cheaper than a Buffer's. */
let bytesView: Uint8Array = EMPTY;
let pos = 0;
let depthLimit = 0;
let LongCtor: protobuf.Constructor<protobuf.Long> = protobuf.util.Long;

/** A varint below 2^28 (tags, lengths, counts, enums); longer ones are left to protobufjs. */
function varint(end: number): number {
  if (pos < end) {
    const first = buf[pos] as number;
    if (first < 128) {
      pos++;
      return first;
    }
  }
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) giveUp();
    const b = buf[pos++] as number;
    value |= (b & 127) << shift;
    if (b < 128) return value;
  }
  return giveUp();
}

/** An int64 varint as protobufjs reads it (low and high 32 bits, sign-extended negatives take 10 bytes). */
function int64(end: number): protobuf.Long {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) giveUp();
    const b = (buf[pos++] as number) & 127;
    if (i < 4) lo |= b << (i * 7);
    else if (i === 4) {
      lo |= b << 28;
      hi |= b >> 4;
    } else hi |= b << ((i - 5) * 7 + 3);
    if (((buf[pos - 1] as number) & 128) === 0) return new LongCtor(lo, hi, false);
  }
  return giveUp();
}

/** A varint bool: true when any of its (at most 10) bytes carries a bit, as protobufjs reads it. */
function bool(end: number): boolean {
  let value = false;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) giveUp();
    const b = buf[pos++] as number;
    if (b & 127) value = true;
    if (b < 128) return value;
  }
  return giveUp();
}

/** The end of the length-delimited field starting at pos, checked against the enclosing end. */
function delimited(end: number): number {
  const length = varint(end);
  const stop = pos + length;
  if (stop > end) giveUp();
  return stop;
}

/**
 * Recently decoded short ASCII strings, by a hash of their bytes. Attribute keys and many values
 * repeat from record to record; returning the same (immutable) string again spares an allocation
 * that the ingest keeps alive, and the decode. Direct-mapped: a collision just replaces the entry.
 */
const CACHE_SLOTS = 4096;
const MAX_CACHED_LENGTH = 48;
const cache: string[] = new Array<string>(CACHE_SLOTS).fill('');

function string(end: number): string {
  const stop = delimited(end);
  const start = pos;
  pos = stop;
  const length = stop - start;
  if (length === 0) return '';
  if (length > MAX_CACHED_LENGTH) return utf8.decode(bytesView.subarray(start, stop));
  let hash = length;
  for (let i = start; i < stop; i++) {
    const c = buf[i] as number;
    if (c >= 128) return utf8.decode(bytesView.subarray(start, stop));
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  const slot = hash & (CACHE_SLOTS - 1);
  const cached = cache[slot] as string;
  // Cached strings are ASCII, so their char codes are their bytes.
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return cached;
  }
  const text = utf8.decode(bytesView.subarray(start, stop));
  cache[slot] = text;
  return text;
}

/** A view into the body, as protobufjs' Reader.bytes() gives (a Buffer when the body is one). */
function bytes(end: number): Uint8Array {
  const stop = delimited(end);
  const start = pos;
  pos = stop;
  return buf.subarray(start, stop);
}

function fixed64(end: number): protobuf.Long | undefined {
  if (pos + 8 > end) giveUp();
  const lo = view.getInt32(pos, true);
  const hi = view.getInt32(pos + 4, true);
  pos += 8;
  // protobufjs leaves a zero timestamp unset (its prototype default).
  return lo === 0 && hi === 0 ? undefined : new LongCtor(lo, hi, true);
}

/**
 * Skips a field this decoder does not read. A field the schema does define (its bit in `known`)
 * arriving with another wire type, field number 0, groups and invalid wire types: give up.
 */
function skip(tag: number, end: number, known: number): void {
  const field = tag >>> 3;
  if (field === 0 || (field < 32 && (known >>> field) & 1)) giveUp();
  switch (tag & 7) {
    case 0:
      for (let i = 0; ; i++) {
        if (i === 10 || pos >= end) giveUp();
        if ((buf[pos++] as number) < 128) return;
      }
    case 1:
      if (pos + 8 > end) giveUp();
      pos += 8;
      return;
    case 2:
      pos = delimited(end);
      return;
    case 5:
      if (pos + 4 > end) giveUp();
      pos += 4;
      return;
    default:
      giveUp();
  }
}

/** Marks a singular field as read; protobufjs merges or overrides a repeated one, which is left to it. */
function once(seen: number, bit: number): number {
  if (seen & bit) giveUp();
  return seen | bit;
}

// Tags are (field number << 3) | wire type: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.

function anyValue(end: number, depth: number): Message {
  if (depth > depthLimit) giveUp();
  const m = new AnyValueCtor();
  let seen = 0;
  while (pos < end) {
    const tag = varint(end);
    switch (tag) {
      case 0x0a: // string_value = 1
        seen = once(seen, 1);
        m.stringValue = string(end);
        break;
      case 0x10: // bool_value = 2
        seen = once(seen, 1);
        m.boolValue = bool(end);
        break;
      case 0x18: // int_value = 3
        seen = once(seen, 1);
        m.intValue = int64(end);
        break;
      case 0x21: // double_value = 4
        seen = once(seen, 1);
        if (pos + 8 > end) giveUp();
        m.doubleValue = view.getFloat64(pos, true);
        pos += 8;
        break;
      case 0x2a: // array_value = 5
        seen = once(seen, 1);
        m.arrayValue = arrayValue(delimited(end), depth + 1);
        break;
      case 0x32: // kvlist_value = 6
        seen = once(seen, 1);
        m.kvlistValue = keyValueList(delimited(end), depth + 1);
        break;
      case 0x3a: // bytes_value = 7
        seen = once(seen, 1);
        m.bytesValue = bytes(end);
        break;
      default:
        skip(tag, end, 0b11111110);
    }
  }
  return m;
}

/** ArrayValue and KeyValueList: nothing but their repeated field 1, `values`. */
function valuesOf(Ctor: MessageCtor, value: Decoder): Decoder {
  return (end, depth) => {
    if (depth > depthLimit) giveUp();
    const m = new Ctor();
    const values = m.values as Message[];
    while (pos < end) {
      const tag = varint(end);
      if (tag === 0x0a) values.push(value(delimited(end), depth + 1));
      else skip(tag, end, 0b10);
    }
    return m;
  };
}

const arrayValue = valuesOf(ArrayValueCtor, anyValue);
const keyValueList = valuesOf(KeyValueListCtor, keyValue);

function keyValue(end: number, depth: number): Message {
  if (depth > depthLimit) giveUp();
  const m = new KeyValueCtor();
  let seen = 0;
  while (pos < end) {
    const tag = varint(end);
    if (tag === 0x0a) {
      seen = once(seen, 1);
      const key = string(end);
      if (key.length > 0) m.key = key;
    } else if (tag === 0x12) {
      seen = once(seen, 2);
      m.value = anyValue(delimited(end), depth + 1);
    } else skip(tag, end, 0b110);
  }
  return m;
}

function resource(end: number, depth: number): Message {
  if (depth > depthLimit) giveUp();
  const m = new ResourceCtor();
  const attributes = m.attributes as Message[];
  let seen = 0;
  while (pos < end) {
    const tag = varint(end);
    if (tag === 0x0a) attributes.push(keyValue(delimited(end), depth + 1));
    else if (tag === 0x10) {
      seen = once(seen, 2);
      const count = varint(end);
      if (count !== 0) m.droppedAttributesCount = count;
    } else skip(tag, end, 0b110);
  }
  return m;
}

function scope(end: number, depth: number): Message {
  if (depth > depthLimit) giveUp();
  const m = new ScopeCtor();
  const attributes = m.attributes as Message[];
  let seen = 0;
  while (pos < end) {
    const tag = varint(end);
    switch (tag) {
      case 0x0a: {
        seen = once(seen, 1);
        const name = string(end);
        if (name.length > 0) m.name = name;
        break;
      }
      case 0x12: {
        seen = once(seen, 2);
        const version = string(end);
        if (version.length > 0) m.version = version;
        break;
      }
      case 0x1a:
        attributes.push(keyValue(delimited(end), depth + 1));
        break;
      case 0x20: {
        seen = once(seen, 4);
        const count = varint(end);
        if (count !== 0) m.droppedAttributesCount = count;
        break;
      }
      default:
        skip(tag, end, 0b11110);
    }
  }
  return m;
}

function logRecord(end: number, depth: number): Message {
  if (depth > depthLimit) giveUp();
  const m = new LogRecordCtor();
  const attributes = m.attributes as Message[];
  let seen = 0;
  while (pos < end) {
    const tag = varint(end);
    switch (tag) {
      case 0x09: {
        // time_unix_nano = 1 (fixed64)
        seen = once(seen, 1 << 1);
        const nanos = fixed64(end);
        if (nanos) m.timeUnixNano = nanos;
        break;
      }
      case 0x59: {
        // observed_time_unix_nano = 11 (fixed64)
        seen = once(seen, 1 << 11);
        const nanos = fixed64(end);
        if (nanos) m.observedTimeUnixNano = nanos;
        break;
      }
      case 0x10: {
        // severity_number = 2 (enum; negatives take 10 bytes and are left to protobufjs)
        seen = once(seen, 1 << 2);
        const severity = varint(end);
        if (severity !== 0) m.severityNumber = severity;
        break;
      }
      case 0x1a: {
        // severity_text = 3
        seen = once(seen, 1 << 3);
        const text = string(end);
        if (text.length > 0) m.severityText = text;
        break;
      }
      case 0x2a: // body = 5
        seen = once(seen, 1 << 5);
        m.body = anyValue(delimited(end), depth + 1);
        break;
      case 0x32: // attributes = 6
        attributes.push(keyValue(delimited(end), depth + 1));
        break;
      case 0x38: {
        // dropped_attributes_count = 7
        seen = once(seen, 1 << 7);
        const count = varint(end);
        if (count !== 0) m.droppedAttributesCount = count;
        break;
      }
      case 0x45: {
        // flags = 8 (fixed32)
        seen = once(seen, 1 << 8);
        if (pos + 4 > end) giveUp();
        const flags = view.getUint32(pos, true);
        pos += 4;
        if (flags !== 0) m.flags = flags;
        break;
      }
      case 0x4a: {
        // trace_id = 9
        seen = once(seen, 1 << 9);
        const id = bytes(end);
        if (id.length > 0) m.traceId = id;
        break;
      }
      case 0x52: {
        // span_id = 10
        seen = once(seen, 1 << 10);
        const id = bytes(end);
        if (id.length > 0) m.spanId = id;
        break;
      }
      case 0x62: {
        // event_name = 12
        seen = once(seen, 1 << 12);
        const name = string(end);
        if (name.length > 0) m.eventName = name;
        break;
      }
      default:
        skip(tag, end, 0b1111111101110);
    }
  }
  return m;
}

/**
 * ResourceLogs and ScopeLogs have one shape: field 1 a singular message (the resource, the scope),
 * field 2 the repeated children (scope logs, log records), field 3 the schema URL.
 */
function logsGroup(
  Ctor: MessageCtor,
  headField: string,
  head: Decoder,
  childrenField: string,
  child: Decoder,
): Decoder {
  return (end, depth) => {
    if (depth > depthLimit) giveUp();
    const m = new Ctor();
    const children = m[childrenField] as Message[];
    let seen = 0;
    while (pos < end) {
      const tag = varint(end);
      if (tag === 0x12) children.push(child(delimited(end), depth + 1));
      else if (tag === 0x0a) {
        seen = once(seen, 1);
        m[headField] = head(delimited(end), depth + 1);
      } else if (tag === 0x1a) {
        seen = once(seen, 4);
        const url = string(end);
        if (url.length > 0) m.schemaUrl = url;
      } else skip(tag, end, 0b1110);
    }
    return m;
  };
}

const scopeLogs = logsGroup(ScopeLogsCtor, 'scope', scope, 'logRecords', logRecord);
const resourceLogs = logsGroup(ResourceLogsCtor, 'resource', resource, 'scopeLogs', scopeLogs);

/**
 * Decodes an ExportLogsServiceRequest exactly as protobufjs would, or returns undefined when the
 * body has anything this fast path leaves to protobufjs (including every malformed body).
 */
export function decodeLogsRequestFast(body: Uint8Array): LogsRequest | undefined {
  // Without long.js protobufjs gives plain {low, high} objects; not worth a path of its own.
  LongCtor = protobuf.util.Long;
  if (typeof LongCtor !== 'function') return undefined;
  buf = body;
  bytesView = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  pos = 0;
  view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  depthLimit = protobuf.Reader.recursionLimit;
  try {
    const m = new RequestCtor();
    const end = body.length;
    const list = m.resourceLogs as Message[];
    while (pos < end) {
      const tag = varint(end);
      if (tag === 0x0a) list.push(resourceLogs(delimited(end), 1));
      else skip(tag, end, 0b10);
    }
    return m as unknown as LogsRequest;
  } catch {
    // GIVE_UP, or anything unforeseen (a TextDecoder refusal included): protobufjs decides.
    return undefined;
  } finally {
    buf = EMPTY;
    bytesView = EMPTY;
    view = new DataView(EMPTY.buffer);
  }
}
