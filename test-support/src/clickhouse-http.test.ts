// Tests of the ClickHouse HTTP test fixture, driven through the real `@clickhouse/client`.
// The tests in this file share one fixture and run in order: later tests use the tables created earlier.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { startClickHouseHttp, type ClickHouseHttpFixture } from './clickhouse-http.js';

const USER = 'auditor';
const PASSWORD = 'pa55:word';

const ID1 = '00000000-0000-4000-8000-000000000001';
const ID2 = '00000000-0000-4000-8000-000000000002';
const ID3 = '00000000-0000-4000-8000-000000000003';
const ID4 = '00000000-0000-4000-8000-000000000004';

interface EventRow {
  id: string;
  ts: string;
  actor: string;
  ip: string;
  attrs: Record<string, string>;
  tags: string[];
  n: number;
}

// Strings that break naive escaping in the JSON body, the URL parameters or chdb's own re-escaping.
const EVENTS: EventRow[] = [
  event(ID1, 1, `O'Brien "the admin"`, '::ffff:10.0.0.1'),
  event(ID2, 2, 'back\\slash \\N \\t', '2001:db8::1'),
  event(ID3, 3, 'line1\nline2\ttab\r\n', '2001:db8::2'),
  event(ID4, 4, 'unicode ✓ 日本語 🚀 Ünïcödé', '::1'),
];

function event(id: string, n: number, actor: string, ip: string): EventRow {
  return {
    id,
    ts: `2024-05-01 12:00:00.00${n}`,
    actor,
    ip,
    attrs: { key: actor, 'quote\'d"': 'v' },
    tags: [actor, 'plain'],
    n,
  };
}

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;

/** A client for the fixture. Its own error log is off: several tests expect failures. */
function connect(url: string, options: ClientOptions = {}): ClickHouseClient {
  return createClient({
    url,
    username: USER,
    password: PASSWORD,
    log: { level: ClickHouseLogLevel.OFF },
    ...options,
  });
}

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
  return text;
}

describe('ClickHouse HTTP fixture (chdb) through @clickhouse/client', () => {
  let dataDir: string;
  let fixture: ClickHouseHttpFixture;
  let client: ClickHouseClient;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditlens-clickhouse-http-'));
    fixture = await startClickHouseHttp({ dataDir, user: USER, password: PASSWORD });
    client = connect(fixture.url);
  });

  after(async () => {
    await client.close();
    await fixture.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('ping, and the plain HTTP endpoints', async () => {
    assert.deepEqual(await client.ping(), { success: true });
    assert.deepEqual(await client.ping({ select: true }), { success: true });

    const ping = await fetch(`${fixture.url}/ping`);
    assert.equal(ping.status, 200);
    assert.equal(await ping.text(), 'Ok.\n');

    const select = await fetch(`${fixture.url}/?query=${encodeURIComponent('SELECT 1, 2')}`, {
      headers: { Authorization: basicAuth(USER, PASSWORD), 'X-ClickHouse-Query-Id': 'plain-get' },
    });
    assert.equal(select.status, 200);
    assert.equal(await select.text(), '1\t2\n');
    assert.equal(select.headers.get('x-clickhouse-format'), 'TabSeparated');
    assert.equal(select.headers.get('x-clickhouse-timezone'), 'UTC');
    assert.equal(select.headers.get('x-clickhouse-query-id'), 'plain-get');

    // GET is read-only, as in ClickHouse.
    const write = await fetch(`${fixture.url}/?query=${encodeURIComponent('CREATE DATABASE nope')}`, {
      headers: { 'X-ClickHouse-User': USER, 'X-ClickHouse-Key': PASSWORD },
    });
    assert.equal(write.headers.get('x-clickhouse-exception-code'), '164');
    assert.match(await write.text(), /^Code: 164\. DB::Exception: .*\(READONLY\)/);

    // The query is the `query` parameter, a line break, then the body.
    const split = await fetch(
      `${fixture.url}/?query=${encodeURIComponent('SELECT 40 +')}&default_format=JSONEachRow`,
      {
        method: 'POST',
        headers: { Authorization: basicAuth(USER, PASSWORD) },
        body: '2 AS answer',
      },
    );
    assert.equal(await split.text(), '{"answer":42}\n');
    assert.equal(split.headers.get('x-clickhouse-format'), 'JSONEachRow');
  });

  test('command() creates a database and a MergeTree table with rich types', async () => {
    await client.command({ query: 'CREATE DATABASE audit_fx' });
    await client.command({
      query: `
        CREATE TABLE audit_fx.events (
          id UUID,
          ts DateTime64(3, 'UTC'),
          actor String,
          ip IPv6,
          attrs Map(String, String),
          tags Array(String),
          n UInt32
        ) ENGINE = MergeTree ORDER BY (ts, id)`,
    });
    const rs = await client.query({
      query: 'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}',
      query_params: { db: 'audit_fx', t: 'events' },
      format: 'JSONEachRow',
    });
    const columns = await rs.json<{ name: string; type: string }>();
    assert.deepEqual(
      columns.map((c) => `${c.name} ${c.type}`),
      [
        'id UUID',
        "ts DateTime64(3, 'UTC')",
        'actor String',
        'ip IPv6',
        'attrs Map(String, String)',
        'tags Array(String)',
        'n UInt32',
      ],
    );
  });

  test('insert() JSONEachRow rows round-trip quotes, backslashes, newlines and unicode', async () => {
    const result = await client.insert({ table: 'audit_fx.events', values: EVENTS, format: 'JSONEachRow' });
    assert.equal(result.executed, true);
    assert.equal(result.summary?.written_rows, '4');

    const rs = await client.query({
      query: 'SELECT * FROM audit_fx.events ORDER BY n',
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json<EventRow>(), EVENTS);
  });

  test('query_params of String, UInt32, DateTime64 and Array(UUID) are bound server-side', async () => {
    const query = `
      SELECT id, actor, n, ts FROM audit_fx.events
      WHERE (actor = {actor:String} OR n >= {minN:UInt32})
        AND ts >= {since:DateTime64(3, 'UTC')}
        AND id IN {ids:Array(UUID)}
      ORDER BY n`;
    const query_params = {
      actor: EVENTS[0]?.actor,
      minN: 3,
      since: new Date('2024-05-01T12:00:00.001Z'), // the client sends this as "1714564800.001"
      ids: [ID1, ID2, ID3, ID4],
    };
    const expected = [EVENTS[0], EVENTS[2], EVENTS[3]].map((e) => ({
      id: e?.id,
      actor: e?.actor,
      n: e?.n,
      ts: e?.ts,
    }));

    const eachRow = await client.query({
      query,
      query_params,
      format: 'JSONEachRow',
      query_id: 'params-each-row',
    });
    assert.equal(eachRow.query_id, 'params-each-row');
    assert.deepEqual(await eachRow.json(), expected);

    const json = await client.query({ query, query_params, format: 'JSON' });
    const document = await json.json<{ id: string; actor: string; n: number; ts: string }>();
    assert.deepEqual(document.data, expected);
    assert.equal(document.rows, 3);
    assert.deepEqual(
      document.meta?.map((m) => m.type),
      ['UUID', 'String', 'UInt32', "DateTime64(3, 'UTC')"],
    );
  });

  test('String and Array(String) parameters keep every special character', async () => {
    const text = `a'b\\c\nd\te\r\\N "q"`;
    const list = [`it's`, 'back\\slash', 'tab\there', 'new\nline', ''];
    const rs = await client.query({
      query:
        'SELECT {text:String} AS text, {list:Array(String)} AS list, {missing:Nullable(String)} AS missing',
      query_params: { text, list, missing: null },
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json(), [{ text, list, missing: null }]);

    // Large parameters travel in a multipart body when the client is told to.
    const multipart = connect(fixture.url, { use_multipart_params: true });
    try {
      const viaForm = await multipart.query({
        query: 'SELECT {text:String} AS text, {list:Array(String)} AS list',
        query_params: { text, list },
        format: 'JSONEachRow',
      });
      assert.deepEqual(await viaForm.json(), [{ text, list }]);
    } finally {
      await multipart.close();
    }
  });

  test('insert_deduplication_token reaches the engine and does not leak into later inserts', async () => {
    await client.command({
      query: `CREATE TABLE audit_fx.dedup (x UInt32) ENGINE = MergeTree ORDER BY x
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    const insert = (values: { x: number }[], token?: string) =>
      client.insert({
        table: 'audit_fx.dedup',
        values,
        format: 'JSONEachRow',
        clickhouse_settings: token === undefined ? {} : { insert_deduplication_token: token },
      });
    await insert([{ x: 1 }, { x: 2 }], 'x');
    await insert([{ x: 1 }, { x: 2 }], 'x'); // same token: dropped
    await insert([{ x: 3 }], 'x'); // same token, other data: dropped too, so the token is what counts
    await insert([{ x: 9 }]); // no token: kept, so 'x' did not stick to the connection

    const rs = await client.query({
      query: 'SELECT x FROM audit_fx.dedup ORDER BY x',
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json(), [{ x: 1 }, { x: 2 }, { x: 9 }]);
  });

  test('settings apply to one request only', async () => {
    const read = async (settings: { max_block_size?: string }) => {
      const rs = await client.query({
        query: "SELECT getSetting('max_block_size') AS v",
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
      return (await rs.json<{ v: number }>())[0]?.v;
    };
    assert.equal(await read({ max_block_size: '1234' }), 1234);
    assert.notEqual(await read({}), 1234);
  });

  test('database option, stream inserts, exec() and gzip in both directions', async () => {
    const db = connect(fixture.url, { database: 'audit_fx', compression: { request: true, response: true } });
    try {
      // With `compression.request`, every insert and exec body below arrives gzipped.
      await db.command({ query: 'CREATE TABLE lines (k UInt32, v String) ENGINE = MergeTree ORDER BY k' });
      // A raw (non-object-mode) stream for a text format, as the client passes it through unchanged.
      await db.insert({
        table: 'lines',
        values: Readable.from(['1\tone\n2\ttwo\\ttab\n'], { objectMode: false }),
        format: 'TabSeparated',
      });
      // An object-mode stream of rows for a JSON format.
      await db.insert({
        table: 'lines',
        values: Readable.from([{ k: 3, v: 'three' }]),
        format: 'JSONEachRow',
      });
      // Explicit columns, and `* EXCEPT (...)`, which is not a plain INSERT and takes the SQL path.
      await db.insert({ table: 'lines', values: [{ k: 5 }], format: 'JSONEachRow', columns: ['k'] });
      await db.insert({
        table: 'lines',
        values: [{ k: 6 }],
        format: 'JSONEachRow',
        columns: { except: ['v'] },
      });
      // exec() with values: the statement goes in the URL, the data in the body.
      const execInsert = await db.exec({
        query: 'INSERT INTO lines FORMAT JSONEachRow',
        values: Readable.from(['{"k":4,"v":"four"}\n'], { objectMode: false }),
      });
      await readAll(execInsert.stream);

      const exec = await db.exec({ query: 'SELECT k, v FROM lines ORDER BY k FORMAT JSONEachRow' });
      assert.equal(exec.response_headers['content-encoding'], 'gzip');
      assert.equal(
        await readAll(exec.stream),
        '{"k":1,"v":"one"}\n{"k":2,"v":"two\\ttab"}\n{"k":3,"v":"three"}\n{"k":4,"v":"four"}\n' +
          '{"k":5,"v":""}\n{"k":6,"v":""}\n',
      );

      // Since ClickHouse 25.8, 64-bit integers are no longer quoted in JSON output by default.
      const rs = await db.query({ query: 'SELECT count() AS c FROM lines', format: 'JSON' });
      assert.deepEqual((await rs.json<{ c: number }>()).data, [{ c: 6 }]);
    } finally {
      await db.close();
    }
  });

  test('serves concurrent requests, each with its own settings and parameters', async () => {
    const indexes = Array.from({ length: 24 }, (_, i) => i);
    const reads = indexes.map(async (i) => {
      const rs = await client.query({
        query: "SELECT {i:UInt32} AS i, getSetting('max_block_size') AS b",
        query_params: { i },
        clickhouse_settings: { max_block_size: String(1000 + i) },
        format: 'JSONEachRow',
      });
      return rs.json();
    });
    await client.command({
      query: 'CREATE TABLE audit_fx.concurrent (i UInt32) ENGINE = MergeTree ORDER BY i',
    });
    const writes = indexes.map((i) =>
      client.insert({ table: 'audit_fx.concurrent', values: [{ i }], format: 'JSONEachRow' }),
    );
    assert.deepEqual(
      await Promise.all(reads),
      indexes.map((i) => [{ i, b: 1000 + i }]),
    );
    await Promise.all(writes);
    const rs = await client.query({
      query: 'SELECT count() AS c FROM audit_fx.concurrent',
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json(), [{ c: indexes.length }]);
  });

  test('errors come back as ClickHouseError with the engine code and ClickHouse HTTP status', async () => {
    await assert.rejects(client.query({ query: 'SELEC 1' }), (err: unknown) => {
      assert.ok(err instanceof ClickHouseError);
      assert.equal(err.code, '62');
      assert.equal(err.type, 'SYNTAX_ERROR');
      return true;
    });
    // One statement per request, as in ClickHouse (chdb alone would run both).
    await assert.rejects(client.command({ query: "SELECT ';'; SELECT 2" }), (err: unknown) => {
      assert.ok(err instanceof ClickHouseError);
      assert.equal(err.code, '62');
      assert.match(err.message, /Multi-statements are not allowed/);
      return true;
    });
    await client.command({ query: "SELECT ';' -- a comment; SELECT 2\n;" });
    await assert.rejects(client.command({ query: 'DROP TABLE audit_fx.missing' }), (err: unknown) => {
      assert.ok(err instanceof ClickHouseError);
      assert.equal(err.code, '60');
      return true;
    });

    const raw = await fetch(fixture.url, {
      method: 'POST',
      headers: { Authorization: basicAuth(USER, PASSWORD) },
      body: 'SELECT * FROM audit_fx.missing',
    });
    assert.equal(raw.status, 404);
    assert.equal(raw.headers.get('x-clickhouse-exception-code'), '60');
    assert.match(await raw.text(), /^Code: 60\. DB::Exception: .*\(UNKNOWN_TABLE\)\n$/s);
  });

  test('a wrong password is an authentication error', async () => {
    const intruder = connect(fixture.url, { password: 'wrong' });
    try {
      await assert.rejects(intruder.query({ query: 'SELECT 1' }), (err: unknown) => {
        assert.ok(err instanceof ClickHouseError);
        assert.equal(err.code, '516');
        assert.equal(err.type, 'AUTHENTICATION_FAILED');
        return true;
      });
      // /ping does not authenticate (as in ClickHouse); a SELECT ping does.
      assert.equal((await intruder.ping()).success, true);
      assert.equal((await intruder.ping({ select: true })).success, false);
    } finally {
      await intruder.close();
    }
    const anonymous = await fetch(`${fixture.url}/?query=SELECT+1`);
    assert.equal(anonymous.status, 403);
    assert.equal(anonymous.headers.get('x-clickhouse-exception-code'), '516');
  });

  test('setAvailable(false) makes calls fail until setAvailable(true)', async () => {
    fixture.setAvailable(false);
    try {
      await assert.rejects(client.query({ query: 'SELECT 1', format: 'JSONEachRow' }));
      await assert.rejects(
        client.insert({ table: 'audit_fx.dedup', values: [{ x: 7 }], format: 'JSONEachRow' }),
      );
      assert.equal((await client.ping()).success, false);
    } finally {
      fixture.setAvailable(true);
    }
    const rs = await client.query({
      query: 'SELECT count() AS c FROM audit_fx.dedup',
      format: 'JSONEachRow',
    });
    assert.deepEqual(await rs.json(), [{ c: 3 }]);
    assert.deepEqual(await client.ping(), { success: true });
  });

  test('chdb binds one data directory per process: another directory is refused, the same one is shared', async () => {
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditlens-clickhouse-http-other-'));
    try {
      await assert.rejects(
        startClickHouseHttp({ dataDir: otherDir }),
        /only one active data directory|binds one data directory per process/,
      );
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }

    const twin = await startClickHouseHttp({ dataDir });
    const twinClient = connect(twin.url, { username: 'default', password: '' });
    try {
      const rs = await twinClient.query({
        query: 'SELECT count() AS c FROM audit_fx.events',
        format: 'JSONEachRow',
      });
      assert.deepEqual(await rs.json(), [{ c: 4 }]);
    } finally {
      await twinClient.close();
      await twin.close();
    }
    assert.deepEqual(await client.ping({ select: true }), { success: true });
  });
});
