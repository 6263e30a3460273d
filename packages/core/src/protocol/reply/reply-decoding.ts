import type { Serializer } from '../../serializer.js';
import type { MemberId } from '../types.js';
import type { Reply, ReplyError } from './replies.js';

const UNDECODABLE: ReplyError = { name: 'DecodeError', code: 'DECODE', message: 'the reply could not be decoded' };

/**
 * One member's reply as the caller sees it: the decoded value, or the error the handler threw;
 * a payload the serializer cannot read becomes a DECODE error reply, never an exception.
 */
export function decodeReply(serializer: Serializer, member: MemberId, rank: number, failed: boolean, payload: Uint8Array): Reply {
  let value: unknown;
  try {
    value = serializer.decode(payload);
  } catch {
    return { member, rank, error: UNDECODABLE };
  }
  return failed ? { member, rank, error: value as ReplyError } : { member, rank, value };
}
