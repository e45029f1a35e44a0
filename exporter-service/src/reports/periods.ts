import type { PeriodType } from '@auditlens/contract/rest';
/** Report periods (the source's daily … annual and custom reports), in a fixed-offset time zone. */

export interface Period {
  type: PeriodType;
  /** Inclusive start, epoch ms. */
  startMs: number;
  /** Exclusive end, epoch ms. */
  endMs: number;
  /** e.g. 2026-01-05, 2026-W02, 2026-01, 2026-Q1, 2026 */
  label: string;
  utcOffsetMinutes: number;
}

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO-8601 week number and its year for a local date (UTC fields). */
function isoWeek(local: Date): { year: number; week: number } {
  const day = (local.getUTCDay() + 6) % 7; // Monday = 0
  const thursday =
    Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + (3 - day) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  return { year, week: 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY_MS / 7) };
}

/** The period of `type` that contains the instant `atMs`. */
export function periodContaining(
  type: Exclude<PeriodType, 'custom'>,
  atMs: number,
  utcOffsetMinutes = 0,
): Period {
  const shift = utcOffsetMinutes * 60_000;
  const local = new Date(atMs + shift);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  let start: number;
  let end: number;
  let label: string;
  switch (type) {
    case 'daily':
      start = Date.UTC(y, m, local.getUTCDate());
      end = start + DAY_MS;
      label = `${y}-${pad(m + 1)}-${pad(local.getUTCDate())}`;
      break;
    case 'weekly': {
      const day = (local.getUTCDay() + 6) % 7;
      start = Date.UTC(y, m, local.getUTCDate()) - day * DAY_MS;
      end = start + 7 * DAY_MS;
      const { year, week } = isoWeek(new Date(start));
      label = `${year}-W${pad(week)}`;
      break;
    }
    case 'monthly':
      start = Date.UTC(y, m, 1);
      end = Date.UTC(y, m + 1, 1);
      label = `${y}-${pad(m + 1)}`;
      break;
    case 'quarterly': {
      const q = Math.floor(m / 3);
      start = Date.UTC(y, q * 3, 1);
      end = Date.UTC(y, q * 3 + 3, 1);
      label = `${y}-Q${q + 1}`;
      break;
    }
    case 'annual':
      start = Date.UTC(y, 0, 1);
      end = Date.UTC(y + 1, 0, 1);
      label = String(y);
      break;
  }
  return { type, startMs: start - shift, endMs: end - shift, label, utcOffsetMinutes };
}

/** The last complete period of `type` before `nowMs` (yesterday, last week, …). */
export function previousPeriod(
  type: Exclude<PeriodType, 'custom'>,
  nowMs: number,
  utcOffsetMinutes = 0,
): Period {
  const current = periodContaining(type, nowMs, utcOffsetMinutes);
  return periodContaining(type, current.startMs - 1, utcOffsetMinutes);
}

export function customPeriod(startMs: number, endMs: number, utcOffsetMinutes = 0): Period {
  const text = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
  return { type: 'custom', startMs, endMs, label: `${text(startMs)} – ${text(endMs)}`, utcOffsetMinutes };
}

/** `+08:00` for 480. */
export function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A period that cannot be built from the given values; `field` names the culprit. */
export class PeriodError extends Error {
  override name = 'PeriodError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const MAX_CUSTOM_MS = 5 * 366 * DAY_MS;

/**
 * The period a request names: custom needs from and to; any other type is the period containing
 * `at`, or without `at` the last complete one before `nowMs`.
 */
export function resolvePeriod(
  type: PeriodType,
  values: { at?: number | undefined; from?: number | undefined; to?: number | undefined },
  utcOffsetMinutes: number,
  nowMs = Date.now(),
): Period {
  if (type === 'custom') {
    if (values.from === undefined) throw new PeriodError('from', 'required for a custom period');
    if (values.to === undefined) throw new PeriodError('to', 'required for a custom period');
    if (values.from >= values.to) throw new PeriodError('from', 'must be before to');
    if (values.to - values.from > MAX_CUSTOM_MS)
      throw new PeriodError('to', 'a custom period spans at most five years');
    return customPeriod(values.from, values.to, utcOffsetMinutes);
  }
  if (values.from !== undefined || values.to !== undefined) {
    throw new PeriodError(
      values.from !== undefined ? 'from' : 'to',
      `only for a custom period; use at for ${type}`,
    );
  }
  return values.at === undefined
    ? previousPeriod(type, nowMs, utcOffsetMinutes)
    : periodContaining(type, values.at, utcOffsetMinutes);
}
