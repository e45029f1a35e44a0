// npm run soak: the long versions of the fault tests (RELIABILITY.md), then the load soak.
//   FAULT_KILLS=10, STORE_OUTAGE_SECONDS=60, AUDITLENS_OUTAGE_SECONDS=30, FUZZ_CASES=100000,
//   SOAK_MINUTES=10 — each can be overridden from the environment.
import { spawnSync } from 'node:child_process';

const env = {
  FAULT_KILLS: '10',
  STORE_OUTAGE_SECONDS: '60',
  AUDITLENS_OUTAGE_SECONDS: '30',
  FUZZ_CASES: '100000',
  SOAK_MINUTES: '10',
  ...process.env,
};
const run = (args) =>
  spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', ...args], {
    stdio: 'inherit',
    env,
  }).status ?? 1;

const failures = [
  run([
    'examples/demo-app/dist/e2e/faults.test.js',
    'examples/demo-app/dist/e2e/sdk-outage.test.js',
    'collector/dist/faults.test.js',
  ]),
  run(['exporter-service/dist/http/otlp-fuzz.test.js']),
  run(['exporter-service/dist/soak/load.soak.js']),
].filter((status) => status !== 0).length;
process.exit(failures === 0 ? 0 : 1);
