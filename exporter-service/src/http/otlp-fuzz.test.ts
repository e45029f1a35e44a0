// Fuzzes the OTLP protobuf and JSON paths through the real receiver: random bytes and mutations
// of valid payloads. Whatever arrives, the exporter answers promptly with 200 (possibly with
// partial_success) or a 4xx — never a 5xx, a crash or a hang — and stays healthy. Seeded and
// reproducible: FUZZ_SEED and FUZZ_CASES override the defaults (npm run soak runs more cases).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Agent, request } from 'node:http';
import type { RunningExporter } from '../exporter.js';
import {
  logsRequestJson,
  logsRequestProtobuf,
  securityRecord,
  type TestRecord,
  seededRandom,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const dir = tempDir('fuzz');
let exporter: RunningExporter;
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

before(async () => {
  exporter = await startTestExporter(dir.path, { batch: { maxDelayMs: 20 } });
});
after(async () => {
  agent.destroy();
  await exporter.close();
  dir.remove();
});

function post(path: string, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${exporter.otlpUrl}${path}`,
      { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s for a ${contentType} case`)));
    req.on('error', reject);
    req.end(body);
  });
}

function sampleRecords(random: () => number): TestRecord[] {
  const count = 1 + Math.floor(random() * 4);
  return Array.from({ length: count }, () =>
    securityRecord({
      tenant: `fuzz-${Math.floor(random() * 3)}`,
      attributes: { 'audit.risk_level': 1 + Math.floor(random() * 4), 'app.n': Math.floor(random() * 1e6) },
    }),
  );
}

/** One mutation of a byte buffer: flip, overwrite, delete, duplicate or truncate. */
function mutate(bytes: Buffer, random: () => number): Buffer {
  const out = Buffer.from(bytes);
  const at = Math.floor(random() * Math.max(out.length, 1));
  switch (Math.floor(random() * 5)) {
    case 0:
      out[at] = (out[at] ?? 0) ^ (1 << Math.floor(random() * 8));
      return out;
    case 1:
      out[at] = Math.floor(random() * 256);
      return out;
    case 2:
      return Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 8))]);
    case 3:
      return Buffer.concat([out.subarray(0, at), out.subarray(at, at + 16), out.subarray(at)]);
    default:
      return out.subarray(0, at);
  }
}

/** A structural mutation of an OTLP/JSON object: replace some value by one of another type. */
function mutateJson(value: unknown, random: () => number, depth = 0): unknown {
  const replacements = [null, 0, -1, 1e308, '', 'x', 'ffff', true, [], {}, '18446744073709551616', [1, 'a']];
  if (random() < 0.08 || depth > 12) return replacements[Math.floor(random() * replacements.length)];
  if (Array.isArray(value)) return value.map((item) => mutateJson(item, random, depth + 1));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mutateJson(v, random, depth + 1)]));
  }
  return value;
}

test(`${CASES} fuzz cases (seed ${SEED}): no 5xx, no crash, no hang`, async () => {
  const random = seededRandom(SEED);
  const statuses = new Map<number, number>();
  const work: Promise<void>[] = [];
  for (let i = 0; i < CASES; i++) {
    const records = sampleRecords(random);
    const kind = Math.floor(random() * 5);
    const signal = random() < 0.8 ? '/v1/logs' : '/v1/traces';
    let body: Buffer;
    let type = 'application/x-protobuf';
    if (kind === 0)
      body = Buffer.from(
        Array.from({ length: Math.floor(random() * 512) }, () => Math.floor(random() * 256)),
      );
    else if (kind === 1) body = mutate(logsRequestProtobuf(records), random);
    else if (kind === 2) {
      body = mutate(Buffer.from(JSON.stringify(logsRequestJson(records))), random);
      type = 'application/json';
    } else {
      body = Buffer.from(JSON.stringify(mutateJson(logsRequestJson(records), random)));
      type = 'application/json';
    }
    const caseNumber = i;
    work.push(
      post(signal, body, type).then((status) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        assert.ok(
          status === 200 || (status >= 400 && status < 500),
          `case ${caseNumber} (seed ${SEED}) answered ${status}`,
        );
      }),
    );
    if (work.length >= 16) await Promise.all(work.splice(0));
  }
  await Promise.all(work);
  assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  const health = await fetch(`${exporter.apiUrl}/readyz`);
  assert.equal(health.status, 200, 'still ready after the fuzzing');
});
