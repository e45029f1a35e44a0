import { startExporter, type ExporterOverrides, type RunningExporter } from '@auditlens/exporter';

/**
 * An exporter for tests: ephemeral ports on loopback, quiet, configured by the overrides alone
 * (not by the environment of the test run).
 */
export function startTestExporter(
  dataDir: string,
  overrides: ExporterOverrides = {},
): Promise<RunningExporter> {
  return startExporter(
    {
      dataDir,
      otlpPort: 0,
      otlpGrpcPort: 0,
      apiPort: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      ...overrides,
    },
    {},
  );
}
