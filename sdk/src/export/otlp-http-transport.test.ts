import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { OtlpCaptureServer, at } from '@auditlens/test-support';
import { OtlpHttpTransport } from './otlp-http-transport.js';

let server: OtlpCaptureServer;
before(async () => {
  server = await OtlpCaptureServer.start();
});
after(async () => {
  await server.close();
});

const payload = new TextEncoder().encode('pretend this is an OTLP request');

/** ExportLogsServiceResponse{partial_success{rejected_log_records: n, error_message: msg}} */
function partialSuccessProtobuf(rejected: number, message: string): Buffer {
  const msg = Buffer.from(message);
  const inner = Buffer.concat([Buffer.from([0x08, rejected, 0x12, msg.length]), msg]);
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
}

test('posts the bytes gzip-compressed with OTLP content type and configured headers', async () => {
  server.reply = () => ({ status: 200 });
  const transport = new OtlpHttpTransport({
    url: `${server.url}/v1/logs`,
    headers: { authorization: 'Bearer t' },
  });
  const outcome = await transport.send(payload);
  assert.deepEqual(outcome, { kind: 'accepted', rejectedRecords: 0, message: undefined });
  const request = at(server.requests, server.requests.length - 1);
  assert.equal(request.path, '/v1/logs');
  assert.equal(request.headers['content-type'], 'application/x-protobuf');
  assert.equal(request.headers['content-encoding'], 'gzip');
  assert.equal(request.headers.authorization, 'Bearer t');
  assert.deepEqual(new Uint8Array(request.body), payload);
  assert.notDeepEqual(new Uint8Array(request.raw), payload);
  transport.shutdown();
});

test('partial success (protobuf and JSON) reports the rejected count', async () => {
  server.reply = () => ({ status: 200, body: partialSuccessProtobuf(3, 'bad records') });
  const proto = new OtlpHttpTransport({ url: `${server.url}/v1/logs`, compression: 'none' });
  assert.deepEqual(await proto.send(payload), {
    kind: 'accepted',
    rejectedRecords: 3,
    message: 'bad records',
  });
  server.reply = () => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '2', errorMessage: 'two bad' } }),
  });
  const json = new OtlpHttpTransport({ url: `${server.url}/v1/logs`, encoding: 'json' });
  assert.deepEqual(await json.send(payload), { kind: 'accepted', rejectedRecords: 2, message: 'two bad' });
  assert.equal(at(server.requests, server.requests.length - 1).headers['content-type'], 'application/json');
  proto.shutdown();
  json.shutdown();
});

test('classifies failures: 503/429 with Retry-After, 5xx, 401 and network errors retryable; 400 final', async () => {
  const transport = new OtlpHttpTransport({ url: `${server.url}/v1/logs` });
  server.reply = () => ({ status: 503, headers: { 'retry-after': '7' }, body: 'store down' });
  assert.deepEqual(await transport.send(payload), {
    kind: 'retryable',
    reason: 'HTTP 503: store down',
    status: 503,
    retryAfterMs: 7000,
  });
  server.reply = () => ({ status: 429 });
  assert.equal((await transport.send(payload)).kind, 'retryable');
  server.reply = () => ({ status: 500 });
  assert.equal((await transport.send(payload)).kind, 'retryable');
  server.reply = () => ({ status: 401 });
  assert.equal((await transport.send(payload)).kind, 'retryable');
  server.reply = () => ({ status: 400, body: 'malformed' });
  assert.deepEqual(await transport.send(payload), {
    kind: 'rejected',
    reason: 'HTTP 400: malformed',
    status: 400,
  });
  transport.shutdown();

  const closed = await OtlpCaptureServer.start();
  const port = closed.port;
  await closed.close();
  const refused = new OtlpHttpTransport({ url: `http://127.0.0.1:${port}/v1/logs` });
  const outcome = await refused.send(payload);
  assert.equal(outcome.kind, 'retryable');
  refused.shutdown();
});

test('a backend that does not answer in time is a retryable failure', async () => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const transport = new OtlpHttpTransport({
    url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/logs`,
    timeoutMillis: 200,
  });
  const outcome = await transport.send(payload);
  assert.equal(outcome.kind, 'retryable');
  assert.match(outcome.kind === 'retryable' ? outcome.reason : '', /no response within 200 ms/);
  transport.shutdown();
  silent.closeAllConnections();
  await new Promise((resolve) => silent.close(resolve));
});
