// `auditlens tenants …` as an operator runs it (the real binary, in a temp directory): the DDL it
// prints, the files it writes for ClickHouse and Grafana, where the password goes (a 0600 file or
// the environment, never the output), and what it sends to a ClickHouse server with --execute.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { startClickHouseHttp, tempDir } from '@auditlens/test-support';
import { readerSummary } from './cli-commands.js';
import { readerTables } from './reader.js';

const BIN = fileURLToPath(new URL('../../bin/auditlens.js', import.meta.url));

function auditlens(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Rows of a query sent to the ClickHouse HTTP interface. */
async function clickhouseRows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(url, { method: 'POST', body: `${sql} FORMAT JSONEachRow` });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Every file under a directory, with its text. */
function filesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(path, readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

interface DatasourceFile {
  datasources?: {
    name: string;
    uid: string;
    orgId: number;
    jsonData: { username: string; host: string };
    secureJsonData: { password: string };
  }[];
  deleteDatasources?: { name: string; orgId: number }[];
}

test('tenants add prints the DDL, writes the reader for ClickHouse and Grafana, and keeps the password in a 0600 file', async () => {
  const dir = tempDir('tenants-add');
  try {
    const files = ['--grafana-dir', 'grafana', '--users-xml', 'users.d'];
    const first = await auditlens(['tenants', 'add', 'acme', ...files], { cwd: dir.path });
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /^CREATE USER OR REPLACE `auditlens_reader_acme` IDENTIFIED WITH sha256_hash BY/m,
    );
    assert.match(first.stdout, /USING tenant_id IN \('acme'\) TO `auditlens_reader_acme`;$/m);
    assert.match(first.stdout, /^GRANT SELECT ON audit\.audit_summary_hour TO `auditlens_reader_acme`;$/m);

    // Generated into the default place, readable by its owner only.
    const passwordFile = join(dir.path, '.auditlens-secrets', 'auditlens_reader_acme.password');
    assert.equal(statSync(passwordFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir.path, '.auditlens-secrets')).mode & 0o777, 0o700);
    const password = readFileSync(passwordFile, 'utf8').trim();
    assert.ok(password.length >= 40);
    assert.ok(!first.stdout.includes(password) && !first.stderr.includes(password), 'not in the output');
    for (const [path, text] of filesUnder(dir.path)) {
      if (path !== passwordFile) assert.ok(!text.includes(password), `not in ${path}`);
    }

    const datasource = parse(
      readFileSync(join(dir.path, 'grafana/datasources/auditlens_reader_acme.yaml'), 'utf8'),
    ) as DatasourceFile;
    assert.deepEqual(datasource.datasources?.[0], {
      name: 'AuditLens: acme',
      uid: 'auditlens-reader-acme',
      orgId: 1,
      type: 'grafana-clickhouse-datasource',
      access: 'proxy',
      editable: false,
      jsonData: {
        host: '${AUDITLENS_CLICKHOUSE_HOST}',
        port: 8123,
        protocol: 'http',
        secure: false,
        username: 'auditlens_reader_acme',
        defaultDatabase: 'audit',
      },
      // Grafana reads the same file (mounted at /etc/grafana/auditlens-secrets).
      secureJsonData: { password: '$__file{/etc/grafana/auditlens-secrets/auditlens_reader_acme.password}' },
    });
    assert.ok(existsSync(join(dir.path, 'grafana/dashboards/auditlens.yaml')));
    const xml = readFileSync(join(dir.path, 'users.d/auditlens_reader_acme.xml'), 'utf8');

    // Again, for another Grafana organisation: the password is reused, the org gets the dashboards.
    const again = await auditlens(['tenants', 'add', 'acme', ...files, '--grafana-org', '3'], {
      cwd: dir.path,
    });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /password: \.auditlens-secrets\/auditlens_reader_acme\.password \(existing\)/);
    assert.equal(readFileSync(join(dir.path, 'users.d/auditlens_reader_acme.xml'), 'utf8'), xml);
    const inOrg3 = parse(
      readFileSync(join(dir.path, 'grafana/datasources/auditlens_reader_acme.yaml'), 'utf8'),
    ) as DatasourceFile;
    assert.equal(inOrg3.datasources?.[0]?.orgId, 3);
    const provider = parse(
      readFileSync(join(dir.path, 'grafana/dashboards/auditlens-org-3.yaml'), 'utf8'),
    ) as {
      providers: { orgId: number; options: { path: string } }[];
    };
    assert.equal(provider.providers[0]?.orgId, 3);

    // Removal: DROP statements, the users.d file gone, Grafana told to delete the data source.
    const removed = await auditlens(['tenants', 'remove', 'acme', ...files, '--grafana-org', '3'], {
      cwd: dir.path,
    });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /^DROP ROW POLICY IF EXISTS `auditlens_reader_acme` ON audit\.audit_request_log, /m,
    );
    assert.match(removed.stdout, /^DROP USER IF EXISTS `auditlens_reader_acme`;$/m);
    assert.ok(!existsSync(join(dir.path, 'users.d/auditlens_reader_acme.xml')));
    const deleted = parse(
      readFileSync(join(dir.path, 'grafana/datasources/auditlens_reader_acme.yaml'), 'utf8'),
    ) as DatasourceFile;
    assert.deepEqual(deleted.deleteDatasources, [{ name: 'AuditLens: acme', orgId: 3 }]);
  } finally {
    dir.remove();
  }
});

test('a password from the environment: referenced by ClickHouse and Grafana, hashed into the DDL', async () => {
  const dir = tempDir('tenants-env');
  try {
    const args = ['tenants', 'add-platform-reader', '--password-env', 'READER_PW', '--users-xml', 'users.d'];
    const unset = await auditlens(args, { cwd: dir.path });
    assert.equal(unset.code, 1);
    assert.match(
      unset.stderr,
      /READER_PW is not set: the DDL needs the reader's password \(--no-ddl writes the files only\)/,
    );
    const password = 'a-platform-reader-password';
    const set = await auditlens(args, { cwd: dir.path, env: { READER_PW: password } });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /USING 1 TO `auditlens_platform_reader`/);
    assert.ok(!set.stdout.includes(password) && !set.stderr.includes(password));
    assert.match(
      readFileSync(join(dir.path, 'users.d/auditlens_platform_reader.xml'), 'utf8'),
      /<password from_env="READER_PW"\/>/,
    );
    const datasource = parse(
      readFileSync(join(dir.path, 'provisioning/grafana/datasources/auditlens_platform_reader.yaml'), 'utf8'),
    ) as DatasourceFile;
    assert.equal(datasource.datasources?.[0]?.uid, 'auditlens-clickhouse');
    assert.equal(datasource.datasources?.[0]?.secureJsonData.password, '${READER_PW}');
  } finally {
    dir.remove();
  }
});

test('--execute sends the DDL to the server one statement at a time and names the one refused', async () => {
  const dir = tempDir('tenants-execute');
  const received: string[] = [];
  const clickhouse = await startClickHouseHttp({
    dataDir: join(dir.path, 'clickhouse'),
    onQuery: ({ sql }) => received.push(sql),
  });
  try {
    const embedded = await auditlens(['tenants', 'add', 'acme', '--execute', '--no-grafana'], {
      cwd: dir.path,
    });
    assert.equal(embedded.code, 1);
    assert.match(embedded.stderr, /--execute needs a ClickHouse server \(AUDITLENS_CLICKHOUSE_URL\)/);

    const env = { AUDITLENS_CLICKHOUSE_URL: clickhouse.url };
    const result = await auditlens(['tenants', 'add', 'acme', '--execute', '--no-grafana'], {
      cwd: dir.path,
      env,
    });
    // chdb keeps users in its configuration only (no SQL user storage, no access management for
    // its default user): the server refuses the first statement, and nothing after it is sent.
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /ClickHouse refused `CREATE USER OR REPLACE `auditlens_reader_acme` IDENTIFIED WITH sha256_hash BY '…' SALT '…'.*`: .*(grant CREATE USER|no writeable access storage)/,
    );
    const password = readFileSync(
      join(dir.path, '.auditlens-secrets/auditlens_reader_acme.password'),
      'utf8',
    ).trim();
    const ddl = received.filter((sql) =>
      /^(CREATE|DROP|GRANT|REVOKE) (USER|ROW POLICY|SETTINGS|QUOTA|SELECT)/.test(sql),
    );
    assert.equal(ddl.length, 1, ddl.join('\n'));
    assert.match(
      ddl[0] ?? '',
      /^CREATE USER OR REPLACE `auditlens_reader_acme` IDENTIFIED WITH sha256_hash BY '[0-9a-f]{64}'/,
    );
    assert.ok(!received.some((sql) => sql.includes(password)), 'the server gets the hash, not the password');

    // The grant was an administrative change: recorded before the DDL ran, then its failure.
    const records = await clickhouseRows(
      clickhouse.url,
      `SELECT operation_name, result, target_id, target_name, error_message FROM audit.audit_admin_log
       WHERE operation_name = 'TENANT_READER_GRANT' ORDER BY event_time, result DESC`,
    );
    assert.deepEqual(
      records.map((r) => [r.operation_name, r.result, r.target_id, r.target_name]),
      [
        ['TENANT_READER_GRANT', 'success', 'auditlens_reader_acme', 'acme'],
        ['TENANT_READER_GRANT', 'failure', 'auditlens_reader_acme', 'acme'],
      ],
    );
    assert.match(String(records[1]?.error_message), /ClickHouse refused `CREATE USER/);
    assert.ok(!records.some((r) => JSON.stringify(r).includes(password)), 'nor does its audit record');

    // Listing needs SHOW ROW POLICIES, which chdb's default user lacks too.
    const listed = await auditlens(['tenants', 'list'], { cwd: dir.path, env });
    assert.equal(listed.code, 1);
    assert.match(
      listed.stderr,
      /could not read system\.row_policies: tenants list needs a user with SHOW ROW POLICIES/,
    );
  } finally {
    await clickhouse.close();
    dir.remove();
  }
});

test('tenants list: each reader with its tenants, and the tables its policies miss', () => {
  const target = { database: 'audit' };
  const tables = readerTables(target);
  const rows = [
    ...tables.map((table) => ({ user: 'auditlens_platform_reader', table, filter: '1' })),
    ...tables.map((table) => ({ user: 'auditlens_reader_acme', table, filter: "tenant_id IN ('acme', '')" })),
    ...tables
      .slice(1)
      .map((table) => ({ user: 'auditlens_reader_old', table, filter: "tenant_id IN ('old')" })),
  ];
  assert.deepEqual(readerSummary(rows, target), [
    `auditlens_platform_reader\t*\t${tables.length} tables`,
    `auditlens_reader_acme\tacme,@system\t${tables.length} tables`,
    `auditlens_reader_old\told\tMISSING ${tables[0]}`,
  ]);
});
