// The OpenTelemetry way to record requests, as a baseline for the SDK's middleware:
// @opentelemetry/instrumentation-http + @opentelemetry/instrumentation-express on an Express app,
// their spans batched and serialised to OTLP protobuf (then dropped), as an app exporting its
// request spans would pay. The HTTP instrumentation patches every server of the process
// (http.Server.prototype.emit), so it is switched on only while its own app is measured.
import { createRequire } from 'node:module';
import { ExportResultCode } from '@opentelemetry/core';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type express from 'express';

/** Serialises spans as the OTLP exporter would, then drops them; counts them. */
class SerializingSpanSink implements SpanExporter {
  spans = 0;
  export(spans: Parameters<SpanExporter['export']>[0], done: Parameters<SpanExporter['export']>[1]): void {
    ProtobufTraceSerializer.serializeRequest(spans);
    this.spans += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

export interface OtelHttpApp {
  /** Builds the app (its routes are registered while the instrumentations are on). */
  app: express.Express;
  /** Switches the instrumentations on (for the app's measured run) or off. */
  enable(): void;
  disable(): void;
  /** Flushes the batched spans; returns how many were exported so far. */
  flush(): Promise<number>;
  shutdown(): Promise<void>;
}

/** `build` registers the same routes as the other apps of the comparison on the given express(). */
export function otelHttpApp(build: (expressOfApp: typeof express) => express.Express): OtelHttpApp {
  const sink = new SerializingSpanSink();
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(sink)] });
  const httpInstrumentation = new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true });
  const expressInstrumentation = new ExpressInstrumentation();
  for (const instrumentation of [httpInstrumentation, expressInstrumentation]) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  // Loaded through require, where the instrumentations hook in (the same module instances as
  // the ESM imports of the other apps: Node caches them).
  const require = createRequire(import.meta.url);
  require('http');
  const app = build(require('express') as typeof express);
  const instrumentations = [httpInstrumentation, expressInstrumentation];
  const disable = () => instrumentations.forEach((i) => i.disable());
  disable();
  return {
    app,
    enable: () => instrumentations.forEach((i) => i.enable()),
    disable,
    flush: async () => {
      await provider.forceFlush();
      return sink.spans;
    },
    shutdown: () => provider.shutdown(),
  };
}
