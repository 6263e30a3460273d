/**
 * The one place the benchmark reaches into @cohort/core's wire codec (not its public API):
 * the header-bytes row encodes packs of causal data messages exactly as a sender does. Uses
 * `encodeFrame` (protocol/frames.ts: the codec's envelope around the protocol's frame kinds)
 * with a `pack` body of `DataBody` messages (protocol/reliable/reliable.header.ts). When the
 * codec changes shape, this file is the one to fix.
 */
import { encodeFrame } from '../../../../packages/core/src/protocol/frames.js';
import type { DataBody } from '../../../../packages/core/src/protocol/reliable/reliable.header.js';

export interface FrameHeader {
  epoch: number;
  group: string;
  /** The sender's member id, "host:port/incarnation". */
  from: string;
  viewId: number;
}

export interface CausalMessage {
  seq: number;
  topic: string;
  payload: Uint8Array;
  /** The vector-timestamp entries [rank, seq] that changed since the sender's previous causal message. */
  depsDelta: readonly (readonly [number, number])[];
}

/** One frame as the sender writes it for one turn's causal multicasts (a lone message is a `data` frame). */
export function encodeCausalFrame(header: FrameHeader, messages: readonly CausalMessage[]): Uint8Array {
  const bodies: DataBody[] = messages.map((m) => ({
    type: 'data',
    seq: m.seq,
    topic: m.topic,
    payload: m.payload,
    order: 'causal',
    depsDelta: m.depsDelta,
  }));
  const body = bodies.length === 1 ? bodies[0]! : { type: 'pack' as const, messages: bodies };
  return encodeFrame({ ...header, body });
}
