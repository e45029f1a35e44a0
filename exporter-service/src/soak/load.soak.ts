// Soak (npm run soak; not part of npm test): the exporter, in its own process, takes sustained
// OTLP traffic for SOAK_MINUTES (default 10) at SOAK_RATE records/s (default 2,000). Every valid
// record is accepted and stored exactly once, and the exporter's RSS stays flat. Then an
// overload burst: the exporter answers 429/503 with Retry-After — never a crash, never another
// 5xx — and is still ready afterwards.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EmbeddedStore } from '../store/embedded.js';
import { logsRequestProtobuf, securityRecord, type TestRecord, tempDir } from '@auditlens/test-support';

const MINUTES = Number(process.env.SOAK_MINUTES ?? '10');
const RATE = Number(process.env.SOAK_RATE ?? '2000');
const BATCH = 200;
const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../test-output/soak-load.json', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function mixedRecords(n: number, tenant: string): TestRecord[] {
  return Array.from({ length: n }, (_, i) =>
    securityRecord({
      tenant,
      attributes: {
        'audit.security.event_type': i % 3 === 0 ? 'PERMISSION_DENIED' : 'LOGOUT',
        'user.id': `u-${i % 500}`,
        'client.address': `10.0.${i % 200}.${i % 250}`,
        'app.note': 'x'.repeat(100 + (i % 400)),
      },
    }),
  );
}

async function startExporter(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; otlp: string; api: string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      AUDITLENS_DATA_DIR: dataDir,
      AUDITLENS_HOST: '127.0.0.1',
      AUDITLENS_LOG_LEVEL: 'error',
      ...env,
    },
    stdio: 'ignore',
  });
  const otlp = `http://127.0.0.1:${env.AUDITLENS_OTLP_PORT}`;
  const api = `http://127.0.0.1:${env.AUDITLENS_API_PORT}`;
  for (let i = 0; i < 300; i++) {
    if ((await fetch(`${api}/readyz`).catch(() => undefined))?.ok) return { child, otlp, api };
    await sleep(100);
  }
  throw new Error('the exporter did not become ready');
}

test(
  `sustained ingest for ${MINUTES} min at ${RATE} records/s: all stored once, flat memory; overload answered 429/503`,
  { timeout: (MINUTES * 60 + 300) * 1000 },
  async () => {
    const dir = tempDir('soak');
    const ports = {
      AUDITLENS_OTLP_PORT: '24418',
      AUDITLENS_OTLP_GRPC_PORT: '24417',
      AUDITLENS_API_PORT: '28180',
    };
    const { child, otlp, api } = await startExporter(dir.path, {
      ...ports,
      AUDITLENS_MAX_QUEUED_ROWS: '50000',
    });
    const samples: { at: number; rssMiB: number }[] = [];
    let sent = 0;
    const statuses = new Map<number, number>();
    let partial = 0;
    try {
      const started = Date.now();
      const sampler = setInterval(
        () => samples.push({ at: Date.now() - started, rssMiB: rssMiB(child.pid ?? 0) }),
        5000,
      );
      const body = (n: number) => logsRequestProtobuf(mixedRecords(n, 'soak'));
      const headers = { 'content-type': 'application/x-protobuf' };
      while (Date.now() - started < MINUTES * 60_000) {
        const tick = Date.now();
        const requests = Math.max(1, Math.round(RATE / BATCH));
        const answers = await Promise.all(
          Array.from({ length: requests }, () =>
            fetch(`${otlp}/v1/logs`, { method: 'POST', body: body(BATCH), headers }),
          ),
        );
        for (const answer of answers) {
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const bytes = Buffer.from(await answer.arrayBuffer());
          if (answer.status === 200) {
            sent += BATCH;
            if (bytes.length > 0) partial++;
          }
        }
        await sleep(Math.max(0, 1000 - (Date.now() - tick)));
      }
      clearInterval(sampler);

      // Overload: far more in flight than the queue bound allows.
      const burst = await Promise.all(
        Array.from({ length: 64 }, () =>
          fetch(`${otlp}/v1/logs`, { method: 'POST', body: body(2000), headers }).then(async (r) => {
            await r.arrayBuffer();
            return { status: r.status, retryAfter: r.headers.get('retry-after') };
          }),
        ),
      );
      const burstStatuses = burst.map((b) => b.status);
      const accepted = burst.filter((b) => b.status === 200).length;
      assert.ok(
        burst.every((b) => b.status === 200 || ((b.status === 429 || b.status === 503) && b.retryAfter)),
        `burst answers: ${burstStatuses.join(',')}`,
      );
      assert.ok(burstStatuses.includes(429), 'the queue bound was reached and refused');
      assert.equal((await fetch(`${api}/readyz`)).status, 200, 'still ready after the burst');
      sent += accepted * 2000;

      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      const store = EmbeddedStore.inDataDir(dir.path, 'audit');
      let stored = 0;
      try {
        const [row] = await store.query<{ n: string }>(
          "SELECT count() AS n FROM audit.audit_security_log WHERE tenant_id = 'soak'",
        );
        stored = Number(row?.n);
      } finally {
        await store.close();
      }

      const half = samples.filter((s) => s.at >= (MINUTES * 60_000) / 2);
      const firstHalfMax = Math.max(
        ...samples.filter((s) => s.at < (MINUTES * 60_000) / 2).map((s) => s.rssMiB),
      );
      const secondHalfMax = Math.max(...half.map((s) => s.rssMiB));
      const figures = {
        minutes: MINUTES,
        targetRate: RATE,
        achievedRate: Math.round((sent - accepted * 2000) / (MINUTES * 60)),
        sent,
        stored,
        statuses: Object.fromEntries(statuses),
        partialSuccesses: partial,
        rssMiB: { start: samples[0]?.rssMiB, firstHalfMax, secondHalfMax, end: samples.at(-1)?.rssMiB },
        burst: Object.fromEntries(
          burstStatuses.reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<number, number>()),
        ),
      };
      mkdirSync(join(RESULTS, '..'), { recursive: true });
      writeFileSync(RESULTS, JSON.stringify(figures, null, 2));
      console.log(JSON.stringify(figures));
      assert.deepEqual([...statuses.keys()], [200], 'every valid record accepted at the sustained rate');
      assert.equal(partial, 0, 'no record rejected');
      assert.equal(stored, sent, 'stored exactly what was acknowledged');
      assert.ok(
        secondHalfMax <= firstHalfMax * 1.25 + 32,
        `memory flat: first half max ${firstHalfMax.toFixed(0)} MiB, second ${secondHalfMax.toFixed(0)} MiB`,
      );
    } finally {
      child.kill('SIGKILL');
      dir.remove();
    }
  },
);
