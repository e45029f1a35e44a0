// The receiver against bad input (issue 2's list): each case gets a prompt 4xx or a per-record
// rejection, the service stays up, and other data is untouched. Runs the real exporter on the
// embedded store.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomBytes, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { RunningExporter } from '../exporter.js';
import {
  tempDir,
  attributes,
  logsRequestJson,
  logsRequestProtobuf,
  post,
  postLogs,
  securityRecord,
  type JsonAnyValue,
  startTestExporter,
} from '@auditlens/test-support';

const ALL = 'tok-all-5f1c';
const ACME = 'tok-acme-77aa';
const dir = tempDir('receiver');
let exporter: RunningExporter;
let logsUrl: string;
const json = (token = ALL) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
const proto = (token = ALL) => ({
  'content-type': 'application/x-protobuf',
  authorization: `Bearer ${token}`,
});

async function countRows(table: string, tenant: string): Promise<number> {
  const [row] = await exporter.store.query<{ n: string }>(
    `SELECT count() AS n FROM audit.${table} WHERE tenant_id = {tenant:String}`,
    { tenant },
  );
  return Number(row?.n);
}

/** Rows of a control tenant written first; every test ends by checking they are untouched. */
const CONTROL = 'control-tenant';
let controlRows = 0;

// 512 MiB of zeros gzipped: made before any connection is open. Made in the middle of the tests,
// its seconds of synchronous work held the event loop past the server's keep-alive timeout, and
// the client sent the bomb on a connection the server closed the next moment (ECONNRESET).
let bomb: Buffer;

before(async () => {
  bomb = gzipSync(Buffer.alloc(512 * 1024 * 1024), { level: 9 });
  exporter = await startTestExporter(dir.path, {
    maxBodyBytes: 4 * 1024 * 1024,
    ingestTokens: new Map([
      [ALL, { tenants: new Set(['*']) }],
      [ACME, { tenants: new Set(['acme']) }],
    ]),
  });
  logsUrl = `${exporter.otlpUrl}/v1/logs`;
  const seeded = await postLogs(
    exporter.otlpUrl,
    [securityRecord({ tenant: CONTROL }), securityRecord({ tenant: CONTROL })],
    ALL,
  );
  assert.equal(seeded.status, 200);
  controlRows = await countRows('audit_security_log', CONTROL);
  assert.equal(controlRows, 2);
});

after(async () => {
  // The service is still up and the control tenant's rows are intact after every bad input.
  const health = await fetch(`${exporter.apiUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await countRows('audit_security_log', CONTROL), controlRows);
  await exporter.close();
  dir.remove();
});

describe('whole-request errors get a prompt 4xx', () => {
  test('random bytes as protobuf → 400', async () => {
    const result = await post(logsUrl, randomBytes(4096), proto());
    assert.equal(result.status, 400);
  });

  test('truncated protobuf → 400 naming the message', async () => {
    const full = logsRequestProtobuf([securityRecord(), securityRecord()]);
    const result = await post(logsUrl, full.subarray(0, Math.floor(full.length / 2)), {
      ...proto(),
      accept: 'application/json',
    });
    assert.equal(result.status, 400);
  });

  test('wrong content type → 415', async () => {
    const result = await post(logsUrl, 'hello', {
      'content-type': 'text/plain',
      authorization: `Bearer ${ALL}`,
    });
    assert.equal(result.status, 415);
    assert.match(String(result.json?.message), /Content-Type/);
  });

  test('invalid JSON → 400', async () => {
    const result = await post(logsUrl, '{"resourceLogs": [', json());
    assert.equal(result.status, 400);
    assert.match(String(result.json?.message), /invalid OTLP JSON/);
  });

  for (const [name, body] of [
    ['a JSON array', '[]'],
    ['resourceLogs as a string', '{"resourceLogs":"x"}'],
    ['a body that is a number', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":5}]}]}]}'],
    ['a trace id that is not hex', '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]}'],
  ] as const) {
    test(`JSON of the wrong shape (${name}) → 400`, async () => {
      const result = await post(logsUrl, body, json());
      assert.equal(result.status, 400, JSON.stringify(result.json));
    });
  }

  test('a gzip bomb → 413 without inflating it into memory', async () => {
    assert.ok(bomb.length < 4 * 1024 * 1024, 'the bomb itself is under the body limit');
    const rssBefore = process.memoryUsage().rss;
    const result = await post(logsUrl, bomb, { ...json(), 'content-encoding': 'gzip' });
    assert.equal(result.status, 413);
    assert.match(String(result.json?.message), /decompressed request body exceeds/);
    const grownMiB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.ok(grownMiB < 128, `RSS grew by ${grownMiB.toFixed(0)} MiB`);
  });

  test('a body over the configured limit → 413', async () => {
    const result = await post(logsUrl, Buffer.alloc(5 * 1024 * 1024, 0x20), json());
    assert.equal(result.status, 413);
  });

  test('a body over the limit is read before the 413, so a client still sending gets the answer, not a closed connection', async () => {
    // Headers declaring 5 MiB (over the 4 MiB limit), then the body in two halves: the answer must
    // not come (and the connection must not close) before the second half is sent.
    const { hostname, port } = new URL(logsUrl);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    const half = Buffer.alloc(2.5 * 1024 * 1024, 0x20);
    let answer = '';
    let answeredEarly = false;
    let secondHalfSent = false;
    socket.on('data', (chunk: Buffer) => {
      if (!secondHalfSent) answeredEarly = true;
      answer += chunk.toString('latin1');
    });
    socket.write(
      `POST /v1/logs HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${ALL}\r\nContent-Length: ${2 * half.length}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.write(half, () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(answeredEarly, false, `answered before the body was sent: ${answer.slice(0, 80)}`);
    secondHalfSent = true;
    await new Promise<void>((resolve, reject) =>
      socket.write(half, (error) => (error ? reject(error) : resolve())),
    );
    await waitFor(() => answer.includes('\r\n\r\n') || socket.closed, 10_000);
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 413 /);
  });

  test('bad gzip → 400', async () => {
    const result = await post(logsUrl, Buffer.from('definitely not gzip'), {
      ...json(),
      'content-encoding': 'gzip',
    });
    assert.equal(result.status, 400);
    assert.match(String(result.json?.message), /invalid gzip body/);
  });

  test('invalid UTF-8 in a protobuf string field → 400', async () => {
    const marker = 'MARKER-STRING-XYZ';
    const body = logsRequestProtobuf([securityRecord({ body: marker })]);
    const at = body.indexOf(marker);
    body[at] = 0xff; // never valid in UTF-8
    const result = await post(logsUrl, body, proto());
    assert.equal(result.status, 400);
  });

  test('invalid UTF-8 in a JSON body → 400', async () => {
    const text = Buffer.from(JSON.stringify(logsRequestJson([securityRecord({ body: 'MARK' })])));
    text[text.indexOf('MARK')] = 0xc3; // a lead byte with no continuation
    const result = await post(logsUrl, text, json());
    assert.equal(result.status, 400);
    assert.match(String(result.json?.message), /UTF-8/);
  });

  test('no token → 401; unknown token → 401', async () => {
    const records = [securityRecord()];
    assert.equal((await postLogs(exporter.otlpUrl, records)).status, 401);
    assert.equal((await postLogs(exporter.otlpUrl, records, 'not-a-token')).status, 401);
  });
});

describe('record-level errors are rejected one by one; the rest of the batch is stored', () => {
  async function sendMixed(
    bad: ReturnType<typeof securityRecord>,
    tenant: string,
    extraAttribute?: { key: string; value: JsonAnyValue },
  ) {
    const good = securityRecord({ tenant });
    const request = logsRequestJson([good, bad]);
    if (extraAttribute) request.resourceLogs[0]?.scopeLogs[0]?.logRecords[1]?.attributes.push(extraAttribute);
    const result = await post(logsUrl, JSON.stringify(request), json());
    assert.equal(result.status, 200);
    const partial = result.json?.partialSuccess as { rejectedLogRecords: string; errorMessage: string };
    assert.equal(partial.rejectedLogRecords, '1');
    assert.equal(await countRows('audit_security_log', tenant), 1, 'the good record of the batch is stored');
    return partial.errorMessage;
  }

  test('a 1 MB attribute value', async () => {
    const message = await sendMixed(
      securityRecord({ attributes: { 'app.note': 'x'.repeat(1024 * 1024) } }),
      'big-attr',
    );
    assert.match(message, /app\.note: value of 1048576 bytes exceeds/);
  });

  test("an AnyValue nested deeper than 32 levels (arrays, within protobuf's own nesting bound)", async () => {
    let nested: JsonAnyValue = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) nested = { arrayValue: { values: [nested] } };
    const message = await sendMixed(securityRecord({ attributes: {} }), 'deep', {
      key: 'deep.value',
      value: nested,
    });
    assert.match(message, /deep\.value: value nested deeper than 32 levels/);
  });

  test('an AnyValue nested 2,000 deep → 400, over protobuf and JSON', async () => {
    // Built as text: JSON.stringify itself refuses nesting this deep.
    const depth = 2000;
    const nestedJson =
      '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth) +
      '{"stringValue":"leaf"}' +
      '}]}}'.repeat(depth);
    const request = JSON.stringify(logsRequestJson([securityRecord({ tenant: 'deep-2000' })]));
    const body = request.replace(
      '"attributes":[',
      `"attributes":[{"key":"deep.value","value":${nestedJson}},`,
    );
    const jsonResult = await post(logsUrl, body, json());
    assert.equal(jsonResult.status, 400);
    assert.match(String(jsonResult.json?.message), /nested more than 100 levels deep/);

    const shallow = await post(logsUrl, deeplyNestedRequest(3, 'deep-3'), proto());
    assert.equal(shallow.status, 200, 'the hand-written protobuf is valid when shallow');
    assert.equal(await countRows('audit_security_log', 'deep-3'), 1);
    const protoResult = await post(logsUrl, deeplyNestedRequest(depth, 'deep-2000'), proto());
    assert.equal(protoResult.status, 400);
    assert.equal(await countRows('audit_security_log', 'deep-2000'), 0);
  });

  test('a timestamp of 0', async () => {
    const message = await sendMixed(securityRecord({ timeMs: 0 }), 'time-zero');
    assert.match(message, /event time is 0/);
  });

  test('a timestamp in the year 2500 (protobuf) is rejected on its own', async () => {
    const message = await sendMixed(securityRecord({ timeMs: Date.UTC(2500, 0, 1) }), 'time-2500');
    assert.match(message, /2500-01-01.*in the future/);
  });

  test('a risk level outside 1–4', async () => {
    const message = await sendMixed(securityRecord({ attributes: { 'audit.risk_level': 9 } }), 'risk-9');
    assert.match(message, /audit\.risk_level: 9 is outside 1/);
  });

  test('an unparseable IP address', async () => {
    const message = await sendMixed(
      securityRecord({ attributes: { 'client.address': '999.1.1.1' } }),
      'bad-ip',
    );
    assert.match(message, /client\.address: "999\.1\.1\.1" is not an IP address/);
  });

  test('a missing required field', async () => {
    const bad = securityRecord();
    delete bad.attributes['audit.security.event_type'];
    const message = await sendMixed(bad, 'missing-field');
    assert.match(message, /audit\.security\.event_type: required for audit\.security/);
  });

  test('an event id that is not a UUID', async () => {
    const message = await sendMixed(securityRecord({ attributes: { 'log.record.uid': 'abc' } }), 'bad-uid');
    assert.match(message, /log\.record\.uid: "abc" is not a UUID/);
  });

  test('a tenant the token may not write', async () => {
    const own = securityRecord({ tenant: 'acme' });
    const foreign = securityRecord({ tenant: 'globex' });
    const result = await postLogs(exporter.otlpUrl, [own, foreign], ACME);
    assert.equal(result.status, 200);
    const partial = result.json?.partialSuccess as { rejectedLogRecords: string; errorMessage: string };
    assert.equal(partial.rejectedLogRecords, '1');
    assert.match(partial.errorMessage, /tenant "globex" is not allowed for this token/);
    assert.equal(await countRows('audit_security_log', 'globex'), 0);
    assert.equal(await countRows('audit_security_log', 'acme'), 1);
  });

  test('a record naming no tenant is written to the token’s only tenant', async () => {
    const record = securityRecord();
    delete record.attributes['audit.tenant_id'];
    const uid = String(record.attributes['log.record.uid']);
    const result = await postLogs(exporter.otlpUrl, [record], ACME);
    assert.equal(result.status, 200);
    const rows = await exporter.store.query<{ tenant_id: string }>(
      'SELECT tenant_id FROM audit.audit_security_log WHERE event_id = {id:UUID}',
      { id: uid },
    );
    assert.deepEqual(rows, [{ tenant_id: 'acme' }]);
  });

  test('audit.access records cannot be forged over OTLP', async () => {
    const forged = { ...securityRecord({ tenant: 'forge' }), eventName: 'audit.access' };
    const message = await sendMixed(forged, 'forge');
    assert.match(message, /written by the exporter itself/);
  });
});

test('a timestamp in the year 3000 does not fit OTLP nanoseconds: JSON → 400, never a wrapped time', async () => {
  const request = logsRequestJson([securityRecord({ tenant: 'time-3000', timeMs: Date.UTC(3000, 0, 1) })]);
  const result = await post(logsUrl, JSON.stringify(request), json());
  assert.equal(result.status, 400);
  assert.match(
    String(result.json?.message),
    /timeUnixNano: "32503680000000000000" is not a uint64 nanosecond timestamp/,
  );
  assert.equal(await countRows('audit_security_log', 'time-3000'), 0);
});

test('SQL metacharacters in every string field are stored verbatim', async () => {
  const nasty = `'; DROP TABLE audit.audit_request_log; -- \\' " \` {x:String} $1 \n\t\u0000 ${'\u202e'}ü中`;
  const tenant = 'sql-meta';
  const uid = randomUUID();
  const stringAttributes = {
    'user.id': nasty,
    'user.name': nasty,
    'session.id': nasty,
    'user_agent.original': nasty,
    'audit.module': nasty,
    'audit.operation': nasty,
    'http.request.method': nasty,
    'url.path': nasty,
    'url.query': nasty,
    'http.route': nasty,
    'audit.request.params': nasty,
    'audit.request.headers': nasty,
    'audit.request.body': nasty,
    'error.type': nasty,
    'audit.error.message': nasty,
    [nasty]: nasty,
  };
  const result = await post(
    logsUrl,
    JSON.stringify(
      logsRequestJson(
        [
          {
            eventName: 'audit.request',
            body: nasty,
            attributes: { 'log.record.uid': uid, 'audit.tenant_id': tenant, ...stringAttributes },
          },
        ],
        { 'service.name': nasty },
      ),
    ),
    json(),
  );
  assert.equal(result.status, 200, JSON.stringify(result.json));
  const [row] = await exporter.store.query<Record<string, unknown>>(
    `SELECT user_id, username, session_id, user_agent, module, operation_name, http_method, url_path, url_query,
            http_route, request_params, request_headers, request_body, error_type, error_message, description,
            service, attributes
     FROM audit.audit_request_log WHERE tenant_id = {tenant:String}`,
    { tenant },
  );
  assert.ok(row);
  for (const [column, value] of Object.entries(row)) {
    if (column === 'attributes') assert.deepEqual(value, { [nasty]: nasty }, column);
    else assert.equal(value, nasty, column);
  }
  assert.equal(await countRows('audit_request_log', tenant), 1);
});

test('protobuf and JSON answers are encoded like the request', async () => {
  const protoResult = await post(logsUrl, logsRequestProtobuf([securityRecord({ timeMs: 0 })]), proto());
  assert.equal(protoResult.status, 200);
  assert.equal(protoResult.headers.get('content-type'), 'application/x-protobuf');
  assert.ok(protoResult.bytes.length > 0, 'partial_success is encoded');
});

test('a retried identical request stores no duplicate rows, even for a plain count()', async () => {
  const tenant = 'retry';
  const [first, second, third] = [
    securityRecord({ tenant }),
    securityRecord({ tenant }),
    securityRecord({ tenant }),
  ];
  const records = [first, second, third];
  const body = logsRequestProtobuf(records);
  for (let attempt = 0; attempt < 3; attempt++)
    assert.equal((await post(logsUrl, body, proto())).status, 200);
  // The same records again, cut differently across two requests and over JSON.
  assert.equal((await postLogs(exporter.otlpUrl, [first, second], ALL)).status, 200);
  assert.equal((await postLogs(exporter.otlpUrl, [third, third], ALL)).status, 200);
  assert.equal(await countRows('audit_security_log', tenant), 3);
  const [metric] =
    (await (await fetch(`${exporter.apiUrl}/metrics`)).text()).match(
      /^auditlens_rows_deduplicated_total \d+/m,
    ) ?? [];
  assert.ok(metric && Number(metric.split(' ')[1]) >= 10, metric);
});

test('records without log.record.uid get a deterministic id, so their retries deduplicate too', async () => {
  const tenant = 'no-uid';
  const record = securityRecord({ tenant, timeMs: Date.now() - 1000 });
  delete record.attributes['log.record.uid'];
  for (let attempt = 0; attempt < 2; attempt++)
    assert.equal((await postLogs(exporter.otlpUrl, [record], ALL)).status, 200);
  assert.equal(await countRows('audit_security_log', tenant), 1);
});

test('unknown EventNames are skipped and counted, not rejected', async () => {
  const result = await post(
    logsUrl,
    JSON.stringify(
      logsRequestJson([
        { eventName: 'app.debug', attributes: {} },
        { eventName: '', attributes: { x: 1 } },
      ]),
    ),
    json(),
  );
  assert.equal(result.status, 200);
  assert.equal(result.json?.partialSuccess, undefined);
  const metrics = await (await fetch(`${exporter.apiUrl}/metrics`)).text();
  assert.match(metrics, /auditlens_records_skipped_total\{signal="logs"\} [1-9]/);
});

test('HTTP server spans become request rows; other spans are skipped', async () => {
  const traceId = randomBytes(16).toString('hex');
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (kind: number, name: string, extra: Record<string, unknown>) => ({
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name,
    kind,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 25_000_000n),
    attributes: attributes(extra),
    status: { code: 0 },
  });
  const body = {
    resourceSpans: [
      {
        resource: {
          attributes: attributes({ 'service.name': 'plain-otel-app', 'audit.tenant_id': 'spans' }),
        },
        scopeSpans: [
          {
            spans: [
              span(2, 'DELETE /admin/users/:id', {
                'http.request.method': 'DELETE',
                'url.path': '/admin/users/9',
                'http.route': '/admin/users/:id',
                'http.response.status_code': 403,
                'client.address': '2001:db8::1',
              }),
              span(3, 'SELECT users', { 'db.system.name': 'postgresql' }),
              span(2, 'already recorded', { 'http.request.method': 'GET', 'audit.recorded': true }),
            ],
          },
        ],
      },
    ],
  };
  const result = await post(`${exporter.otlpUrl}/v1/traces`, JSON.stringify(body), json());
  assert.equal(result.status, 200);
  const rows = await exporter.store.query<Record<string, unknown>>(
    `SELECT http_method, url_path, status_code, result, risk_level, duration_ms, toString(ip_address) AS ip
     FROM audit.audit_request_log WHERE trace_id = {trace:String}`,
    { trace: traceId },
  );
  assert.deepEqual(rows, [
    {
      http_method: 'DELETE',
      url_path: '/admin/users/9',
      status_code: 403,
      result: 'denied',
      risk_level: 3,
      duration_ms: 25,
      ip: '2001:db8::1',
    },
  ]);
});

// Adversarial protobuf is written by hand: a normal encoder refuses (or overflows on) what we need.
function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** A length-delimited field. */
function field(number: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
}

/** An ExportLogsServiceRequest with one audit.security record whose attribute is nested `depth` kvlists deep. */
function deeplyNestedRequest(depth: number, tenant: string): Buffer {
  let value: Buffer = field(1, Buffer.from('leaf')); // AnyValue.string_value
  for (let i = 0; i < depth; i++) {
    const keyValue = Buffer.concat([field(1, Buffer.from('k')), field(2, value)]); // KeyValue
    value = field(6, field(1, keyValue)); // AnyValue.kvlist_value { values }
  }
  const attribute = (key: string, anyValue: Buffer) =>
    field(6, Buffer.concat([field(1, Buffer.from(key)), field(2, anyValue)]));
  const time = Buffer.alloc(9);
  time[0] = 0x09; // field 1, fixed64
  time.writeBigUInt64LE(BigInt(Date.now()) * 1_000_000n, 1);
  const logRecord = Buffer.concat([
    time,
    field(12, Buffer.from('audit.security')),
    attribute('audit.tenant_id', field(1, Buffer.from(tenant))),
    attribute('audit.security.event_type', field(1, Buffer.from('LOGIN_FAILED'))),
    attribute('deep.value', value),
  ]);
  return field(1, field(2, field(2, logRecord))); // resource_logs { scope_logs { log_records } }
}

/** Resolves once the condition holds (polled every 10 ms), or after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
