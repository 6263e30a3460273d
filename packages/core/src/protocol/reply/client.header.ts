import { frameKind, type FrameKind } from '../../codec/frame-kinds.js';
import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';
import { ORDERS } from '../../validation/orders.js';
import { CALL_TIMEOUT_MS_MAX as TIMEOUT_MS_MAX } from '../../validation/durations.js';
import type { MemberId, MessageOrder } from '../types.js';

/**
 * Headers a process outside the group uses to talk to it (the lecture notes' "communication
 * from a client to a group"): a request handed to one member who multicasts it (relay), or
 * sent straight to every member labelled with the view the client believes current (direct).
 */

export interface ClientRequestBody {
  readonly type: 'client-request';
  /** Unique per request and kept across retries: members execute each key once. */
  readonly key: string;
  /** The client's call id: replies and results name it. */
  readonly call: number;
  /** 0: relay (the receiving member multicasts it); else the view the direct request is labelled with. */
  readonly viewLabel: number;
  readonly topic: string;
  readonly order: Exclude<MessageOrder, 'announce'>;
  readonly safe: boolean;
  /** quorumCode() of the replies asked for. */
  readonly quorum: number;
  readonly timeoutMs: number;
  readonly payload: Uint8Array;
}

/**
 * The request's view label is not the member's view: here is the view. With `code`, the
 * member refuses the request outright (a limit of its group's: PAYLOAD_TOO_LARGE,
 * BACKPRESSURE; a malformed request: INVALID_ARGUMENT) and names its view all the same.
 */
export interface ClientRejectBody {
  readonly type: 'client-reject';
  readonly call: number;
  readonly viewId: number;
  readonly members: readonly MemberId[];
  readonly code?: string;
  readonly message?: string;
}

export interface ClientReplyEntry {
  readonly member: MemberId;
  /** Its rank in the view it ran the request in: `viewId`, else the result's view. */
  readonly rank: number;
  /** The view it ran the request in, when that is not the result's (a retry answered from memory). */
  readonly viewId?: number;
  readonly failed: boolean;
  readonly payload: Uint8Array;
}

/** A relayed request's outcome, gathered by the member that multicast it. */
export interface ClientResultBody {
  readonly type: 'client-result';
  readonly call: number;
  readonly viewId: number;
  readonly expected: readonly MemberId[];
  readonly replies: readonly ClientReplyEntry[];
  readonly failed: readonly MemberId[];
  readonly slow: readonly MemberId[];
  readonly quorumMet: boolean;
}

/** "Which view is current?" — answered with a view-notice, and new views are pushed for a while. */
export interface ViewQueryBody {
  readonly type: 'view-query';
}

export type ClientLayerBody = ClientRequestBody | ClientRejectBody | ClientResultBody | ViewQueryBody;

const CODE_LENGTH_MAX = 64;
const MESSAGE_LENGTH_MAX = 1_000;

export function writeClient(w: FrameWriter, body: ClientLayerBody): void {
  switch (body.type) {
    case 'client-request':
      w.string(body.key)
        .uint(body.call)
        .uint(body.viewLabel)
        .internedString(body.topic)
        .u8(ORDERS.indexOf(body.order))
        .bool(body.safe)
        .uint(body.quorum)
        .uint(body.timeoutMs)
        .bytes(body.payload);
      return;
    case 'client-reject':
      // An empty code: no refusal (the label was stale).
      w.uint(body.call)
        .uint(body.viewId)
        .strings(body.members)
        .string(body.code ?? '')
        .string(body.code ? (body.message ?? '') : '');
      return;
    case 'client-result':
      w.uint(body.call).uint(body.viewId).strings(body.expected).uint(body.replies.length);
      for (const reply of body.replies)
        w.string(reply.member)
          .uint(reply.rank)
          .uint(reply.viewId ?? 0)
          .bool(reply.failed)
          .bytes(reply.payload);
      w.strings(body.failed).strings(body.slow).bool(body.quorumMet);
      return;
    case 'view-query':
      return;
  }
}

export function readClient(type: ClientLayerBody['type'], r: FrameReader): ClientLayerBody {
  switch (type) {
    case 'client-request': {
      const key = r.string();
      if (key.length === 0) throw new DecodeError('empty request key');
      const call = positive(r.uint());
      const viewLabel = r.uint();
      const topic = r.internedString();
      const order = ORDERS[r.u8()];
      if (order === undefined) throw new DecodeError('unknown order');
      const safe = r.bool();
      const quorum = r.uint();
      const timeoutMs = r.uint();
      if (timeoutMs < 1 || timeoutMs > TIMEOUT_MS_MAX) throw new DecodeError('timeout out of range');
      return { type, key, call, viewLabel, topic, order, safe, quorum, timeoutMs, payload: r.bytesCopy() };
    }
    case 'client-reject': {
      const call = positive(r.uint());
      const viewId = r.uint();
      const members = r.strings();
      const code = r.string();
      const message = r.string();
      if (code.length > CODE_LENGTH_MAX) throw new DecodeError('refusal code too long');
      return code === ''
        ? { type, call, viewId, members }
        : { type, call, viewId, members, code, message: message.slice(0, MESSAGE_LENGTH_MAX) };
    }
    case 'client-result': {
      const call = positive(r.uint());
      const viewId = r.uint();
      const expected = r.strings();
      const n = r.count();
      const replies: ClientReplyEntry[] = [];
      for (let i = 0; i < n; i++) {
        const member = r.string();
        const rank = r.uint();
        const ranIn = r.uint();
        const failed = r.bool();
        const payload = r.bytesCopy();
        replies.push(
          ranIn === 0 || ranIn === viewId ? { member, rank, failed, payload } : { member, rank, viewId: ranIn, failed, payload },
        );
      }
      return { type, call, viewId, expected, replies, failed: r.strings(), slow: r.strings(), quorumMet: r.bool() };
    }
    case 'view-query':
      return { type };
  }
}

function positive(call: number): number {
  if (call < 1) throw new DecodeError('call id must be >= 1');
  return call;
}

const CLIENT_CODES: readonly (readonly [code: number, type: ClientLayerBody['type']])[] = [
  [17, 'client-request'],
  [18, 'client-reject'],
  [19, 'client-result'],
  [20, 'view-query'],
];

/** The frame kinds of clients outside the group; their codes are the wire format's (see protocol/frames.ts). */
export const clientFrameKinds: readonly FrameKind<ClientLayerBody>[] = CLIENT_CODES.map(([code, type]) =>
  frameKind<ClientLayerBody>({
    code,
    type,
    write: writeClient,
    read: (r) => readClient(type, r),
    sizeHint: clientBytes,
  }),
);

/** A guess of a body's bytes: its payloads and a little more. */
function clientBytes(body: ClientLayerBody): number {
  switch (body.type) {
    case 'client-request':
      return 48 + body.key.length + body.topic.length + body.payload.length;
    case 'client-result':
      return body.replies.reduce((bytes, reply) => bytes + 24 + reply.member.length + reply.payload.length, 112);
    default:
      return 112;
  }
}
