import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The test child script (see audit-child.ts). */
export const AUDIT_CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'audit-child.js');

export interface ChildMessage {
  event: string;
  ids?: string[];
  /** strict mode: records still waiting for their batch when the child said so. */
  unbatched?: string[];
  stats?: Record<string, number>;
}

export interface RunningChild {
  child: ChildProcess;
  /** The first message of `event`; rejects if the child exits before sending it. */
  next(event: string): Promise<ChildMessage>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the audit child with `env` added to ours; its stdout carries one JSON message per line. */
export function startAuditChild(env: Record<string, string>): RunningChild {
  const child = spawn(process.execPath, [AUDIT_CHILD_SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: ChildMessage[] = [];
  const waiters: { event: string; resolve: (m: ChildMessage) => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffered.slice(0, newline)) as ChildMessage;
      buffered = buffered.slice(newline + 1);
      messages.push(message);
      for (const waiter of waiters.filter((w) => w.event === message.event)) waiter.resolve(message);
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    next: (event) =>
      new Promise((resolve, reject) => {
        const found = messages.find((m) => m.event === event);
        if (found) return resolve(found);
        waiters.push({ event, resolve });
        void exit.then(({ code, signal }) =>
          reject(new Error(`child exited (${code ?? signal}) before "${event}"`)),
        );
      }),
    exited: () => exit,
  };
}
