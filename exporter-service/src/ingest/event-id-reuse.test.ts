// A record's identity is its event id (DESIGN §5). A client that resends an id with a new
// timestamp gets the second record refused in partial_success (named), never acknowledged and then
// lost, never sealed beside the first: verification stays intact. A true retry (same id, same time)
// is a duplicate. The check reaches every stored row: across requests, within one request, after a
// restart, and in the archive table.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { complianceModule } from '../compliance/module.js';
import { archiveDue, moveToArchive } from '../retention/storage.js';
import { archivedColumn, auditSource } from '../store/audit-source.js';
import {
  startTestExporter,
  postLogs,
  requestRecord,
  type PostResult,
  tempDir,
} from '@auditlens/test-support';
import type { VerifyResult } from '../integrity/verify-result.js';

const dir = tempDir('event-id-reuse');
const TOKEN = 'reuse-admin';
let exporter: RunningExporter | undefined;
after(async () => {
  await exporter?.close();
  dir.remove();
});

const start = (): Promise<RunningExporter> =>
  startTestExporter(dir.path, {
    apiTokens: new Map([[TOKEN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule()],
  });

const partial = (result: PostResult): { rejectedLogRecords?: string; errorMessage?: string } =>
  (result.json?.partialSuccess ?? {}) as { rejectedLogRecords?: string; errorMessage?: string };

async function rowsOf(running: RunningExporter, id: string): Promise<{ ms: string; archived: number }[]> {
  return running.store.query(
    `SELECT toUnixTimestamp64Milli(event_time) AS ms, toUInt8(${archivedColumn(running.store)}) AS archived
     FROM ${auditSource(running.store, 'audit_request_log')} WHERE event_id = {id:UUID}`,
    { id },
  );
}

async function verify(running: RunningExporter): Promise<VerifyResult> {
  const response = await fetch(`${running.apiUrl}/api/v1/integrity/verify?tenant=acme`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as VerifyResult;
}

async function rejectedMetric(running: RunningExporter): Promise<number> {
  const text = await (await fetch(`${running.apiUrl}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('auditlens_records_rejected_total{reason="event_id_reused"}'));
  return Number(line?.split(' ').at(-1) ?? 0);
}

test('a reused event id with another time is refused and named; a retry is a duplicate; integrity stays intact', async () => {
  exporter = await start();
  const id = randomUUID();
  const t1 = Date.now() - 3600_000;
  const first = requestRecord({ timeMs: t1, attributes: { 'log.record.uid': id } });
  assert.deepEqual(partial(await postLogs(exporter.otlpUrl, [first])), {});

  // The same id, a new timestamp: refused in partial_success, the id named.
  const resent = requestRecord({ timeMs: t1 + 5000, attributes: { 'log.record.uid': id } });
  const answer = await postLogs(exporter.otlpUrl, [resent]);
  assert.equal(answer.status, 200);
  assert.equal(partial(answer).rejectedLogRecords, '1');
  assert.match(partial(answer).errorMessage ?? '', new RegExp(`event id ${id} is already used`));

  // A true retry (same id, same time) is acknowledged as stored already.
  assert.deepEqual(partial(await postLogs(exporter.otlpUrl, [first])), {});

  // Within one request: the first copy is stored, the one with another time refused.
  const id2 = randomUUID();
  const pair = [
    requestRecord({ timeMs: t1 + 1000, attributes: { 'log.record.uid': id2 } }),
    requestRecord({ timeMs: t1 + 2000, attributes: { 'log.record.uid': id2 } }),
  ];
  const both = await postLogs(exporter.otlpUrl, pair);
  assert.equal(partial(both).rejectedLogRecords, '1');
  assert.match(partial(both).errorMessage ?? '', new RegExp(id2));

  assert.deepEqual(
    (await rowsOf(exporter, id)).map((r) => [Number(r.ms), r.archived]),
    [[t1, 0]],
  );
  assert.deepEqual(
    (await rowsOf(exporter, id2)).map((r) => [Number(r.ms), r.archived]),
    [[t1 + 1000, 0]],
  );
  assert.equal(await rejectedMetric(exporter), 2);
  const result = await verify(exporter);
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.rows, 2);
});

test('after a restart and once archived, the id is still taken', async () => {
  await exporter?.close();
  exporter = await start();
  const [row] = await exporter.store.query<{ id: string; ms: string }>(
    `SELECT toString(event_id) AS id, toUnixTimestamp64Milli(event_time) AS ms FROM ${exporter.store.database}.audit_request_log
     ORDER BY event_time LIMIT 1`,
  );
  assert.ok(row);
  const again = requestRecord({ timeMs: Number(row.ms) + 7000, attributes: { 'log.record.uid': row.id } });
  assert.equal(partial(await postLogs(exporter.otlpUrl, [again])).rejectedLogRecords, '1');

  // Archive everything (as if a year had passed): the archived row still holds its id.
  const yearLater = Date.now() + 400 * 86_400_000;
  const due = await archiveDue(exporter.store, yearLater);
  assert.ok(due.some((m) => m.table === 'audit_request_log' && m.moved === 2));
  await moveToArchive(exporter.store, due, yearLater);
  assert.equal(partial(await postLogs(exporter.otlpUrl, [again])).rejectedLogRecords, '1');
  const retry = requestRecord({ timeMs: Number(row.ms), attributes: { 'log.record.uid': row.id } });
  assert.deepEqual(partial(await postLogs(exporter.otlpUrl, [retry])), {});
  assert.deepEqual(await rowsOf(exporter, row.id), [{ ms: row.ms, archived: 1 }]);
  assert.equal((await verify(exporter)).ok, true);
});
