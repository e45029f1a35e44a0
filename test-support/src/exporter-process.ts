import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { killAtExit, killChild } from './child-processes.js';

/** The `auditlens` command of the exporter package (bin/auditlens.js beside its dist/). */
const AUDITLENS_BIN = fileURLToPath(
  new URL('../bin/auditlens.js', import.meta.resolve('@auditlens/exporter')),
);
const READY_TIMEOUT_MS = 60_000;
const COMMAND_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 45_000;

/** What one run of the `auditlens` command printed and its exit code. */
export interface AuditlensRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `auditlens <args>` as its own process with only PATH and `env` in its environment; killed
 * (and the run failed) when it has not ended within two minutes.
 */
export function runAuditlens(args: readonly string[], env: Record<string, string>): Promise<AuditlensRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUDITLENS_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killAtExit(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`auditlens ${args.join(' ')} did not end within ${COMMAND_TIMEOUT_MS} ms: ${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port free on loopback now (the caller binds it soon after; another process may race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The exporter as its own process (`auditlens serve`), so that a test can SIGKILL it and start
 * it again on the same ports and data directory. Listens on loopback only; the rest of its
 * configuration comes from `env` (AUDITLENS_* variables, as in production).
 */
export class ExporterProcess {
  private child: ChildProcess | undefined;
  private stderr = '';

  private constructor(
    private readonly env: Record<string, string>,
    readonly otlpPort: number,
    readonly otlpGrpcPort: number,
    readonly apiPort: number,
  ) {}

  /** Starts an exporter on free loopback ports and waits until it is ready. */
  static async start(env: Record<string, string>): Promise<ExporterProcess> {
    const exporter = new ExporterProcess(env, await freePort(), await freePort(), await freePort());
    await exporter.restart();
    return exporter;
  }

  get otlpUrl(): string {
    return `http://127.0.0.1:${this.otlpPort}`;
  }

  get otlpGrpcAddress(): string {
    return `127.0.0.1:${this.otlpGrpcPort}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process (again, after a kill) and waits for /readyz. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('the exporter process is already running');
    this.stderr = '';
    const child = spawn(process.execPath, [AUDITLENS_BIN, 'serve'], {
      env: {
        ...process.env,
        AUDITLENS_LOG_LEVEL: 'error',
        ...this.env,
        AUDITLENS_HOST: '127.0.0.1',
        AUDITLENS_OTLP_PORT: String(this.otlpPort),
        AUDITLENS_OTLP_GRPC_PORT: String(this.otlpGrpcPort),
        AUDITLENS_API_PORT: String(this.apiPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    killAtExit(child);
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.ready())) {
      if (!this.child || Date.now() > deadline) {
        await this.kill('SIGKILL');
        throw new Error(
          `exporter process not ready within ${READY_TIMEOUT_MS} ms (stderr: ${this.stderr || 'empty'})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async ready(): Promise<boolean> {
    const response = await fetch(`${this.apiUrl}/readyz`).catch(() => undefined);
    return response?.ok === true;
  }

  /** Sends a signal and waits for the process to exit (SIGKILL after a deadline). */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child) await killChild(this.child, signal, STOP_TIMEOUT_MS);
  }

  /** Graceful stop: SIGTERM commits every queued row before the process exits. */
  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }

  /** The exporter's Prometheus metrics as text. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.apiUrl}/metrics`);
    return response.text();
  }
}
