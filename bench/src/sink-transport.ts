import type { LogBatchTransport } from '@auditlens/sdk';

/** An SDK transport that acknowledges every batch at once: the figures are the SDK's, not the network's. */
export const sinkTransport: LogBatchTransport = {
  encoding: 'protobuf',
  send: () => Promise.resolve({ kind: 'accepted', rejectedRecords: 0 }),
};
