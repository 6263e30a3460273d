import { decodeFrameWith, encodeFrameWith, type FrameOf } from '../codec/frame.js';
import { FrameKinds } from '../codec/frame-kinds.js';
import { membershipFrameKinds, type MembershipBody } from './membership/membership.header.js';
import { reliableFrameKinds, type DataBody, type HeartbeatBody, type NakBody, type PackBody } from './reliable/reliable.header.js';
import { clientFrameKinds, type ClientLayerBody } from './reply/client.header.js';
import { replyFrameKinds, type ReplyLayerBody } from './reply/reply.header.js';

export { EPOCH_MAX, WIRE_VERSION } from '../codec/frame.js';

/**
 * The frames of this protocol stack: the codec's envelope (codec/frame.ts) around the body of
 * one of the layers' kinds. Each layer declares its kinds in its header file; this is the one
 * place that gathers them, and every user of frames imports them from here.
 *
 * Why a list built here rather than each header registering itself on import: a table built
 * from the headers' exported lists exists complete before encodeFrame or decodeFrame can run
 * (an import cycle would make a list undefined and fail loudly at load, never leave a kind
 * silently unknown), and it survives bundlers, which may drop an import kept only for its side
 * effect (the package declares "sideEffects": false).
 */

export type FrameBody = DataBody | PackBody | NakBody | HeartbeatBody | MembershipBody | ReplyLayerBody | ClientLayerBody;

export type Frame = FrameOf<FrameBody>;

/** Codes 0-20 as in wire version 1; test/codec/frame-kinds.spec.ts pins every one of them. */
export const FRAME_KINDS = new FrameKinds<FrameBody>([
  ...reliableFrameKinds,
  ...membershipFrameKinds,
  ...replyFrameKinds,
  ...clientFrameKinds,
]);

export function encodeFrame(frame: Frame): Uint8Array {
  return encodeFrameWith(FRAME_KINDS, frame);
}

/** Throws DecodeError for anything that is not a well-formed frame of this version. */
export function decodeFrame(bytes: Uint8Array): Frame {
  return decodeFrameWith(FRAME_KINDS, bytes);
}
