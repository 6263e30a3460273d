import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';

/** Headers of the reliable layer: data, negative acknowledgement, heartbeat with acks. */

export interface DataBody {
  readonly type: 'data';
  readonly seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** "Send me these sequence numbers again" — addressed to the original sender. */
export interface NakBody {
  readonly type: 'nak';
  readonly missing: readonly number[];
}

/**
 * Liveness and stability in one: the highest seq the sender has sent in this view, and for
 * each member (by rank) the highest seq received from it without a gap.
 */
export interface HeartbeatBody {
  readonly type: 'heartbeat';
  readonly sentHigh: number;
  readonly acks: readonly number[];
  /** The sender promised a view change that has not completed: the coordinator must finish one. */
  readonly flushing: boolean;
}

export const NAK_SEQS_MAX = 512;

export function writeData(w: FrameWriter, body: DataBody): void {
  w.uint(body.seq).string(body.topic).bytes(body.payload);
}

export function readData(r: FrameReader): DataBody {
  const seq = r.uint();
  if (seq < 1) throw new DecodeError('data seq must be >= 1');
  return { type: 'data', seq, topic: r.string(), payload: r.bytes().slice() };
}

export function writeNak(w: FrameWriter, body: NakBody): void {
  w.uints(body.missing);
}

export function readNak(r: FrameReader): NakBody {
  const missing = r.uints();
  if (missing.length > NAK_SEQS_MAX) throw new DecodeError('nak too long');
  return { type: 'nak', missing };
}

export function writeHeartbeat(w: FrameWriter, body: HeartbeatBody): void {
  w.uint(body.sentHigh).uints(body.acks).bool(body.flushing);
}

export function readHeartbeat(r: FrameReader): HeartbeatBody {
  return { type: 'heartbeat', sentHigh: r.uint(), acks: r.uints(), flushing: r.bool() };
}
