import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD_SCRIPT = fileURLToPath(new URL('../../../scripts/build-collector.mjs', import.meta.url));
/** A cold build (empty Go module and build caches) took under 4 minutes on 2 busy cores. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

let built: string | undefined;

/**
 * Path of the AuditLens collector binary: `npm run collector:build`'s last line. Builds it when
 * the sources changed since the cached build (npm test builds it before the suites start, so a
 * test usually gets the cached path at once).
 */
export function collectorBinary(): string {
  if (built) return built;
  const output = execFileSync(process.execPath, [BUILD_SCRIPT], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: BUILD_TIMEOUT_MS,
  });
  const path = output.trim().split('\n').at(-1);
  if (!path) throw new Error('collector:build printed no binary path');
  built = path;
  return path;
}
