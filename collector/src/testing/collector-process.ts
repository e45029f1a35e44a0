import { freePort, killAtExit, killChild } from '@auditlens/test-support';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { collectorBinary, REPOSITORY_ROOT } from './binary.js';
import { sampleSum } from './prometheus.js';

/** The collector configurations AuditLens ships (provisioning/otel-collector/). */
export const SHIPPED_CONFIGS = {
  /** docker-compose.yml's collector: otlp_http to one exporter. */
  single: 'provisioning/otel-collector/config.yaml',
  /** The cluster profile: load_balancing over OTLP/gRPC to several exporters. */
  loadBalancing: 'provisioning/otel-collector/config.loadbalancing.yaml',
} as const;
export type ShippedConfig = keyof typeof SHIPPED_CONFIGS;

/** Where the shipped configuration's exporter sends, in the test. */
export interface ExporterAddress {
  otlpUrl: string;
  otlpGrpcPort: number;
}

export interface CollectorOptions {
  config: ShippedConfig;
  exporter: ExporterAddress;
  /** A directory of the test's own: the persistent queue (file_storage) and the overrides go there. */
  dir: string;
  /** The ingest tokens the receiver accepts (AUDITLENS_COLLECTOR_INGEST_TOKENS). */
  tokens: readonly string[];
  /**
   * Settings a test changes on purpose, merged over the shipped file by the collector itself
   * (a later --config wins key by key); the test says why.
   */
  tuning?: Record<string, unknown>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;
const KEPT_LOG_LINES = 20_000;

/** One line of the collector's JSON log. */
export interface CollectorLogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * The AuditLens collector binary running a shipped configuration. Only addresses are replaced
 * for the test — loopback listeners on free ports, the test's exporter, a temporary queue
 * directory, internal telemetry on a free port with JSON logs — plus any `tuning` the test names.
 * Stays on the same ports and queue directory across kill and restart.
 */
export class CollectorProcess {
  private child: ChildProcess | undefined;
  private readonly logLines: string[] = [];

  private constructor(
    private readonly options: CollectorOptions,
    private readonly configFiles: string[],
    readonly httpPort: number,
    readonly grpcPort: number,
    private readonly healthPort: number,
    private readonly metricsPort: number,
  ) {}

  static async start(options: CollectorOptions): Promise<CollectorProcess> {
    const [httpPort, grpcPort, healthPort, metricsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const addresses = {
      extensions: {
        health_check: { endpoint: `127.0.0.1:${healthPort}` },
        'file_storage/audit_queue': { directory: join(options.dir, 'collector-queue') },
      },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `127.0.0.1:${grpcPort}` },
            http: { endpoint: `127.0.0.1:${httpPort}` },
          },
        },
      },
      exporters:
        options.config === 'single'
          ? { 'otlp_http/auditlens': { endpoint: options.exporter.otlpUrl } }
          : {
              'load_balancing/auditlens': {
                resolver: { dns: { hostname: '127.0.0.1', port: String(options.exporter.otlpGrpcPort) } },
              },
            },
      service: {
        telemetry: {
          logs: { encoding: 'json', level: 'info' },
          metrics: {
            level: 'detailed',
            readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }],
          },
        },
      },
    };
    mkdirSync(options.dir, { recursive: true });
    const addressesFile = join(options.dir, `collector-addresses-${httpPort}.yaml`);
    writeFileSync(addressesFile, stringify(addresses));
    const configFiles = [join(REPOSITORY_ROOT, SHIPPED_CONFIGS[options.config]), addressesFile];
    if (options.tuning) {
      const tuningFile = join(options.dir, `collector-tuning-${httpPort}.yaml`);
      writeFileSync(tuningFile, stringify(options.tuning));
      configFiles.push(tuningFile);
    }
    const collector = new CollectorProcess(options, configFiles, httpPort, grpcPort, healthPort, metricsPort);
    await collector.restart();
    return collector;
  }

  /** Base URL of the OTLP/HTTP receiver. */
  get otlpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Starts the binary (again, after a kill) and waits until its health check answers. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('the collector is already running');
    const child = spawn(
      collectorBinary(),
      this.configFiles.map((file) => `--config=file:${file}`),
      {
        env: { ...process.env, AUDITLENS_COLLECTOR_INGEST_TOKENS: `[${this.options.tokens.join(', ')}]` },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    killAtExit(child);
    let partial = '';
    const keep = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.logLines.push(...lines);
      if (this.logLines.length > KEPT_LOG_LINES)
        this.logLines.splice(0, this.logLines.length - KEPT_LOG_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const health = await fetch(`http://127.0.0.1:${this.healthPort}/`).catch(() => undefined);
      if (health?.ok) return;
      if (!this.child || Date.now() > deadline) {
        await this.kill('SIGKILL');
        throw new Error(
          `collector not healthy within ${READY_TIMEOUT_MS} ms; its log:\n${this.logLines.slice(-30).join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends a signal and waits for the process to exit (SIGKILL after a deadline). */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child) await killChild(this.child, signal, STOP_TIMEOUT_MS);
  }

  /** The collector's log lines so far (JSON lines parsed; other lines as `msg`). */
  logs(): CollectorLogLine[] {
    return this.logLines.map((line) => {
      try {
        return JSON.parse(line) as CollectorLogLine;
      } catch {
        return { level: 'unparsed', msg: line };
      }
    });
  }

  /** One metric of the collector's own telemetry, summed over the samples that carry `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    return sampleSum(await response.text(), name, labels);
  }
}
