// What every section shares: the run's sizes, the results collected so far, printing.
import type { DatasetOptions } from './dataset.js';

export interface BenchConfig {
  quick: boolean;
  /** Rows loaded into both systems for the query comparison and the hot paths. */
  rows: number;
  /** Records of the timed ingest window (and of the raw-insert ceiling). */
  ingestRecords: number;
  requestSize: number;
  concurrency: number;
  queryReps: number;
  memoryMinutes: number;
  alertIncidents: number;
  sdkIterations: number;
  sdkRequests: number;
  sections: Set<string>;
  dataset: DatasetOptions;
  workDir: string;
  resultsDir: string;
  cpuProfileDir: string | undefined;
  /** Base name of the result files (default latest / latest-full). */
  resultsName: string | undefined;
}

export type Figure = number | string | boolean | null;

export class Results {
  /** Flat keys, e.g. ingest.records_per_s (the figures the issue names, and the rest). */
  readonly keys: Record<string, Figure> = {};
  readonly details: Record<string, unknown> = {};
  readonly notes: string[] = [];
  readonly lines: string[] = [];
  /** Called at each new section (the results so far are written, so a long run leaves them). */
  onSection: (() => void) | undefined;

  set(key: string, value: Figure): void {
    this.keys[key] =
      typeof value === 'number' && Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
  }

  detail(key: string, value: unknown): void {
    this.details[key] = value;
  }

  note(text: string): void {
    this.notes.push(text);
    log(`  note: ${text}`);
  }

  /** A section heading, printed and kept for the Markdown summary. */
  section(title: string): void {
    this.onSection?.();
    if (this.lines.length > 0) this.lines.push('');
    this.lines.push(title);
    log(`\n${title}`);
  }

  /** A printed figure next to its baseline (and the ratio); also kept for the Markdown summary. */
  line(text: string): void {
    this.lines.push(text);
    log(text);
  }
}

export function log(text: string): void {
  process.stdout.write(`${text}\n`);
}

export const fmt = {
  n: (x: number, digits = 0): string =>
    Number.isFinite(x)
      ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
      : 'n/a',
  ms: (x: number): string =>
    Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : 'n/a',
  ratio: (x: number): string =>
    Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '×' : 'n/a',
  mb: (bytes: number): string => (bytes / 1024 / 1024).toFixed(1) + ' MB',
};

export const median = (values: readonly number[]): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}
