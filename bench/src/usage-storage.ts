// 7. AI / API usage storage (issue 19): typed columns (what migration 7 adds to audit_request_log)
// against typed maps (numbers in a Map(LowCardinality(String), Float64), labels in a
// Map(LowCardinality(String), String)), on the same generated rows (10% of them AI calls): bytes
// per row of the usage fields once merged, and the per-user / model / day aggregation of the usage
// API over 30 days. The rows are generated inside ClickHouse (this measures storage and reads,
// not ingest).
import { join } from 'node:path';
import { createStore, loadConfig } from '@auditlens/exporter';
import { fmt, median, type BenchConfig, type Results } from './context.js';

const BASE = `tenant_id LowCardinality(String), event_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  user_id String CODEC(ZSTD(1))`;
const ENGINE = 'ENGINE = MergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (tenant_id, event_time)';

const VARIANTS = {
  columns: {
    body: `${BASE},
      gen_ai_provider LowCardinality(String) CODEC(ZSTD(1)),
      gen_ai_operation LowCardinality(String) CODEC(ZSTD(1)),
      gen_ai_request_model LowCardinality(String) CODEC(ZSTD(1)),
      gen_ai_response_model LowCardinality(String) CODEC(ZSTD(1)),
      gen_ai_input_tokens UInt64 CODEC(ZSTD(1)),
      gen_ai_output_tokens UInt64 CODEC(ZSTD(1)),
      usage_cost Float64 CODEC(ZSTD(1)),
      usage_currency LowCardinality(String) CODEC(ZSTD(1))`,
    select: `if(ai, provider, ''), if(ai, 'chat', ''), if(ai, model, ''), if(ai, concat(model, '-2025'), ''),
      if(ai, input, 0), if(ai, output, 0), if(ai, cost, 0), if(ai, 'USD', '')`,
    usageColumns: [
      'gen_ai_provider',
      'gen_ai_operation',
      'gen_ai_request_model',
      'gen_ai_response_model',
      'gen_ai_input_tokens',
      'gen_ai_output_tokens',
      'usage_cost',
      'usage_currency',
    ],
    query: `SELECT user_id, if(gen_ai_response_model = '', gen_ai_request_model, gen_ai_response_model) AS model,
        toDate(event_time) AS day, count() AS calls, sum(gen_ai_input_tokens) AS input_tokens,
        sum(gen_ai_output_tokens) AS output_tokens, sum(usage_cost) AS cost, usage_currency AS currency
      FROM {table} WHERE tenant_id = 'tenant_001' AND event_time >= {from:DateTime64(3, 'UTC')}
        AND event_time < {to:DateTime64(3, 'UTC')} AND gen_ai_operation != ''
      GROUP BY user_id, model, day, currency ORDER BY cost DESC LIMIT 1000`,
  },
  maps: {
    body: `${BASE},
      usage_numbers Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
      usage_labels Map(LowCardinality(String), String) CODEC(ZSTD(1))`,
    select: `if(ai, map('gen_ai.usage.input_tokens', toFloat64(input), 'gen_ai.usage.output_tokens',
        toFloat64(output), 'audit.usage.cost', cost), CAST(map(), 'Map(String, Float64)')),
      if(ai, map('gen_ai.provider.name', provider, 'gen_ai.operation.name', 'chat', 'gen_ai.request.model', model,
        'gen_ai.response.model', concat(model, '-2025'), 'audit.usage.currency', 'USD'),
        CAST(map(), 'Map(String, String)'))`,
    usageColumns: ['usage_numbers', 'usage_labels'],
    query: `SELECT user_id, if(usage_labels['gen_ai.response.model'] = '', usage_labels['gen_ai.request.model'],
          usage_labels['gen_ai.response.model']) AS model,
        toDate(event_time) AS day, count() AS calls, sum(usage_numbers['gen_ai.usage.input_tokens']) AS input_tokens,
        sum(usage_numbers['gen_ai.usage.output_tokens']) AS output_tokens, sum(usage_numbers['audit.usage.cost']) AS cost,
        usage_labels['audit.usage.currency'] AS currency
      FROM {table} WHERE tenant_id = 'tenant_001' AND event_time >= {from:DateTime64(3, 'UTC')}
        AND event_time < {to:DateTime64(3, 'UTC')} AND usage_labels['gen_ai.operation.name'] != ''
      GROUP BY user_id, model, day, currency ORDER BY cost DESC LIMIT 1000`,
  },
} as const;

export async function benchUsageStorage(config: BenchConfig, results: Results): Promise<void> {
  const rows = config.rows;
  results.section(
    `## 7. AI / API usage storage at ${fmt.n(rows)} rows (10% AI calls): typed columns vs typed maps`,
  );
  const store = await createStore(loadConfig({ AUDITLENS_DATA_DIR: join(config.workDir, 'usage-storage') }));
  try {
    if (results.keys['run.store'] === undefined) results.set('run.store', store.mode);
    await store.command('CREATE DATABASE IF NOT EXISTS usage_bench');
    const { startMs, endMs } = config.dataset;
    const figures: Record<string, { bytesPerRow: number; queryMs: number }> = {};
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const table = `usage_bench.${name}`;
      await store.command(`DROP TABLE IF EXISTS ${table}`);
      await store.command(`CREATE TABLE ${table} (${variant.body}) ${ENGINE}`);
      // Deterministic rows: 3 tenants, 500 users, 5 models; every tenth row an AI call.
      await store.command(
        `INSERT INTO ${table}
         SELECT tenant_id, event_time, user_id, ${variant.select}
         FROM (
           SELECT concat('tenant_00', toString(number % 3 + 1)) AS tenant_id,
             fromUnixTimestamp64Milli(toInt64({start:Int64} + intDiv(number * {span:Int64}, {n:Int64})), 'UTC') AS event_time,
             concat('u-', toString(cityHash64(number, 3) % 500)) AS user_id,
             number % 10 = 0 AS ai,
             ['openai', 'anthropic', 'gcp.vertex_ai'][number % 3 + 1] AS provider,
             ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-pro', 'o3'][cityHash64(number) % 5 + 1] AS model,
             cityHash64(number, 1) % 4000 AS input, cityHash64(number, 2) % 1000 AS output,
             round((input * 2.5 + output * 10) / 1e6, 6) AS cost
           FROM numbers({n:UInt64}))`,
        { start: startMs, span: endMs - startMs, n: rows },
      );
      await store.command(`OPTIMIZE TABLE ${table} FINAL`);
      const [bytes] = await store.query<{ b: string }>(
        `SELECT sum(data_compressed_bytes) AS b FROM system.columns
         WHERE database = 'usage_bench' AND table = {name:String} AND name IN {columns:Array(String)}`,
        { name, columns: [...variant.usageColumns] },
      );
      figures[name] = { bytesPerRow: Number(bytes?.b ?? 0) / rows, queryMs: NaN };
    }
    // Queries interleaved (columns, maps, columns, …) so that the machine's load, which moves,
    // weighs on both alike; the first round warms the caches and is not counted.
    const times: Record<string, number[]> = { columns: [], maps: [] };
    const period = {
      from: new Date(startMs).toISOString().replace('T', ' ').slice(0, 23),
      to: new Date(endMs + 86_400_000).toISOString().replace('T', ' ').slice(0, 23),
    };
    for (let i = 0; i < 2 * config.queryReps + 1; i++) {
      for (const [name, variant] of Object.entries(VARIANTS)) {
        const started = performance.now();
        await store.query(variant.query.replace('{table}', `usage_bench.${name}`), period);
        if (i > 0) times[name]?.push(performance.now() - started);
      }
    }
    for (const name of Object.keys(VARIANTS)) {
      const figure = figures[name];
      if (figure) figure.queryMs = median(times[name] ?? []);
      await store.command(`DROP TABLE usage_bench.${name}`);
    }
    const columns = figures.columns ?? { bytesPerRow: NaN, queryMs: NaN };
    const maps = figures.maps ?? { bytesPerRow: NaN, queryMs: NaN };
    results.set('usage.columns_bytes_per_row', columns.bytesPerRow);
    results.set('usage.maps_bytes_per_row', maps.bytesPerRow);
    results.set('usage.columns_query_ms', columns.queryMs);
    results.set('usage.maps_query_ms', maps.queryMs);
    results.line(
      `usage fields, bytes per row (all rows): columns ${fmt.n(columns.bytesPerRow, 2)} B, maps ${fmt.n(maps.bytesPerRow, 2)} B ` +
        `(maps/columns ${fmt.ratio(maps.bytesPerRow / columns.bytesPerRow)})`,
    );
    results.line(
      `per user × model × day over 30 days, one tenant: columns ${fmt.ms(columns.queryMs)} ms, maps ${fmt.ms(maps.queryMs)} ms ` +
        `(maps/columns ${fmt.ratio(maps.queryMs / columns.queryMs)})`,
    );
  } finally {
    await store.close();
  }
}
