// The bench's side of the exporter host: fork, RPC over IPC, RSS from /proc.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostInfo, HostRequest, HostResponse } from './host-protocol.js';

type Command = HostRequest extends infer R ? (R extends { cmd: infer C } ? C : never) : never;
type ArgsOf<C extends Command> = Extract<HostRequest, { cmd: C }>['args'];

export class ExporterHost {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly info: HostInfo,
  ) {
    child.on('message', (message: HostResponse) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`exporter host: ${message.error}`));
    });
    child.on('exit', (code) => {
      this.exited = true;
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`exporter host exited (${code})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static start(
    dataDir: string,
    options: { cpuProfileDir?: string | undefined; bare?: boolean } = {},
  ): Promise<ExporterHost> {
    const execArgv = ['--expose-gc', '--max-old-space-size=4096'];
    if (options.cpuProfileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    const child = fork(fileURLToPath(new URL('./exporter-host.js', import.meta.url)), [], {
      env: { ...process.env, BENCH_DATA_DIR: dataDir, ...(options.bare ? { BENCH_MODULES: 'none' } : {}) },
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`exporter host exited during start (${code})`)));
      child.once('message', (message: HostResponse) => {
        if (message.ok) resolve(new ExporterHost(child, message.result as HostInfo));
        else reject(new Error(message.error));
      });
    });
  }

  call<C extends Command>(cmd: C, args: ArgsOf<C>): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('exporter host is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, cmd, args } as HostRequest);
    });
  }

  /** Resident set size of the exporter process, in bytes (Linux /proc). */
  rss(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb === undefined ? NaN : Number(kb) * 1024;
    } catch {
      return NaN;
    }
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call('close', {}).catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 60_000))]);
    if (!this.exited) this.child.kill('SIGKILL');
  }
}
