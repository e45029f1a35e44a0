import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The file a running exporter leaves in its data directory, so that the `auditlens` CLI finds its
// API instead of opening the embedded store, which the exporter holds locked (issue 20).

/** What the file says. */
export interface RunningExporterInfo {
  pid: number;
  /** Base URL of the REST API (loopback when the exporter listens on every interface). */
  apiUrl: string;
  mode: 'embedded' | 'server';
  startedAt: string;
}

const FILE = 'exporter.json';

export const runningExporterFile = (dataDir: string): string => join(dataDir, FILE);

/** Written once the API listens; removed by close(). A SIGKILL leaves it: readers check the pid. */
export function announceRunningExporter(dataDir: string, info: RunningExporterInfo): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = runningExporterFile(dataDir);
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`);
  return () => {
    try {
      if (readRunningExporter(dataDir)?.pid === info.pid) rmSync(path, { force: true });
    } catch {
      // Left behind, it names a dead process once this one has exited: readers ignore it.
    }
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process that holds the embedded store of this data directory, if any: ClickHouse writes its
 * pid into `clickhouse/status` while it runs and removes the file when it closes (a SIGKILL leaves
 * it, with a dead pid).
 */
export function embeddedStoreHolder(dataDir: string): number | undefined {
  let status: string;
  try {
    status = readFileSync(join(dataDir, 'clickhouse', 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(/^PID: (\d+)$/m.exec(status)?.[1]);
  return Number.isInteger(pid) && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

/** The exporter running on this data directory, if the file names a live process. */
export function readRunningExporter(dataDir: string): RunningExporterInfo | undefined {
  let info: Partial<RunningExporterInfo>;
  try {
    info = JSON.parse(readFileSync(runningExporterFile(dataDir), 'utf8')) as Partial<RunningExporterInfo>;
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.apiUrl !== 'string' || !isAlive(info.pid)) return undefined;
  return info as RunningExporterInfo;
}
