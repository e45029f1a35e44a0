/**
 * `@auditlens/exporter/otlp`: the OTLP wire format as the exporter reads it — the decoders of
 * export requests (protobuf and OTLP/JSON, with the exporter's limits and error messages), the
 * protobuf message types, and attribute values as JavaScript. For tools, benchmarks and tests that
 * build or read OTLP bodies exactly as the exporter does.
 */
export { decodeLogsRequest, decodeTracesRequest, DecodeError, type Encoding } from './decode.js';
export {
  ExportLogsServiceRequest,
  ExportLogsServiceResponse,
  type AnyValue,
  type KeyValue,
  type LogRecord,
  type LogsRequest,
  type Long,
  type TracesRequest,
} from './schema.js';
export { anyValueToJs, attributesToMap, bytesToHex, type AttributeValue } from './values.js';
