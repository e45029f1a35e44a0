import { Presets, SingleBar } from 'cli-progress';

/**
 * The CLI's progress bar, on stderr and only on a terminal: `label [████░░] 42% | 420/1000 rows | ETA 3s`.
 * `update` may grow the total as the work finds more.
 */
export function progressBar(
  label: string,
  unit: string,
): { update: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(Math.max(total, 1), 0);
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}
