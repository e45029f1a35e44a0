import {
  dateMath,
  dateTime,
  dateTimeFormat,
  type DateTime,
  type RawTimeRange,
  type TimeRange,
  type TimeZone,
} from '@grafana/data';

/**
 * A time as the exporter sends it — ClickHouse text in UTC ("2025-01-15 10:00:00.000") or ISO 8601
 * with its zone — as epoch milliseconds; NaN when it is neither.
 */
export function parseApiTime(text: string | null | undefined): number {
  if (!text) return Number.NaN;
  if (/(Z|[+-]\d\d:?\d\d)$/.test(text)) return Date.parse(text);
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** An exporter time in the user's time zone and Grafana's date format ('' for none). */
export function formatApiTime(text: string | null | undefined, timeZone: TimeZone): string {
  const ms = parseApiTime(text);
  return Number.isFinite(ms) ? dateTimeFormat(ms, { timeZone }) : (text ?? '');
}

/**
 * A `from`/`to` URL value as Grafana writes them (dashboards, Explore, `${__url_time_range}`):
 * epoch milliseconds for an absolute time, else a time expression ("now-24h", ISO 8601).
 */
export function parseUrlTime(value: string, roundUp: boolean, now: number): DateTime | undefined {
  const parsed = /^\d+$/.test(value)
    ? dateTime(Number(value))
    : dateMath.toDateTime(value, { roundUp, now: dateTime(now) });
  return parsed?.isValid() ? parsed : undefined;
}

/** Both ends of a range resolved against one clock reading (so "now-24h" to "now" spans 24 hours). */
export function resolveRange(raw: RawTimeRange, now: number): TimeRange {
  const end = (value: RawTimeRange['from'], roundUp: boolean) =>
    typeof value === 'string' ? parseUrlTime(value, roundUp, now) : value;
  const to = end(raw.to, true) ?? dateTime(now);
  const from = end(raw.from, false) ?? dateTime(to.valueOf() - 86_400_000);
  return { from, to, raw };
}

/** A range of absolute times, as the time picker's arrows and zoom produce them. */
const absolute = (fromMs: number, toMs: number): RawTimeRange => ({
  from: dateTime(fromMs),
  to: dateTime(toMs),
});

/** The time picker's arrows, as Grafana's (app/core/utils/timePicker.ts): half the span earlier or later. */
export function shiftRange(range: TimeRange, direction: -1 | 1): RawTimeRange {
  const half = (range.to.valueOf() - range.from.valueOf()) / 2;
  return absolute(range.from.valueOf() + direction * half, range.to.valueOf() + direction * half);
}

/** The time picker's zoom out, as Grafana's: twice the span around the same centre. */
export function zoomOutRange(range: TimeRange): RawTimeRange {
  const span = range.to.valueOf() - range.from.valueOf();
  const centre = range.from.valueOf() + span / 2;
  return absolute(centre - span, centre + span);
}

/** A raw range as URL values: relative expressions as they are, absolute times in epoch milliseconds. */
export function urlTime(value: RawTimeRange['from']): string {
  return typeof value === 'string' ? value : String(value.valueOf());
}
