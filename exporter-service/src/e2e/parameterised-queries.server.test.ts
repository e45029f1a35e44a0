// Injection payloads in every REST API parameter and in every OTLP string field: the exporter
// answers normally and ClickHouse only ever receives them as bound parameters or insert data,
// never in a statement's text. Server mode, so each statement can be seen as ClickHouse receives
// it (through the chdb-backed ClickHouse-HTTP test fixture).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import {
  startClickHouseHttp,
  type ClickHouseHttpFixture,
  postLogs,
  securityRecord,
  tempDir,
  startTestExporter,
} from '@auditlens/test-support';

const MARK = 'zq9inj';
const PAYLOADS = [
  `${MARK}' OR '1'='1`,
  `${MARK}'; DROP TABLE audit.audit_security_log; --`,
  `${MARK}\\'); SELECT * FROM system.users; --`,
  `${MARK}{tenant:String}`,
  `${MARK}\` UNION ALL SELECT 1 --`,
  `${MARK}" OR ""="`,
  `${MARK}\n) SETTINGS readonly=0 --`,
];

const dir = tempDir('param-queries');
let clickhouse: ClickHouseHttpFixture;
let exporter: RunningExporter;
const statements: { sql: string; params: Readonly<Record<string, string | null>> }[] = [];

before(async () => {
  clickhouse = await startClickHouseHttp({ dataDir: dir.path, onQuery: (query) => statements.push(query) });
  exporter = await startTestExporter(dir.path, { clickhouse: { url: clickhouse.url } });
});
after(async () => {
  await exporter.close();
  await clickhouse.close();
  dir.remove();
});

/** The statement text without insert data (the rows after FORMAT are data, not SQL). */
const statementText = (sql: string): string => sql.replace(/(FORMAT\s+\w+)[\s\S]*$/i, '$1');

test('payloads in OTLP string fields and REST parameters never reach a statement text', async () => {
  const payloadRecords = PAYLOADS.map((payload) =>
    securityRecord({
      tenant: payload,
      body: payload,
      attributes: {
        'user.id': payload,
        'audit.security.event_type': payload,
        'audit.module': payload,
        [payload]: payload,
      },
    }),
  );
  assert.equal((await postLogs(exporter.otlpUrl, payloadRecords)).status, 200);

  const endpoints = (payload: string): string[] => {
    const p = encodeURIComponent(payload);
    return [
      `/search?tenant=${p}&user=${p}&action=${p}&module=${p}&service=${p}&text=${p}`,
      `/search?tenant=acme&ip=${p}`,
      `/search?tenant=acme&kinds=${p}`,
      `/search?tenant=acme&cursor=${p}`,
      `/search?tenant=acme&from=${p}`,
      `/stats?tenant=${p}`,
      `/stats?tenant=acme&to=${p}`,
      `/traces/${p}?tenant=acme`,
      `/traces/0123456789abcdef0123456789abcdef?tenant=${p}`,
      `/records/security/${p}?tenant=acme`,
      `/records/${p}/01900000-0000-7000-8000-000000000001?tenant=acme`,
    ];
  };
  for (const payload of PAYLOADS) {
    for (const path of endpoints(payload)) {
      const response = await fetch(`${exporter.apiUrl}/api/v1${path}`);
      assert.ok(response.status < 500, `${path} → ${response.status}`);
      await response.arrayBuffer();
    }
  }
  // A search for the payload as a user finds exactly the record that carries it.
  const found = await fetch(
    `${exporter.apiUrl}/api/v1/search?tenant=${encodeURIComponent(PAYLOADS[1] ?? '')}&user=${encodeURIComponent(PAYLOADS[1] ?? '')}`,
  );
  assert.equal(((await found.json()) as { rows: unknown[] }).rows.length, 1);

  assert.ok(statements.length > 50, `saw ${statements.length} statements`);
  for (const { sql } of statements) {
    assert.ok(
      !statementText(sql).includes(MARK),
      `a payload reached a statement text:\n${statementText(sql).slice(0, 300)}`,
    );
  }
  assert.ok(
    statements.some(({ params }) => Object.values(params).some((value) => value?.includes(MARK))),
    'payloads travelled as parameters',
  );
});
