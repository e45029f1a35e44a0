// The SQL the app hands to Grafana Explore: every parameter becomes a literal that ClickHouse reads
// back as exactly the value (checked by ClickHouse itself, the embedded store), that cannot end its
// string or start an escape, and that carries nothing Grafana would interpolate ($ or [[).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EmbeddedStore } from '../store/embedded.js';
import { tempDir } from '../testing/temp.js';
import { grafanaSql, sqlLiteral } from './grafana-sql.js';

const dir = tempDir('grafana-sql');
let store: EmbeddedStore;

before(() => {
  store = new EmbeddedStore(dir.path, 'audit');
});
after(async () => {
  await store.close();
  dir.remove();
});

const HOSTILE = [
  "' OR 1=1 --",
  "alice'); DROP TABLE audit.audit_security_log; --",
  "back\\slash \\' quote",
  '${__user.login}',
  '$__timeFilter(event_time)',
  '[[tenant]]',
  'line\nbreak 审计 🚀',
  '{tenant:String}',
];

test('a value reads back from its literal exactly, whatever it holds', async () => {
  for (const value of [...HOSTILE, 'alice', 'alice@example.com', '198.51.100.7', '']) {
    const literal = sqlLiteral(value);
    const inner = /^decodeURLComponent\('(.*)'\)$/.exec(literal)?.[1] ?? /^'(.*)'$/.exec(literal)?.[1];
    assert.ok(inner !== undefined, `quoted: ${literal}`);
    assert.doesNotMatch(inner, /['\\$[\]{}]/, `nothing to escape or interpolate in ${literal}`);
    const [row] = await store.query<{ v: string }>(`SELECT ${literal} AS v`);
    assert.equal(row?.v, value);
  }
  assert.equal(sqlLiteral(3), '3');
  assert.equal(sqlLiteral(['a', "b'"]), "['a', decodeURLComponent('b%27')]");
  assert.throws(() => sqlLiteral(Number.NaN), /finite/);
});

test('the period becomes the data source time macros; other parameters become literals', async () => {
  const sql = grafanaSql(
    `SELECT count() FROM t
       WHERE tenant_id = {tenant:String} AND user_id = {user:String}
         AND event_time >= {from:DateTime64(3, 'UTC')} AND event_time < {to:DateTime64(3, 'UTC')}
         AND risk_level >= {minRisk:UInt8} AND (event_time, event_id) < ({cursorTime:DateTime64(3, 'UTC')}, {id:UUID})`,
    { tenant: 'acme', user: HOSTILE[0], minRisk: 3, cursorTime: '2025-01-01 00:00:00.000', id: 'x' },
  );
  assert.equal(
    sql,
    `SELECT count() FROM t
  WHERE tenant_id = 'acme' AND user_id = decodeURLComponent('%27%20OR%201%3D1%20--')
  AND event_time >= $__fromTime_ms AND event_time < $__toTime_ms
  AND risk_level >= 3 AND (event_time, event_id) < (toDateTime64('2025-01-01 00:00:00.000', 3, 'UTC'), 'x')`,
  );
  assert.throws(() => grafanaSql('SELECT {missing:String}', {}), /no value for the query parameter missing/);
});
