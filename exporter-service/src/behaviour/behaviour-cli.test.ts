// `auditlens behaviour profile|suspicious` on an embedded store filled over OTLP by an exporter
// (stopped first: one process owns an embedded store at a time).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { test } from 'node:test';
import { postLogs, runAuditlens, startTestExporter, tempDir, type TestRecord } from '@auditlens/test-support';
import type { Profile, Suspicious, UserLookup } from '@auditlens/contract/rest';
import { behaviourModule } from './module.js';

const HOUR = 3_600_000;

const run = (args: string[], dataDir: string) => runAuditlens(args, { AUDITLENS_DATA_DIR: dataDir });
const READER = 'behaviour-cli-reader-token';
/** The same fixed period for the API and the store (the default end moves with the clock). */
const PERIOD = (start: number) => ['--from', String(start - HOUR), '--to', String(start + HOUR)];

/** A request by a user an auditor knows by name. */
const named = (timeMs: number, userId: string, userName: string): TestRecord => ({
  eventName: 'audit.request',
  timeMs,
  attributes: {
    'log.record.uid': randomUUID(),
    'audit.tenant_id': 'acme',
    'user.id': userId,
    'user.name': userName,
    'http.request.method': 'GET',
    'url.path': '/cases',
  },
});

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
    const exporter = await startTestExporter(dir.path, {
      modules: [behaviourModule()],
      apiTokens: new Map([[READER, { role: 'reader' as const, tenants: new Set(['acme']) }]]),
    });
    let viaApi: string;
    try {
      const records = [
        ...Array.from({ length: 12 }, (_, i) => login(start + i * 10_000, 'LOGIN_FAILED', '203.0.113.50')),
        login(start + 150_000, 'LOGIN_SUCCESS', '203.0.113.50'),
        named(start + 200_000, 'u-1042', 'Wang Wu'),
        named(start + 201_000, 'u-1042', 'Wang Wu'),
        named(start + 202_000, 'u-2001', 'Wang Fang'),
      ];
      assert.equal((await postLogs(exporter.otlpUrl, records)).status, 200);

      // Beside the running exporter (it holds the store), through its API with a reader token.
      const beside = await runAuditlens(
        ['behaviour', 'profile', '--tenant', 'acme', '--user-name', 'wang wu', ...PERIOD(start), '--json'],
        { AUDITLENS_DATA_DIR: dir.path, AUDITLENS_API_URL: exporter.apiUrl, AUDITLENS_API_TOKEN: READER },
      );
      assert.equal(beside.code, 0, beside.stderr);
      assert.match(beside.stderr, /using the exporter's API at http/);
      assert.equal((JSON.parse(beside.stdout) as Profile).user, 'u-1042');
      const users = await runAuditlens(
        [
          'behaviour',
          'users',
          'wang',
          '--tenant',
          'acme',
          ...PERIOD(start),
          '--json',
          '--api',
          exporter.apiUrl,
        ],
        { AUDITLENS_DATA_DIR: dir.path, AUDITLENS_API_TOKEN: READER },
      );
      assert.equal(users.code, 0, users.stderr);
      viaApi = users.stdout;
    } finally {
      await exporter.close();
    }
    // The store, once the exporter stopped, answers the same.
    const direct = await run(
      ['behaviour', 'users', 'wang', '--tenant', 'acme', ...PERIOD(start), '--json'],
      dir.path,
    );
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stderr, /using the embedded store in .* directly/);
    assert.deepEqual(JSON.parse(direct.stdout), JSON.parse(viaApi));

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
    assert.equal(
      reads?.events,
      4,
      'a user lookup, two suspicious-activity lists and one profile read before this one (not those through the API)',
    );

    // A name, any case, resolves to the one user who has it; a part of one shared by several
    // users, or of none, is a usage error naming what was found.
    const byName = await run(
      [
        'behaviour',
        'profile',
        '--tenant',
        'acme',
        '--user-name',
        'WANG WU',
        '--from',
        String(start - HOUR),
        '--json',
      ],
      dir.path,
    );
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal((JSON.parse(byName.stdout) as Profile).user, 'u-1042');
    assert.equal((JSON.parse(byName.stdout) as Profile).totals.events, 2);
    assert.match(byName.stderr, /--user-name "WANG WU": user id u-1042/);
    const several = await run(
      ['behaviour', 'profile', '--tenant', 'acme', '--user-name', 'wang', '--from', String(start - HOUR)],
      dir.path,
    );
    assert.equal(several.code, 2);
    assert.match(
      several.stderr,
      /--user-name: "wang" matches 2 users in tenant acme between .*: u-1042 \(Wang Wu\); u-2001 \(Wang Fang\); give --user with one of these ids/,
    );
    const none = await run(['behaviour', 'profile', '--tenant', 'acme', '--user-name', 'zhangsan'], dir.path);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--user-name: no user whose id or name contains "zhangsan" in tenant acme/);
    const both = await run(
      ['behaviour', 'profile', '--tenant', 'acme', '--user', 'carol', '--user-name', 'carol'],
      dir.path,
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--user <id> or --user-name <name> \(one of them\)/);
    const blank = await run(['behaviour', 'profile', '--tenant', 'acme', '--user-name', ' '], dir.path);
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /--user-name: a part of a user id or name expected/);

    // `behaviour users` lists the matches, as the API answers them.
    const users = await run(
      ['behaviour', 'users', 'Wang', '--tenant', 'acme', '--from', String(start - HOUR), '--json'],
      dir.path,
    );
    assert.equal(users.code, 0, users.stderr);
    assert.deepEqual(
      (JSON.parse(users.stdout) as UserLookup).users.map((u) => [u.id, u.names, u.records]),
      [
        ['u-1042', ['Wang Wu'], 2],
        ['u-2001', ['Wang Fang'], 1],
      ],
    );
    const listed = await run(['behaviour', 'users', 'fang', '--tenant', 'acme'], dir.path);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /u-2001\s+1 records, last \S+\s+names: Wang Fang\s+roles: \(none\)/);
  } finally {
    dir.remove();
  }
});
