import { Option } from 'commander';
import { ApiError } from '../api/errors.js';

// What the commands of the `auditlens` CLI share: exit codes, usage errors, the --config option,
// times on the command line, and running a command's work.

/**
 * Exit codes: 0 done (verify: intact), 1 integrity broken, 2 usage or configuration error,
 * 3 report has gaps (report --fail-on-gap) or nothing to verify (verify: no rows, no checkpoints),
 * 4 could not verify (the store failed).
 */
export const EXIT = { ok: 0, broken: 1, usage: 2, gap: 3, noData: 3, failed: 4 } as const;

/** A usage problem the CLI reports with exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/** ISO-8601 time or epoch milliseconds on the command line (undefined when not given). */
export function parseCliTime(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new CliUsageError(`${name}: an ISO-8601 time or epoch milliseconds expected`);
  return ms;
}

/** A read's period as its API call computes it (defaults and checks), from times in milliseconds. */
export type PeriodOf = (query: { from?: number | undefined; to?: number | undefined }) => {
  fromMs: number;
  toMs: number;
};

/**
 * The period of a CLI read from its --from and --to, with the defaults and checks of the same API
 * call (`periodOf`); a period the API would refuse is a usage error naming the option.
 */
export function cliPeriod(
  options: { from?: string; to?: string },
  periodOf: PeriodOf,
): { fromMs: number; toMs: number } {
  const query = { from: parseCliTime(options.from, '--from'), to: parseCliTime(options.to, '--to') };
  try {
    return periodOf(query);
  } catch (error) {
    if (error instanceof ApiError) throw new CliUsageError(`--${error.message}`);
    throw error;
  }
}

/** The --config option every command that reads the configuration takes. */
export const configOption = (): Option =>
  new Option('-c, --config <file>', 'JSON file of AUDITLENS_* variables (the environment wins)');

/** Prints a line on stdout (what a command answers). */
export const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/**
 * Runs a command's work through `start` (the CLI's action slot); a failure prints its message
 * and exits 2 (usage or configuration), as the compliance commands document.
 */
export function failuresAreUsageErrors(
  start: (work: () => Promise<number>) => void,
): (work: () => Promise<number>) => void {
  return (work) =>
    start(() =>
      work().catch((error: unknown) => {
        process.stderr.write(`auditlens: ${(error as Error).message}\n`);
        return EXIT.usage;
      }),
    );
}
