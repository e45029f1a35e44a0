// `auditlens behaviour profile|suspicious` on an embedded store filled over OTLP by an exporter
// (stopped first: one process owns an embedded store at a time).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { test } from 'node:test';
import { postLogs, runAuditlens, startTestExporter, tempDir, type TestRecord } from '@auditlens/test-support';
import type { Profile, Suspicious } from '@auditlens/contract/rest';

const HOUR = 3_600_000;

const run = (args: string[], dataDir: string) => runAuditlens(args, { AUDITLENS_DATA_DIR: dataDir });

const login = (timeMs: number, type: string, ip: string): TestRecord => ({
  eventName: 'audit.security',
  timeMs,
  attributes: {
    'log.record.uid': randomUUID(),
    'audit.tenant_id': 'acme',
    'user.id': 'carol',
    'user.roles': ['analyst'],
    'client.address': ip,
    'audit.security.event_type': type,
  },
});

test('the CLI prints a profile and the suspicious-activity list, and records both reads', async () => {
  const dir = tempDir('behaviour-cli');
  try {
    const start = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
    const exporter = await startTestExporter(dir.path, { modules: [] });
    try {
      const records = [
        ...Array.from({ length: 12 }, (_, i) => login(start + i * 10_000, 'LOGIN_FAILED', '203.0.113.50')),
        login(start + 150_000, 'LOGIN_SUCCESS', '203.0.113.50'),
      ];
      assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);
    } finally {
      await exporter.close();
    }

    const text = await run(
      ['behaviour', 'suspicious', '--tenant', 'acme', '--from', String(start - HOUR)],
      dir.path,
    );
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /BRUTE_FORCE\s+carol\s+12 failed logins for carol .*\[TA0006\/T1110\.001\]/);
    assert.match(text.stdout, /ACCOUNT_TAKEOVER\s+carol/);

    const json = await run(
      [
        'behaviour',
        'suspicious',
        '--tenant',
        'acme',
        '--from',
        String(start - HOUR),
        '--min-score',
        '75',
        '--json',
      ],
      dir.path,
    );
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as Suspicious;
    assert.deepEqual(
      list.findings.map((f) => f.eventType),
      ['ACCOUNT_TAKEOVER'],
    );

    const profile = await run(
      [
        'behaviour',
        'profile',
        '--tenant',
        'acme',
        '--user',
        'carol',
        '--from',
        String(start - HOUR),
        '--json',
      ],
      dir.path,
    );
    assert.equal(profile.code, 0, profile.stderr);
    const body = JSON.parse(profile.stdout) as Profile;
    assert.equal(body.totals.events, 13);
    assert.deepEqual(
      body.byAction.map((a) => [a.action, a.events]),
      [
        ['LOGIN_FAILED', 12],
        ['LOGIN_SUCCESS', 1],
      ],
    );

    const bad = await run(
      ['behaviour', 'profile', '--tenant', 'acme', '--user', 'carol', '--peers', 'everyone'],
      dir.path,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--peers: /);

    // Each read is in audit_access_log under the CLI's actor: its own profile shows them.
    const actor = `cli:${userInfo().username}@${hostname()}`;
    const access = await run(
      ['behaviour', 'profile', '--tenant', 'acme', '--user', actor, '--json'],
      dir.path,
    );
    assert.equal(access.code, 0, access.stderr);
    const reads = (JSON.parse(access.stdout) as Profile).byAction.find(
      (a) => a.kind === 'access' && a.action === 'read',
    );
    assert.equal(reads?.events, 3, 'two suspicious-activity lists and one profile read before this one');
  } finally {
    dir.remove();
  }
});
