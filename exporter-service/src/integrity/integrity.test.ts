// Tamper evidence end to end: records arrive over OTLP and are sealed in signed hash-chain
// checkpoints; each kind of tampering with the stored rows is detected (API and CLI), an
// untouched tenant verifies intact, the chain survives a restart and a crash between commit
// and checkpoint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config.js';
import type { RunningExporter } from '../exporter.js';
import { securityAuditRow } from '../testing/rows.js';
import { AUDIT_TABLES } from '../mapping/kinds.js';
import { formatTime } from '../mapping/fields.js';
import { complianceModule } from '../compliance/module.js';
import { selfAuditModule } from '../self-audit/self-audit.js';
import { EmbeddedStore } from '../store/embedded.js';
import { postLogs, requestRecord, securityRecord, tempDir, startTestExporter } from '@auditlens/test-support';
import { CanonicalSchema } from './canonical.js';
import { batchDigest, chainDigest, checkpointFromStore, signedMessage } from './checkpoint.js';
import { keyIdOf } from './keys.js';
import type { VerifyResult } from './verify-result.js';

const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));
const ADMIN = 'integrity-admin-token';
const dir = tempDir('integrity');
let exporter: RunningExporter;
const base = Date.now() - 3600_000;

async function start(): Promise<RunningExporter> {
  return startTestExporter(dir.path, {
    apiTokens: new Map([[ADMIN, { role: 'admin' as const, tenants: new Set(['*']) }]]),
    compliance: { ...loadConfig({}).compliance, reportSchedule: undefined, archiveIntervalMinutes: 0 },
    modules: [complianceModule(), selfAuditModule()],
  });
}

async function verify(tenant: string): Promise<VerifyResult> {
  const response = await fetch(`${exporter.apiUrl}/api/v1/integrity/verify?tenant=${tenant}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()) as VerifyResult;
}

/** Three OTLP batches of security records (three checkpoints) and one of requests. */
async function seed(tenant: string, offsetMs = 0): Promise<void> {
  for (let batch = 0; batch < 3; batch++) {
    const records = Array.from({ length: 20 }, (_, i) =>
      securityRecord({
        tenant,
        timeMs: base + offsetMs + batch * 60_000 + i * 1000,
        attributes: { 'user.id': `u-${i % 3}`, 'audit.duration_ms': 0.1 * i },
      }),
    );
    assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
  }
  const requests = Array.from({ length: 5 }, (_, i) =>
    requestRecord({
      tenant,
      timeMs: base + offsetMs + i * 500,
      attributes: {
        'url.path': `/items/${i}`,
        'client.address': '2001:db8::7',
        'audit.duration_ms': 12.5 + i,
      },
    }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, requests)).status, 200);
}

async function oneEventId(tenant: string, table = 'audit_security_log'): Promise<string> {
  const [row] = await exporter.store.query<{ id: string }>(
    `SELECT toString(event_id) AS id FROM audit.${table} WHERE tenant_id = {tenant:String} ORDER BY event_time LIMIT 1 OFFSET 25`,
    { tenant },
  );
  assert.ok(row);
  return row.id;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', AUDITLENS_DATA_DIR: dir.path, AUDITLENS_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  exporter = await start();
  for (const [i, tenant] of ['clean', 'altered', 'deleted', 'oob', 'forged', 'chain', 'many'].entries()) {
    await seed(tenant, i * 7);
  }
});

after(async () => {
  await exporter.close();
  dir.remove();
});

test('an untouched tenant verifies intact: every row sealed in signed, linked checkpoints', async () => {
  const result = await verify('clean');
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.rows, 65);
  assert.ok(result.checkpoints >= 4, `${result.checkpoints} checkpoints`);
  assert.equal(result.firstBroken, null);
  const security = result.chains.find((c) => c.table === 'audit_security_log');
  assert.equal(security?.firstSequence, 1);
  assert.equal(security?.lastSequence, 3);
  // The verification itself was an access to audit data, recorded (and sealed) like any record.
  const [access] = await exporter.store.query<{ n: string }>(
    "SELECT count() AS n FROM audit.audit_access_log WHERE tenant_id = 'clean' AND access_type = 'verify'",
  );
  assert.equal(Number(access?.n), 1);
  const again = await verify('clean');
  assert.equal(again.ok, true, JSON.stringify(again.problems));
  assert.equal(again.rows, 66, 'the first verification’s access record is sealed too');
});

test('a row altered with ALTER TABLE … UPDATE is reported as row_altered', async () => {
  const id = await oneEventId('altered');
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE user_id = 'mallory' WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id },
  );
  const result = await verify('altered');
  assert.equal(result.ok, false);
  assert.equal(result.problemCount, 1);
  assert.equal(result.firstBroken?.table, 'audit_security_log');
  assert.equal(result.firstBroken?.sequence, 2);
  assert.deepEqual(
    result.firstBroken?.problems.map((p) => [p.kind, p.eventId]),
    [['row_altered', id]],
  );
});

test('a row removed with ALTER TABLE … DELETE is reported as row_missing', async () => {
  const id = await oneEventId('deleted');
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log DELETE WHERE event_id = {id:UUID} SETTINGS mutations_sync = 2`,
    { id },
  );
  const result = await verify('deleted');
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.eventId]),
    [['row_missing', id]],
  );
});

test('a row inserted behind the exporter’s back is reported as row_out_of_band', async () => {
  const [template] = await exporter.store.query<Record<string, unknown>>(
    "SELECT * FROM audit.audit_security_log WHERE tenant_id = 'oob' LIMIT 1",
  );
  assert.ok(template);
  const forged = {
    ...template,
    event_id: randomUUID(),
    user_id: 'ghost',
    received_at: formatTime(Date.now() - 600_000),
  };
  await exporter.store.insertJsonLines('audit_security_log', JSON.stringify(forged));
  // A copy of a sealed row under its own event id, changed, is out of band too.
  const copy = { ...template, description: 'rewritten', received_at: formatTime(Date.now() - 600_000) };
  await exporter.store.insertJsonLines('audit_security_log', JSON.stringify(copy));
  const result = await verify('oob');
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.eventId]).sort(),
    [
      ['row_out_of_band', String(template.event_id)],
      ['row_out_of_band', forged.event_id],
    ].sort(),
  );
});

test('a forged checkpoint (right chain, wrong key) is reported as checkpoint_signature_invalid', async () => {
  const [head] = (
    await exporter.store.query<Record<string, unknown>>(
      `SELECT * FROM audit.audit_integrity_checkpoint WHERE tenant_id = 'forged' AND table_name = 'audit_security_log'
       ORDER BY sequence DESC LIMIT 1`,
    )
  ).map(checkpointFromStore);
  assert.ok(head);
  // The attacker adds a row and a checkpoint that covers it, consistent in every digest and
  // linked to the real head, but cannot sign with the exporter's key.
  const [template] = await exporter.store.query<Record<string, unknown>>(
    "SELECT * FROM audit.audit_security_log WHERE tenant_id = 'forged' LIMIT 1",
  );
  assert.ok(template);
  const row: Record<string, unknown> = {
    ...template,
    event_id: randomUUID(),
    user_id: 'planted',
    received_at: formatTime(Date.now() - 600_000),
  };
  await exporter.store.insertJsonLines('audit_security_log', JSON.stringify(row));
  const schema = await CanonicalSchema.load(exporter.store, AUDIT_TABLES);
  const fields = {
    tenant_id: 'forged',
    table_name: 'audit_security_log',
    writer_id: head.writer_id,
    sequence: head.sequence + 1,
    first_event_time: String(row.event_time),
    last_event_time: String(row.event_time),
    row_count: 1,
    min_retention_days: 65535,
    batch_digest: batchDigest([String(row.event_id)], [schema.digest('audit_security_log', row)]),
    previous_digest: head.chain_digest,
  };
  const chain = chainDigest(fields);
  const { privateKey } = generateKeyPairSync('ed25519');
  const forged = {
    ...fields,
    event_ids: [String(row.event_id)],
    row_digests: [schema.digest('audit_security_log', row)],
    chain_digest: chain,
    key_id: head.key_id,
    signature: sign(null, signedMessage(head.key_id, chain), privateKey).toString('base64'),
  };
  await exporter.store.insertJsonLines('audit_integrity_checkpoint', JSON.stringify(forged));
  const result = await verify('forged');
  assert.equal(result.ok, false);
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.sequence]),
    [['checkpoint_signature_invalid', head.sequence + 1]],
  );
  // Signed with the attacker's own key instead: that key is not trusted.
  const ownKeyId = keyIdOf(generateKeyPairSync('ed25519').publicKey);
  await exporter.store.command(
    `ALTER TABLE audit.audit_integrity_checkpoint UPDATE key_id = {key:String}
     WHERE tenant_id = 'forged' AND sequence = {seq:UInt64} SETTINGS mutations_sync = 2`,
    { key: ownKeyId, seq: head.sequence + 1 },
  );
  const again = await verify('forged');
  assert.match(again.problems[0]?.detail ?? '', /not a trusted key/);
});

test('a removed checkpoint breaks the chain and leaves its rows unprotected', async () => {
  // Rows received in the last minute may still be on their way to a checkpoint (another
  // writer's); these were received "an hour ago" (received_at is server metadata, not sealed).
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE received_at = received_at - toIntervalHour(1)
     WHERE tenant_id = 'chain' SETTINGS mutations_sync = 2`,
  );
  await exporter.store.command(
    `ALTER TABLE audit.audit_integrity_checkpoint DELETE
     WHERE tenant_id = 'chain' AND table_name = 'audit_security_log' AND sequence = 2 SETTINGS mutations_sync = 2`,
  );
  const result = await verify('chain');
  assert.equal(result.ok, false);
  const kinds = new Map<string, number>();
  for (const p of result.problems) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
  assert.equal(kinds.get('checkpoint_missing'), 1);
  assert.equal(kinds.get('row_out_of_band'), 20);
});

test('CLI: exit 0 when intact, 1 when broken; auditors verify with the exported public key only', async () => {
  const [latest] = await exporter.store.query<{ n: string }>(
    "SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = 'clean'",
  );
  assert.equal(Number(latest?.n), 60);
  // Tenant `many`: two of its three users' rows altered, more problems than the text lists.
  await exporter.store.command(
    `ALTER TABLE audit.audit_security_log UPDATE user_id = 'mallory'
     WHERE tenant_id = 'many' AND user_id IN ('u-1', 'u-2') SETTINGS mutations_sync = 2`,
  );
  await exporter.close(); // embedded store: one process at a time
  assert.equal(
    statSync(join(dir.path, 'integrity', 'signing-key.pem')).mode & 0o777,
    0o600,
    'key file mode 0600',
  );
  const pem = join(dir.path, 'auditor.pem');
  const exported = await cli(['integrity', 'public-key', '--out', pem]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(readFileSync(pem, 'utf8'), /BEGIN PUBLIC KEY/);
  const intact = await cli(['verify', '--tenant', 'clean', '--public-key', pem]);
  assert.equal(intact.code, 0, intact.stdout + intact.stderr);
  assert.match(intact.stdout, /INTACT/);
  const broken = await cli(['verify', '--tenant', 'altered', '--public-key', pem, '--json']);
  assert.equal(broken.code, 1, broken.stderr);
  const parsed = JSON.parse(broken.stdout) as VerifyResult;
  assert.equal(parsed.firstBroken?.problems[0]?.kind, 'row_altered');
  // In chunks of seven rows: the same verdict, memory bounded by the chunk.
  const chunked = await cli([
    'verify',
    '--tenant',
    'altered',
    '--public-key',
    pem,
    '--json',
    '--chunk-rows',
    '7',
  ]);
  assert.equal(chunked.code, 1, chunked.stderr);
  const inChunks = JSON.parse(chunked.stdout) as VerifyResult;
  assert.ok(inChunks.chunks > 5, `${inChunks.chunks} chunks`);
  assert.deepEqual(inChunks.problems, parsed.problems);
  assert.equal((await cli(['verify', '--tenant', 'clean', '--chunk-rows', '0'])).code, 2);
  // Exit codes: a usage error is not "broken" (1), a tenant without data is not "intact" (0).
  const usage = await cli(['verify']);
  assert.equal(usage.code, 2, 'a required option is missing: usage error');
  assert.match(usage.stderr, /--tenant/);
  const empty = await cli(['verify', '--tenant', 'nobody', '--public-key', pem]);
  assert.equal(empty.code, 3, empty.stdout + empty.stderr);
  assert.match(empty.stdout, /NO DATA: no rows and no checkpoints in the period/);
  assert.doesNotMatch(empty.stdout, /INTACT/);
  const help = await cli(['verify', '--help']);
  assert.equal(help.code, 0);
  for (const code of ['0  intact', '1  broken', '2  usage', '3  no data', '4  could not verify'])
    assert.ok(help.stdout.includes(code), `--help lists exit ${code}`);
  // Every counted problem is listed, or counted with the way to list it.
  const many = await cli(['verify', '--tenant', 'many', '--public-key', pem]);
  assert.equal(many.code, 1, many.stderr);
  const count = Number(/BROKEN: (\d+) problems/.exec(many.stdout)?.[1]);
  assert.ok(count > 20, `${count} problems`);
  const listed = many.stdout.split('\n').filter((line) => line.startsWith('  row_altered '));
  assert.equal(listed.length, 20);
  assert.match(
    many.stdout,
    new RegExp(`and ${count - 20} more: --json lists the first ${count} with every field`),
  );
  const manyJson = JSON.parse(
    (await cli(['verify', '--tenant', 'many', '--public-key', pem, '--json'])).stdout,
  );
  assert.equal((manyJson as VerifyResult).problems.length, count);
});

test('a crash between commit and checkpoint: the journal seals the committed rows at the next start', async () => {
  // The exporter is stopped (previous test). Simulate a crash after the insert committed and
  // before its checkpoint was stored: rows in the table, their intent in the journal.
  const writerId = readFileSync(join(dir.path, 'integrity', 'writer-id'), 'utf8').trim();
  const store = new EmbeddedStore(join(dir.path, 'clickhouse'), 'audit');
  const schema = await CanonicalSchema.load(store, AUDIT_TABLES);
  const rows = Array.from({ length: 4 }, (_, i) => securityAuditRow('crash', base + i * 1000));
  const journal = join(dir.path, 'integrity', 'journal', writerId);
  mkdirSync(journal, { recursive: true });
  writeFileSync(
    join(journal, 'audit_security_log.jsonl'),
    `${JSON.stringify({
      id: randomUUID(),
      table: 'audit_security_log',
      at: Date.now(),
      rows: rows.map((r) => [
        r.tenantId,
        r.eventId,
        r.values.event_time,
        schema.digest(r.table, r.values),
        2555,
      ]),
    })}\n{"torn":`,
  );
  await store.insertJsonLines('audit_security_log', rows.map((r) => JSON.stringify(r.values)).join('\n'));
  await store.close();

  exporter = await start();
  const result = await verify('crash');
  assert.equal(result.ok, true, JSON.stringify(result.problems));
  assert.equal(result.rows, 4);
  // The chain of an existing tenant continues after the restart (head recovered, no fork).
  await seed('clean', 99);
  const clean = await verify('clean');
  assert.equal(clean.ok, true, JSON.stringify(clean.problems));
  const security = clean.chains.find((c) => c.table === 'audit_security_log');
  assert.equal(security?.firstSequence, 1);
  assert.equal(security?.lastSequence, 6);
});
