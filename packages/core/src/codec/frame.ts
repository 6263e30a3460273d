import { DecodeError } from '../errors.js';
import {
  readMembership, writeMembership, type MembershipBody,
} from '../protocol/membership/membership.header.js';
import {
  readData, readHeartbeat, readNak, readPack, writeData, writeHeartbeat, writeNak, writePack,
  type DataBody, type HeartbeatBody, type NakBody, type PackBody,
} from '../protocol/reliable/reliable.header.js';
import { readClient, writeClient, type ClientLayerBody } from '../protocol/reply/client.header.js';
import {
  readReply, readReplyAck, writeReply, writeReplyAck, type ReplyLayerBody,
} from '../protocol/reply/reply.header.js';
import type { MemberId } from '../protocol/types.js';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';

/**
 * A frame: version, kind, the group's epoch (0: not known to the sender), group, sender
 * incarnation and the sender's view id (0 before it has one), then the body of the layer
 * that owns the kind. The epoch is drawn at random when a group is formed; a member drops
 * frames of another epoch (an earlier incarnation of the group), so a replay from a group that
 * was formed before cannot act on this one (docs/security.md).
 */
export const WIRE_VERSION = 1;
export const EPOCH_MAX = 0xffff_ffff;

export type FrameBody = DataBody | PackBody | NakBody | HeartbeatBody | MembershipBody | ReplyLayerBody | ClientLayerBody;

export interface Frame {
  /** The group incarnation's epoch (0 or absent: the sender does not know one: a joiner, a client). */
  readonly epoch?: number;
  readonly group: string;
  readonly from: MemberId;
  readonly viewId: number;
  readonly body: FrameBody;
}

const KINDS: readonly FrameBody['type'][] = [
  'data', 'nak', 'heartbeat', 'join-request', 'join-pending', 'leave-request', 'prepare', 'promise',
  'reject', 'accept', 'accepted', 'install', 'welcome', 'view-notice', 'pack',
  'reply', 'reply-ack', 'client-request', 'client-reject', 'client-result', 'view-query',
];
const KIND_CODES = new Map(KINDS.map((kind, code) => [kind, code] as const));

export function encodeFrame(frame: Frame): Uint8Array {
  const w = new FrameWriter(frame.body.type === 'data' ? 64 + frame.body.payload.length : 128);
  w.u8(WIRE_VERSION).u8(KIND_CODES.get(frame.body.type)!).uint(frame.epoch ?? 0).string(frame.group).string(frame.from).uint(frame.viewId);
  const body = frame.body;
  switch (body.type) {
    case 'data': writeData(w, body); break;
    case 'pack': writePack(w, body); break;
    case 'nak': writeNak(w, body); break;
    case 'heartbeat': writeHeartbeat(w, body); break;
    case 'reply': writeReply(w, body); break;
    case 'reply-ack': writeReplyAck(w, body); break;
    case 'client-request': case 'client-reject': case 'client-result': case 'view-query': writeClient(w, body); break;
    default: writeMembership(w, body);
  }
  return w.finish();
}

/** Throws DecodeError for anything that is not a well-formed frame of this version. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const r = new FrameReader(bytes);
  const version = r.u8();
  if (version !== WIRE_VERSION) throw new DecodeError(`unknown wire version ${version}`);
  const kind = KINDS[r.u8()];
  if (kind === undefined) throw new DecodeError('unknown frame kind');
  const epoch = r.uint();
  if (epoch > EPOCH_MAX) throw new DecodeError('epoch out of range');
  const group = r.string();
  const from = r.string();
  const viewId = r.uint();
  let body: FrameBody;
  switch (kind) {
    case 'data': body = readData(r); break;
    case 'pack': body = readPack(r); break;
    case 'nak': body = readNak(r); break;
    case 'heartbeat': body = readHeartbeat(r); break;
    case 'reply': body = readReply(r); break;
    case 'reply-ack': body = readReplyAck(r); break;
    case 'client-request': case 'client-reject': case 'client-result': case 'view-query': body = readClient(kind, r); break;
    default: body = readMembership(kind, r);
  }
  r.end();
  return { epoch, group, from, viewId, body };
}
