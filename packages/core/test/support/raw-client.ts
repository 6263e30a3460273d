import { encodeFrame } from '../../src/protocol/frames.js';
import { quorumCode } from '../../src/protocol/reply/quorum.js';

/**
 * A client-request frame from a hand-made client ('raw/c1', group 'g'; fifo, replies from all
 * within 5 s): what a client that retries with the same key, or asks for what it may not, sends.
 * `payload` is the request's JSON text.
 */
export function rawClientRequest(request: { key: string; call: number; viewLabel: number; topic: string; payload: string }): Uint8Array {
  return encodeFrame({
    group: 'g',
    from: 'raw/c1',
    viewId: 0,
    body: {
      type: 'client-request',
      key: request.key,
      call: request.call,
      viewLabel: request.viewLabel,
      topic: request.topic,
      order: 'fifo',
      safe: false,
      quorum: quorumCode('all'),
      timeoutMs: 5_000,
      payload: new TextEncoder().encode(request.payload),
    },
  });
}
