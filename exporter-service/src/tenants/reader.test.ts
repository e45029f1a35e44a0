// The tenant reader definition: which tables it covers (every table of the schema is either read
// under a row policy or not readable at all), its server DDL (parsed by ClickHouse's own parser,
// in chdb), and its users.xml, which must say the same as the DDL. That users.xml enforces the
// boundary in chdb is shown by the dashboards' boundary test (grafana-plugin/tests/dashboards).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { RenderTarget } from '../schema/ddl.js';
import { schemaStatements } from '../schema/migrate.js';
import { EmbeddedStore } from '../store/embedded.js';
import { tempDir } from '@auditlens/test-support';
import {
  dropReaderDdl,
  platformReader,
  READER_TABLES,
  readerDdl,
  readerTables,
  readerUsersXml,
  rowFilter,
  sqlString,
  TABLES_READERS_CANNOT_READ,
  tenantReader,
} from './reader.js';

/** ClickHouse itself (chdb), for its parser and its string literals. */
async function withClickHouse(work: (store: EmbeddedStore) => Promise<void>): Promise<void> {
  const dir = tempDir('tenant-reader');
  const store = new EmbeddedStore(dir.path, 'audit');
  try {
    await work(store);
  } finally {
    await store.close();
    dir.remove();
  }
}

const PASSWORD = 'correct-horse-battery-staple';
const SINGLE: RenderTarget = { database: 'audit' };
const CLUSTER: RenderTarget = { database: 'audit', cluster: 'auditlens' };

test('every table of the schema is either read under a tenant row policy or not readable', () => {
  const created = schemaStatements(SINGLE)
    .filter((s): s is string => typeof s === 'string')
    .flatMap((s) => /^CREATE TABLE IF NOT EXISTS audit\.(\w+)/.exec(s)?.[1] ?? []);
  assert.deepEqual([...created].sort(), [...READER_TABLES, ...TABLES_READERS_CANNOT_READ].sort());
  for (const table of READER_TABLES) {
    const ddl = schemaStatements(SINGLE).find((s) => typeof s === 'string' && s.includes(`audit.${table}\n`));
    assert.match(String(ddl), /^\s*tenant_id /m, `${table} has a tenant column`);
  }
  for (const table of [
    'audit_access_log',
    'audit_summary_hour',
    'audit_security_event_status',
    'audit_alert_state',
  ]) {
    assert.ok(READER_TABLES.includes(table), table);
  }
});

test('the server DDL parses in ClickHouse, and holds a salted hash, never the password', async () => {
  await withClickHouse(async (store) => {
    for (const target of [SINGLE, CLUSTER]) {
      for (const statement of [
        ...readerDdl(tenantReader(['acme']), { value: PASSWORD }, target),
        ...dropReaderDdl('auditlens_reader_acme', target),
      ]) {
        const [parsed] = await store.query<{ sql: string }>('SELECT formatQuery({q:String}) AS sql', {
          q: statement,
        });
        assert.ok(parsed?.sql, statement);
        assert.ok(!statement.includes(PASSWORD), 'no password in the DDL');
        if (target.cluster) assert.match(statement, / ON CLUSTER auditlens\b/, statement);
      }
    }
  });
  const [create] = readerDdl(tenantReader(['acme']), { value: PASSWORD }, SINGLE);
  const [, hash, salt] = /sha256_hash BY '([0-9a-f]{64})' SALT '([0-9a-f]{32})'/.exec(create ?? '') ?? [];
  // ClickHouse's check: SHA-256 of the password followed by the salt.
  assert.equal(
    hash,
    createHash('sha256')
      .update(PASSWORD + (salt ?? ''))
      .digest('hex'),
  );
  assert.throws(
    () => readerDdl(tenantReader(['acme']), { env: 'UNSET_VAR' }, SINGLE),
    /UNSET_VAR is not set/,
  );
});

test('DDL and users.xml say the same: tables, filter, settings, quota', () => {
  const reader = tenantReader(['acme', '@system'], 'auditlens_reader_acme_org');
  for (const target of [SINGLE, CLUSTER]) {
    const ddl = readerDdl(reader, { value: PASSWORD }, target);
    const xml = readerUsersXml(reader, { value: PASSWORD }, target);
    const tables = readerTables(target);
    assert.equal(tables.length, READER_TABLES.length * (target.cluster ? 2 : 1));
    const granted = ddl.flatMap(
      (s) => /^GRANT(?: ON CLUSTER \w+)? SELECT ON audit\.(\w+) TO /.exec(s)?.[1] ?? [],
    );
    const xmlGranted = [...xml.matchAll(/<query>GRANT SELECT ON audit\.(\w+)<\/query>/g)].map((m) => m[1]);
    assert.deepEqual(granted, tables);
    assert.deepEqual(xmlGranted, tables);
    const policy = ddl.find((s) => s.startsWith('CREATE ROW POLICY')) ?? '';
    assert.ok(policy.includes(`ON ${tables.map((t) => `audit.${t}`).join(', ')}`));
    assert.ok(policy.includes(`USING ${rowFilter(reader)} TO`));
    const filters = [...xml.matchAll(/<(\w+)><filter>([^<]*)<\/filter><\/\1>/g)];
    assert.deepEqual(
      filters.map((m) => m[1]),
      tables,
    );
    assert.ok(filters.every((m) => m[2] === "tenant_id IN ('acme', '')"));
    assert.match(ddl[0] ?? '', /SETTINGS readonly = 2, max_execution_time = 60 MIN 1 MAX 300$/);
    assert.match(xml, /<readonly>2<\/readonly>\s*<max_execution_time>60<\/max_execution_time>/);
    assert.match(xml, /<max_execution_time><min>1<\/min><max>300<\/max><\/max_execution_time>/);
    assert.match(
      ddl[1] ?? '',
      /queries = 50000, errors = 5000, result_rows = 1000000000, read_rows = 100000000000/,
    );
    assert.match(
      xml,
      /<queries>50000<\/queries>\s*<errors>5000<\/errors>\s*<result_rows>1000000000<\/result_rows>/,
    );
  }
  assert.match(
    readerUsersXml(reader, { value: PASSWORD }, SINGLE),
    new RegExp(
      `<password_sha256_hex>${createHash('sha256').update(PASSWORD).digest('hex')}</password_sha256_hex>`,
    ),
  );
  assert.match(readerUsersXml(reader, { env: 'READER_PW' }, SINGLE), /<password from_env="READER_PW"\/>/);
  assert.ok(!readerUsersXml(reader, { value: PASSWORD }, SINGLE).includes(PASSWORD));
});

test('a platform reader is explicit: filter 1 on the same tables', () => {
  assert.equal(rowFilter(platformReader()), '1');
  assert.deepEqual(platformReader().tenants, 'all');
  assert.equal(platformReader().user, 'auditlens_platform_reader');
});

test('tenant names and users are checked; the filter quotes for ClickHouse (backslashes too)', async () => {
  assert.equal(tenantReader(['acme']).user, 'auditlens_reader_acme');
  assert.match(tenantReader(['Acme.EU']).user, /^auditlens_reader_acme_eu_[0-9a-f]{6}$/);
  assert.notEqual(tenantReader(['acme-eu']).user, tenantReader(['acme_eu']).user);
  assert.equal(rowFilter(tenantReader(['@system'])), "tenant_id IN ('')");
  assert.throws(() => tenantReader(["acme' OR 1=1 --"]), /tenant "acme' OR 1=1 --": use 1-128 letters/);
  assert.throws(() => tenantReader(['']), /tenant ""/);
  assert.throws(() => tenantReader(['acme', 'globex']), /several tenants needs --user/);
  assert.throws(() => tenantReader(['acme'], 'Robert"); DROP'), /user "Robert"\); DROP"/);
  await withClickHouse(async (store) => {
    for (const value of ["a'b", 'a\\', "\\' OR 1=1 --", "''\\\\'"]) {
      const [row] = await store.query<{ same: number }>(
        `SELECT ${sqlString(value)} = {value:String} AS same`,
        {
          value,
        },
      );
      assert.equal(Number(row?.same), 1, value);
    }
  });
});
