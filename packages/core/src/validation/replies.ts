import { InvalidArgumentError } from '../errors.js';
import type { ReplyQuorum } from '../protocol/reply/quorum.js';
import { describe } from './values.js';

/** The named reply quorums; the others are a positive integer k. */
export const REPLY_QUORUM_NAMES: readonly Exclude<ReplyQuorum, number>[] = Object.freeze(['none', 'first', 'majority', 'all'] as const);

export function isReplyQuorum(value: unknown): value is ReplyQuorum {
  if (typeof value === 'string') return (REPLY_QUORUM_NAMES as readonly string[]).includes(value);
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** `replies` of a multicast: 'none', 'first', 'majority', 'all' or a positive integer. */
export function validateReplies(replies: unknown, name = 'replies'): ReplyQuorum {
  if (!isReplyQuorum(replies)) {
    throw new InvalidArgumentError(
      `${name} must be ${REPLY_QUORUM_NAMES.map((word) => `'${word}'`).join(', ')} or a positive integer, not ${describe(replies)}`,
    );
  }
  return replies;
}
