/* global fetch, AbortSignal */
// Runs the @grafana/plugin-e2e specs when a Grafana answers at GRAFANA_URL (default
// http://localhost:3000, e.g. from `docker compose up`); otherwise says so and exits 0.
import { spawnSync } from 'node:child_process';
import process from 'node:process';

const url = process.env.GRAFANA_URL ?? 'http://localhost:3000';
let healthy = false;
try {
  const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3000) });
  healthy = response.ok;
} catch {
  healthy = false;
}
if (!healthy) {
  console.log(
    `plugin-e2e: skipped, no Grafana answers at ${url}/api/health (start one with docker compose up)`,
  );
  process.exit(0);
}
const result = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
