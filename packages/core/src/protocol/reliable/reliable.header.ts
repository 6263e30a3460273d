import { frameKind, type FrameKind } from '../../codec/frame-kinds.js';
import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';
import { MESSAGE_ORDERS } from '../../validation/orders.js';
import type { DepsDelta, MessageMeta, MessageOrder } from '../types.js';

/** Headers of the reliable layer: data, negative acknowledgement, heartbeat with acks. */

export interface DataBody extends MessageMeta {
  readonly type: 'data';
  readonly seq: number;
  readonly topic: string;
  readonly payload: Uint8Array;
}

/**
 * Many data messages of one sender in one frame: everything it multicast in one turn of its
 * event loop (packing). A lone message still leaves at the end of its turn, never later.
 */
export interface PackBody {
  readonly type: 'pack';
  readonly messages: readonly DataBody[];
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
  /**
   * The sender's application lags (its delivery queue is over its mark): the others send no
   * new multicasts until it says otherwise (backpressure, like XOFF).
   */
  readonly slow: boolean;
}

export const NAK_SEQS_MAX = 512;

/** Each order's wire code is its index in the one list of orders. */
const ORDERS = MESSAGE_ORDERS;
const ORDER_BITS = 0x07;
const SAFE_BIT = 0x08;
const DEPS_BIT = 0x10;
const CALL_BIT = 0x20;
const KEY_BIT = 0x40;
const KNOWN_BITS = ORDER_BITS | SAFE_BIT | DEPS_BIT | CALL_BIT | KEY_BIT;

/**
 * One flags byte (order in bits 0-2, safe, has-deps, call, request key), then for causal and
 * total messages the vector-timestamp entries that changed since the sender's previous such
 * message, then the call id and request key of a synchronous request. A sender streaming
 * without receiving sends no entry at all: a one-byte header.
 */
export function writeMeta(w: FrameWriter, meta: MessageMeta): void {
  w.u8(
    ORDERS.indexOf(meta.order ?? 'fifo') |
      (meta.safe ? SAFE_BIT : 0) |
      (meta.depsDelta ? DEPS_BIT : 0) |
      (meta.call ? CALL_BIT : 0) |
      (meta.requestKey ? KEY_BIT : 0),
  );
  if (meta.depsDelta) {
    w.uint(meta.depsDelta.length);
    for (const [rank, seq] of meta.depsDelta) w.uint(rank).uint(seq);
  }
  if (meta.call) w.uint(meta.call);
  if (meta.requestKey) w.string(meta.requestKey);
}

export function readMeta(r: FrameReader): MessageMeta {
  return readMetaAfter(r.u8(), r);
}

/** The rest of the header once its flags byte is read. */
function readMetaAfter(flags: number, r: FrameReader): MessageMeta {
  if (flags & ~KNOWN_BITS) throw new DecodeError('unknown message flags');
  const order = ORDERS[flags & ORDER_BITS];
  if (order === undefined) throw new DecodeError('unknown message order');
  let depsDelta: DepsDelta | null = null;
  if (flags & DEPS_BIT) {
    const n = r.count();
    const entries: (readonly [number, number])[] = [];
    for (let i = 0; i < n; i++) entries.push([r.uint(), r.uint()]);
    depsDelta = entries;
  }
  // Defaults stay absent, so a plain fifo message decodes to exactly what was encoded.
  const meta: { order?: MessageOrder; safe?: boolean; depsDelta?: DepsDelta; call?: number; requestKey?: string } = {};
  if (order !== 'fifo') meta.order = order;
  if (flags & SAFE_BIT) meta.safe = true;
  if (depsDelta) meta.depsDelta = depsDelta;
  if (flags & CALL_BIT) {
    meta.call = r.uint();
    if (meta.call < 1) throw new DecodeError('call id must be >= 1');
  }
  if (flags & KEY_BIT) {
    meta.requestKey = r.string();
    if (meta.requestKey.length === 0) throw new DecodeError('empty request key');
  }
  return meta;
}

export function writeData(w: FrameWriter, body: DataBody): void {
  w.uint(body.seq).internedString(body.topic).bytes(body.payload);
  writeMeta(w, body);
}

/**
 * The payload is a copy, not a view into the frame: a payload the application keeps must not
 * keep the whole frame (up to a pack of messages) alive with it (docs/decisions.md, "Payloads
 * are copies").
 */
export function readData(r: FrameReader): DataBody {
  const seq = r.uint();
  if (seq < 1) throw new DecodeError('data seq must be >= 1');
  const topic = r.internedString();
  const payload = r.bytesCopy();
  const flags = r.u8();
  // Most messages are plain fifo ones: no header object to build and spread.
  if (flags === 0) return { type: 'data', seq, topic, payload };
  return { type: 'data', seq, topic, payload, ...readMetaAfter(flags, r) };
}

/** A guess of a message's bytes: seq, topic and payload with their lengths, flags, a few deps. */
function dataBytes(body: DataBody): number {
  return 12 + body.topic.length + body.payload.length + (body.depsDelta ? 4 * body.depsDelta.length : 0);
}

export function writePack(w: FrameWriter, body: PackBody): void {
  w.uint(body.messages.length);
  for (const message of body.messages) writeData(w, message);
}

/** A guess from the first message alone (the writer grows past it): no walk over them all. */
function packBytes(body: PackBody): number {
  const first = body.messages[0];
  return first === undefined ? 4 : 4 + body.messages.length * dataBytes(first);
}

export function readPack(r: FrameReader): PackBody {
  const n = r.count();
  const messages: DataBody[] = [];
  for (let i = 0; i < n; i++) messages.push(readData(r));
  return { type: 'pack', messages };
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
  w.uint(body.sentHigh).uints(body.acks).bool(body.flushing).bool(body.slow);
}

export function readHeartbeat(r: FrameReader): HeartbeatBody {
  return { type: 'heartbeat', sentHigh: r.uint(), acks: r.uints(), flushing: r.bool(), slow: r.bool() };
}

/** The reliable layer's frame kinds; their codes are the wire format's (see protocol/frames.ts). */
export const reliableFrameKinds: readonly FrameKind<DataBody | PackBody | NakBody | HeartbeatBody>[] = [
  frameKind<DataBody>({ code: 0, type: 'data', write: writeData, read: readData, sizeHint: dataBytes }),
  frameKind<NakBody>({ code: 1, type: 'nak', write: writeNak, read: readNak }),
  frameKind<HeartbeatBody>({ code: 2, type: 'heartbeat', write: writeHeartbeat, read: readHeartbeat }),
  frameKind<PackBody>({ code: 14, type: 'pack', write: writePack, read: readPack, sizeHint: packBytes }),
];
