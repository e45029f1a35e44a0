import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ExporterOverrides, RunningExporter } from '../exporter.js';
import { startClickHouseHttp, tempDir, startTestExporter } from '@auditlens/test-support';
import { SELF_AUDIT_EVENTS, selfAuditModule } from './self-audit.js';

const dir = tempDir('self-audit');
after(() => dir.remove());

async function selfEvents(exporter: RunningExporter) {
  return exporter.store.query<{ event_type: string; risk_level: number; attributes: Record<string, string> }>(
    `SELECT event_type, risk_level, attributes FROM audit.audit_security_log
     WHERE tenant_id = '' AND detection_method = 'self-audit' ORDER BY event_time, event_type`,
  );
}

test('start, stop, a configuration change and a store outage are recorded, without secrets', async () => {
  const clickhouse = await startClickHouseHttp({ dataDir: dir.path });
  const base = (overrides: ExporterOverrides): Promise<RunningExporter> =>
    startTestExporter(dir.path, {
      clickhouse: { url: clickhouse.url, password: 'supersecret-pw' },
      modules: [selfAuditModule({ probeIntervalMs: 50 })],
      ...overrides,
    });
  try {
    const first = await base({
      ingestTokens: new Map([['supersecret-token', { tenants: new Set(['acme']) }]]),
    });
    await first.close();

    const second = await base({ spansAsRequests: false });
    const outageStart = Date.now();
    clickhouse.setAvailable(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clickhouse.setAvailable(true);
    // The outage is written once the store answers again.
    let events = await selfEvents(second);
    for (let i = 0; i < 50 && !events.some((e) => e.event_type === SELF_AUDIT_EVENTS.storeOutage); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      events = await selfEvents(second);
    }
    const outageSeen = Date.now();
    await second.close();

    const reader = await base({ modules: [] });
    events = await selfEvents(reader);
    await reader.close();
    assert.deepEqual(
      events.map((e) => e.event_type),
      [
        SELF_AUDIT_EVENTS.started,
        SELF_AUDIT_EVENTS.stopped,
        SELF_AUDIT_EVENTS.started,
        SELF_AUDIT_EVENTS.configChanged,
        SELF_AUDIT_EVENTS.storeOutage,
        SELF_AUDIT_EVENTS.stopped,
      ],
    );
    const [firstStart, , secondStart, change, outage] = events;
    assert.equal(firstStart?.risk_level, 3, 'dev mode (no API tokens) is recorded as high risk');
    assert.equal(JSON.parse(firstStart?.attributes['auditlens.config'] ?? '{}').clickhousePasswordSet, true);
    assert.equal(secondStart?.attributes['auditlens.dev_mode'], 'true');
    assert.deepEqual(JSON.parse(change?.attributes['auditlens.config.changed'] ?? '[]'), [
      'ingestTokens',
      'spansAsRequests',
    ]);
    // The recorded outage lies within the real one as the test saw it: it starts at the first
    // failed probe (not before the store went away) and ends at the first good one (before the
    // record was found). How much of the 300 ms the probes see depends on the machine's load
    // (a probe is every 50 ms when the event loop is free), so only these bounds are certain.
    const duration = Number(outage?.attributes['auditlens.outage.duration_ms']);
    assert.ok(duration > 0 && duration <= outageSeen - outageStart, `${duration} ms`);
    assert.doesNotMatch(JSON.stringify(events), /supersecret/);
  } finally {
    await clickhouse.close();
  }
});
