// The SQL the app hands to Grafana Explore: every parameter becomes a literal that cannot end its
// string or start an escape, and that carries nothing Grafana would interpolate ($ or [[).
// (read-routes.test.ts has ClickHouse read each literal back.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grafanaSql, sqlLiteral } from './grafana-sql.js';

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

test('a value needing escape becomes decodeURLComponent of its percent-encoding; numbers and lists stay literal', () => {
  for (const value of HOSTILE) {
    const inner = /^decodeURLComponent\('(.*)'\)$/.exec(sqlLiteral(value))?.[1];
    assert.ok(inner !== undefined, `encoded: ${value}`);
    assert.doesNotMatch(inner, /['\\$[\]{}]/, `nothing to escape or interpolate in ${inner}`);
    assert.equal(decodeURIComponent(inner), value);
  }
  for (const plain of ['alice', 'alice@example.com', '198.51.100.7', ''])
    assert.equal(sqlLiteral(plain), `'${plain}'`);
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
