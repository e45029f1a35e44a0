import { initAudit, type AuditClient } from '@auditlens/sdk';
import type { AddressInfo } from 'node:net';
import { createDemoApp } from './app.js';
import { initialiseSystem } from './system-init.js';
import { TrafficGenerator } from './traffic.js';
import { UserRepository } from './users.js';

export interface DemoOptions {
  /** OTLP/HTTP endpoint; undefined = the SDK's OTEL_EXPORTER_OTLP_ENDPOINT handling. */
  endpoint?: string | undefined;
  spoolDir: string;
  host: string;
  port: number;
  trafficIntervalMs: number;
}

export interface RunningDemo {
  url: string;
  audit: AuditClient;
  stop(): Promise<void>;
}

/** The demo app instrumented with the SDK, plus the traffic generator that plays the scenarios. */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const audit = initAudit({
    serviceName: 'auditlens-demo',
    serviceVersion: '0.1.0',
    environment: 'demo',
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    spoolDir: options.spoolDir,
    tenant: 'tenant_001',
    complianceTags: ['MLPS-L3'],
  });
  const users = new UserRepository(audit);
  initialiseSystem(audit, users);
  const server = createDemoApp(audit, users).listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  const traffic = new TrafficGenerator({
    baseUrl: url,
    intervalMs: options.trafficIntervalMs,
    onError: (error) => console.error('[traffic]', error instanceof Error ? error.message : error),
  });
  traffic.start();
  return {
    url,
    audit,
    async stop() {
      await traffic.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await audit.shutdown();
    },
  };
}

export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(value) ? value : fallback;
}
