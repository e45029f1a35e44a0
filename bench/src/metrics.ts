// The exporter's own Prometheus figures: how many batches, how large, how long (diagnostics).
export interface BatchFigures {
  rows: number;
  batches: number;
  seconds: number;
}

export async function batchFigures(apiUrl: string): Promise<BatchFigures> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const sum = (pattern: RegExp): number => {
    let total = 0;
    for (const line of text.split('\n')) {
      const match = pattern.exec(line);
      if (match?.[1]) total += Number(match[1]);
    }
    return total;
  };
  return {
    rows: sum(
      /^auditlens_rows_inserted_total\{[^}]*table="audit_(?:request|database|change|security|admin)_log"[^}]*\} (\S+)/,
    ),
    batches: sum(
      /^auditlens_batch_insert_seconds_count\{[^}]*table="audit_(?:request|database|change|security|admin)_log"[^}]*\} (\S+)/,
    ),
    seconds: sum(
      /^auditlens_batch_insert_seconds_sum\{[^}]*table="audit_(?:request|database|change|security|admin)_log"[^}]*\} (\S+)/,
    ),
  };
}

export function batchDelta(before: BatchFigures, after: BatchFigures): BatchFigures {
  return {
    rows: after.rows - before.rows,
    batches: after.batches - before.batches,
    seconds: after.seconds - before.seconds,
  };
}
