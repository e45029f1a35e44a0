import { after, before, test } from 'node:test';
import type { RunningExporter } from '../exporter.js';
import { tempDir, assertEveryKindStored, sendEveryKind, startTestExporter } from '@auditlens/test-support';

const dir = tempDir('e2e-embedded');
let exporter: RunningExporter;

before(async () => {
  exporter = await startTestExporter(dir.path);
});
after(async () => {
  await exporter.close();
  dir.remove();
});

for (const encoding of ['protobuf', 'json'] as const) {
  test(`official OTel exporters over ${encoding} → embedded ClickHouse: every kind stored and linked`, async () => {
    const sent = await sendEveryKind(exporter, encoding);
    await assertEveryKindStored(exporter, sent, encoding);
  });
}
