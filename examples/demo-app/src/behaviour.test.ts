// The demo's traffic gives the behaviour pages something to find (issue 19): played through the
// SDK-instrumented demo app into an exporter, four rounds make a user who goes rogue (wangwu, an
// access-denied streak from a new client, found by the name the auditor knows) and an account
// taken over (zhangsan, in round 3).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { initAudit } from '@auditlens/sdk';
import type { Profile, Suspicious, UserLookup } from '@auditlens/contract/rest';
import { startTestExporter, tempDir, waitUntil } from '@auditlens/test-support';
import { createDemoApp } from './app.js';
import { initialiseSystem } from './system-init.js';
import { TrafficGenerator } from './traffic.js';
import { UserRepository } from './users.js';

test(
  'four rounds of demo traffic show a rogue user and an account takeover',
  { timeout: 240_000 },
  async () => {
    const dir = tempDir('demo-behaviour');
    const exporter = await startTestExporter(path.join(dir.path, 'exporter'));
    try {
      const spoolDir = path.join(dir.path, 'spool');
      mkdirSync(spoolDir, { recursive: true });
      // A loaded machine's exporter can take longer than the SDK's 10 s per request to commit.
      const audit = initAudit({
        serviceName: 'auditlens-demo',
        endpoint: exporter.otlpUrl,
        spoolDir,
        tenant: 'tenant_001',
        timeoutMillis: 60_000,
      });
      const users = new UserRepository(audit);
      initialiseSystem(audit, users);
      const server = createDemoApp(audit, users).listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', resolve));
      const { port } = server.address() as { port: number };
      try {
        const traffic = new TrafficGenerator({ baseUrl: `http://127.0.0.1:${port}` });
        for (let round = 0; round < 4; round++) await traffic.playRound();
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        // Delivered, not spooled: shutdown alone spools what its short deadline leaves (a loaded machine).
        await audit.forceFlush(60_000);
        await audit.shutdown();
      }
      const wangwu = String(users.findByUsername('wangwu')?.id);
      const zhangsan = String(users.findByUsername('zhangsan')?.id);
      const api = async <T>(query: string): Promise<T> =>
        (await (await fetch(`${exporter.apiUrl}/api/v1${query}`)).json()) as T;
      const from = Date.now() - 3_600_000;
      let findings: Suspicious['findings'] = [];
      const found = (): string[] => findings.map((f) => `${f.eventType}:${f.userId}`);
      const expected = [`ACCESS_DENIED_STREAK:${wangwu}`, `ACCOUNT_TAKEOVER:${zhangsan}`];
      await waitUntil(
        async () => {
          // zhangsan works for tenant_001, wangwu for tenant_002.
          const lists = await Promise.all(
            ['tenant_001', 'tenant_002'].map((tenant) =>
              api<Suspicious>(`/behaviour/suspicious?tenant=${tenant}&from=${from}`),
            ),
          );
          findings = lists.flatMap((list) => list.findings);
          return expected.every((finding) => found().includes(finding));
        },
        90_000,
        'the rogue user and the takeover in the suspicious-activity list',
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; found: ${found().join(', ')}`);
      });
      // The auditor knows the name, the profile takes the demo's numeric user id: the lookup gives it.
      const lookup = await api<UserLookup>(`/behaviour/users?tenant=tenant_002&q=WangWu&from=${from}`);
      assert.deepEqual(
        lookup.users.map((u) => [u.id, u.names, u.exact]),
        [[wangwu, ['wangwu'], true]],
      );
      const profile = await api<Profile>(`/behaviour/profile?tenant=tenant_002&user=${wangwu}&from=${from}`);
      assert.ok(profile.totals.denied >= 10, JSON.stringify(profile.totals));
      assert.ok(
        profile.clients.some((c) => c.ip.endsWith('198.51.100.66') && c.userAgent === 'python-requests/2.31'),
      );
    } finally {
      await exporter.close();
      dir.remove();
    }
  },
);
