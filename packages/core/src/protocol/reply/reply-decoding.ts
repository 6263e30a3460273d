import type { Serializer } from '../../util/serializer.js';
import type { MemberId } from '../types.js';
import type { Reply, ReplyError } from './replies.js';

const UNDECODABLE: ReplyError = { name: 'DecodeError', code: 'DECODE', message: 'the reply could not be decoded' };

/**
 * One member's reply as the caller sees it: the decoded value, or the error the handler threw;
 * a payload the serializer cannot read becomes a DECODE error reply, never an exception.
 */
export function decodeReply(
  serializer: Serializer,
  member: MemberId,
  rank: number,
  failed: boolean,
  payload: Uint8Array,
  viewId?: number,
): Reply {
  const named = viewId === undefined ? { member, rank } : { member, rank, viewId };
  let value: unknown;
  try {
    value = serializer.decode(payload);
  } catch {
    return { ...named, error: UNDECODABLE };
  }
  return failed ? { ...named, error: value as ReplyError } : { ...named, value };
}
