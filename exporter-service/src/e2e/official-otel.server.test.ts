// The same scenario as the embedded test, with the exporter in server mode: it talks to
// ClickHouse over HTTP through @clickhouse/client. No modern ClickHouse server can be installed
// here, so the endpoint is the chdb-backed ClickHouse-HTTP test fixture (testing/clickhouse-http.ts).
import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import {
  startClickHouseHttp,
  type ClickHouseHttpFixture,
  tempDir,
  assertEveryKindStored,
  sendEveryKind,
  startTestExporter,
} from '@auditlens/test-support';

const dir = tempDir('e2e-server');
let clickhouse: ClickHouseHttpFixture;
let exporter: RunningExporter;

before(async () => {
  clickhouse = await startClickHouseHttp({ dataDir: dir.path, user: 'ingest', password: 's3cret' });
  exporter = await startTestExporter(dir.path, {
    clickhouse: { url: clickhouse.url, user: 'ingest', password: 's3cret' },
  });
});
after(async () => {
  await exporter.close();
  await clickhouse.close();
  dir.remove();
});

test('the exporter runs in server mode through @clickhouse/client', () => {
  if (exporter.store.mode !== 'server') throw new Error(`expected server mode, got ${exporter.store.mode}`);
});

for (const encoding of ['protobuf', 'json'] as const) {
  test(`official OTel exporters over ${encoding} → ClickHouse server store: every kind stored and linked`, async () => {
    const sent = await sendEveryKind(exporter, encoding);
    await assertEveryKindStored(exporter, sent, encoding);
  });
}
