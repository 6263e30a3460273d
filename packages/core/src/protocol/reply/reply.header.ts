import { frameKind, type FrameKind } from '../../codec/frame-kinds.js';
import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';
import type { MemberId } from '../types.js';

/**
 * Headers of the reply layer. Replies travel point to point, outside the views' reliable
 * streams: the responder resends a reply until the caller acknowledges it, the caller stops
 * waiting for it, or the caller leaves the responder's view.
 */

export interface ReplyBody {
  readonly type: 'reply';
  /** The caller: a member incarnation or a client outside the group. */
  readonly to: MemberId;
  readonly call: number;
  /** The view the responder delivered the request in. */
  readonly viewId: number;
  /** The responder's rank in that view (member i of k). */
  readonly rank: number;
  /** The handler threw: `payload` holds the serialized error ({ name, code, message }). */
  readonly failed: boolean;
  readonly payload: Uint8Array;
  /** The responder's causal context after handling (CausalContext.encode()), or ''. */
  readonly context: string;
  /**
   * A client's retried request answered from memory: the view (and rank) it ran in when that
   * is not `viewId` (a relayed retry delivered in a later view). Its value was computed there:
   * a scatter-gather part of that view's division (docs/replies.md).
   */
  readonly ranIn?: { readonly viewId: number; readonly rank: number };
}

export interface ReplyAckBody {
  readonly type: 'reply-ack';
  readonly call: number;
}

export type ReplyLayerBody = ReplyBody | ReplyAckBody;

export function writeReply(w: FrameWriter, body: ReplyBody): void {
  w.string(body.to)
    .uint(body.call)
    .uint(body.viewId)
    .uint(body.rank)
    .bool(body.failed)
    .bytes(body.payload)
    .string(body.context)
    // 0: it ran in `viewId`.
    .uint(body.ranIn?.viewId ?? 0)
    .uint(body.ranIn?.rank ?? 0);
}

export function readReply(r: FrameReader): ReplyBody {
  const to = r.string();
  const call = r.uint();
  if (call < 1) throw new DecodeError('call id must be >= 1');
  const body: ReplyBody = {
    type: 'reply',
    to,
    call,
    viewId: r.uint(),
    rank: r.uint(),
    failed: r.bool(),
    payload: r.bytesCopy(),
    context: r.string(),
  };
  const ranView = r.uint();
  const ranRank = r.uint();
  return ranView === 0 || ranView === body.viewId ? body : { ...body, ranIn: { viewId: ranView, rank: ranRank } };
}

export function writeReplyAck(w: FrameWriter, body: ReplyAckBody): void {
  w.uint(body.call);
}

export function readReplyAck(r: FrameReader): ReplyAckBody {
  const call = r.uint();
  if (call < 1) throw new DecodeError('call id must be >= 1');
  return { type: 'reply-ack', call };
}

/** The reply layer's frame kinds; their codes are the wire format's (see protocol/frames.ts). */
export const replyFrameKinds: readonly FrameKind<ReplyLayerBody>[] = [
  frameKind<ReplyBody>({
    code: 15,
    type: 'reply',
    write: writeReply,
    read: readReply,
    sizeHint: (body) => 32 + body.to.length + body.payload.length + body.context.length,
  }),
  frameKind<ReplyAckBody>({ code: 16, type: 'reply-ack', write: writeReplyAck, read: readReplyAck }),
];
