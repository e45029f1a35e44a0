import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

/** "30s", "5m", "1h", "7d" (one number, one unit) → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as Unit];
}

/** Milliseconds → the largest unit that expresses it exactly ("5m", "90s", "1500ms"). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0 && ms >= UNIT_MS[unit]) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** A duration string bounded to [min, max] (milliseconds), with messages that say the bounds. */
export function durationSchema(minMs: number, maxMs: number) {
  return z.string().superRefine((text, context) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s, 5m, 1h or 7d` });
    } else if (ms < minMs || ms > maxMs) {
      context.addIssue({
        code: 'custom',
        message: `${text} is outside ${formatDuration(minMs)} … ${formatDuration(maxMs)}`,
      });
    }
  });
}

/** Parses a duration the schema has already validated. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`not a duration: ${text}`);
  return ms;
}
