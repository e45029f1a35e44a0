import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();
// A test that fails or times out still leaves none of its processes behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** SIGKILLs the child when the test process exits, if it is still running then. */
export function killAtExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Sends `signal` and resolves once the child has exited; SIGKILL if it still runs after `deadlineMs`. */
export async function killChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  deadlineMs: number,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  await exited;
  clearTimeout(timer);
}
