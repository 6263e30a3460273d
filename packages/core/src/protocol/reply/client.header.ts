import type { FrameReader } from '../../codec/frame-reader.js';
import type { FrameWriter } from '../../codec/frame-writer.js';
import { DecodeError } from '../../errors.js';
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

/** The request's view label is not the member's view (or it is not serving): here is the view. */
export interface ClientRejectBody {
  readonly type: 'client-reject';
  readonly call: number;
  readonly viewId: number;
  readonly members: readonly MemberId[];
}

export interface ClientReplyEntry {
  readonly member: MemberId;
  readonly rank: number;
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

const ORDERS = ['fifo', 'causal', 'total', 'group'] as const;
const TIMEOUT_MS_MAX = 24 * 3600 * 1000;

export function writeClient(w: FrameWriter, body: ClientLayerBody): void {
  switch (body.type) {
    case 'client-request':
      w.string(body.key).uint(body.call).uint(body.viewLabel).string(body.topic).u8(ORDERS.indexOf(body.order))
        .bool(body.safe).uint(body.quorum).uint(body.timeoutMs).bytes(body.payload);
      return;
    case 'client-reject':
      w.uint(body.call).uint(body.viewId).strings(body.members);
      return;
    case 'client-result':
      w.uint(body.call).uint(body.viewId).strings(body.expected).uint(body.replies.length);
      for (const reply of body.replies) w.string(reply.member).uint(reply.rank).bool(reply.failed).bytes(reply.payload);
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
      const topic = r.string();
      const order = ORDERS[r.u8()];
      if (order === undefined) throw new DecodeError('unknown order');
      const safe = r.bool();
      const quorum = r.uint();
      const timeoutMs = r.uint();
      if (timeoutMs < 1 || timeoutMs > TIMEOUT_MS_MAX) throw new DecodeError('timeout out of range');
      return { type, key, call, viewLabel, topic, order, safe, quorum, timeoutMs, payload: r.bytes().slice() };
    }
    case 'client-reject':
      return { type, call: positive(r.uint()), viewId: r.uint(), members: r.strings() };
    case 'client-result': {
      const call = positive(r.uint());
      const viewId = r.uint();
      const expected = r.strings();
      const n = r.count();
      const replies: ClientReplyEntry[] = [];
      for (let i = 0; i < n; i++) replies.push({ member: r.string(), rank: r.uint(), failed: r.bool(), payload: r.bytes().slice() });
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
