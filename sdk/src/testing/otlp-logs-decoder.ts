/**
 * Test support: decodes OTLP logs requests (protobuf or JSON) into plain objects, so tests can
 * assert on exactly what went over the wire. Covers the subset of the OTLP schema the SDK emits.
 */

export type WireValue =
  string | number | boolean | null | Uint8Array | WireValue[] | { [key: string]: WireValue };

export interface WireLogRecord {
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: WireValue;
  attributes: Record<string, WireValue>;
  traceId: string;
  spanId: string;
  resource: Record<string, WireValue>;
  scope: string;
}

class Reader {
  offset = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean {
    return this.offset >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.buf[this.offset++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  tag(): { field: number; wire: number } {
    const tag = Number(this.varint());
    return { field: tag >>> 3, wire: tag & 7 };
  }
  bytes(): Uint8Array {
    const length = Number(this.varint());
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  fixed64(): bigint {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.offset, 8);
    this.offset += 8;
    return view.getBigUint64(0, true);
  }
  double(): number {
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.offset, 8);
    this.offset += 8;
    return view.getFloat64(0, true);
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.offset += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.offset += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function fields(buf: Uint8Array, visit: (field: number, wire: number, r: Reader) => void): void {
  const r = new Reader(buf);
  while (!r.done) {
    const { field, wire } = r.tag();
    const before = r.offset;
    visit(field, wire, r);
    if (r.offset === before) r.skip(wire);
  }
}

function anyValue(buf: Uint8Array): WireValue {
  let value: WireValue = null;
  fields(buf, (field, wire, r) => {
    if (field === 1) value = text(r.bytes());
    else if (field === 2) value = r.varint() !== 0n;
    else if (field === 3) value = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 4 && wire === 1) value = r.double();
    else if (field === 5) {
      const items: WireValue[] = [];
      fields(r.bytes(), (f, _w, rr) => {
        if (f === 1) items.push(anyValue(rr.bytes()));
      });
      value = items;
    } else if (field === 6) {
      const map: Record<string, WireValue> = {};
      fields(r.bytes(), (f, _w, rr) => {
        if (f === 1) Object.assign(map, keyValue(rr.bytes()));
      });
      value = map;
    } else if (field === 7) value = r.bytes();
  });
  return value;
}

function keyValue(buf: Uint8Array): Record<string, WireValue> {
  let key = '';
  let value: WireValue = null;
  fields(buf, (field, _wire, r) => {
    if (field === 1) key = text(r.bytes());
    else if (field === 2) value = anyValue(r.bytes());
  });
  return { [key]: value };
}

/** ExportLogsServiceRequest (protobuf) → its log records. */
export function decodeLogsProtobuf(buf: Uint8Array): WireLogRecord[] {
  const records: WireLogRecord[] = [];
  fields(buf, (field, _wire, r) => {
    if (field !== 1) return;
    const resource: Record<string, WireValue> = {};
    const scopeLogs: Uint8Array[] = [];
    fields(r.bytes(), (f, _w, rr) => {
      if (f === 1) {
        fields(rr.bytes(), (ff, _ww, rrr) => {
          if (ff === 1) Object.assign(resource, keyValue(rrr.bytes()));
        });
      } else if (f === 2) scopeLogs.push(rr.bytes());
    });
    for (const scopeBuf of scopeLogs) {
      let scope = '';
      fields(scopeBuf, (f, _w, rr) => {
        if (f === 1) {
          fields(rr.bytes(), (ff, _ww, rrr) => {
            if (ff === 1) scope = text(rrr.bytes());
          });
        } else if (f === 2) records.push({ ...logRecord(rr.bytes()), resource, scope });
      });
    }
  });
  return records;
}

function logRecord(buf: Uint8Array): Omit<WireLogRecord, 'resource' | 'scope'> {
  const record: Omit<WireLogRecord, 'resource' | 'scope'> = {
    timeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    eventName: '',
    body: null,
    attributes: {},
    traceId: '',
    spanId: '',
  };
  fields(buf, (field, wire, r) => {
    if (field === 1 && wire === 1) record.timeUnixNano = r.fixed64();
    else if (field === 2) record.severityNumber = Number(r.varint());
    else if (field === 3) record.severityText = text(r.bytes());
    else if (field === 5) record.body = anyValue(r.bytes());
    else if (field === 6) Object.assign(record.attributes, keyValue(r.bytes()));
    else if (field === 9) record.traceId = hex(r.bytes());
    else if (field === 10) record.spanId = hex(r.bytes());
    else if (field === 12) record.eventName = text(r.bytes());
  });
  return record;
}

interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: { key: string; value: JsonAnyValue }[] };
}

function jsonValue(v: JsonAnyValue | undefined): WireValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue);
  if (v.kvlistValue) return jsonAttributes(v.kvlistValue.values);
  return null;
}

function jsonAttributes(list: { key: string; value: JsonAnyValue }[] | undefined): Record<string, WireValue> {
  const out: Record<string, WireValue> = {};
  for (const kv of list ?? []) out[kv.key] = jsonValue(kv.value);
  return out;
}

interface JsonLogsRequest {
  resourceLogs?: {
    resource?: { attributes?: { key: string; value: JsonAnyValue }[] };
    scopeLogs?: {
      scope?: { name?: string };
      logRecords?: {
        timeUnixNano?: string | number;
        severityNumber?: number;
        severityText?: string;
        eventName?: string;
        body?: JsonAnyValue;
        attributes?: { key: string; value: JsonAnyValue }[];
        traceId?: string;
        spanId?: string;
      }[];
    }[];
  }[];
}

/** ExportLogsServiceRequest (OTLP/JSON) → its log records. */
export function decodeLogsJson(buf: Uint8Array): WireLogRecord[] {
  const request = JSON.parse(text(buf)) as JsonLogsRequest;
  const records: WireLogRecord[] = [];
  for (const rl of request.resourceLogs ?? []) {
    const resource = jsonAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        records.push({
          timeUnixNano: BigInt(lr.timeUnixNano ?? 0),
          severityNumber: lr.severityNumber ?? 0,
          severityText: lr.severityText ?? '',
          eventName: lr.eventName ?? '',
          body: jsonValue(lr.body),
          attributes: jsonAttributes(lr.attributes),
          traceId: lr.traceId ?? '',
          spanId: lr.spanId ?? '',
          resource,
          scope: sl.scope?.name ?? '',
        });
      }
    }
  }
  return records;
}
