import type { Replies, ReplyQuorum } from '@cohort/core';
import { GroupReplyError } from './errors.js';

/**
 * How a synchronous caller's result is made of the replies:
 * - 'values' (default): the successful values, in rank order (member 0's first);
 * - 'concat': the same, with array values flattened one level (scatter-gather parts);
 * - 'first': the first successful value to arrive;
 * - 'replies': the core's `Replies` object itself (never rejects for errors or a missed quorum);
 * - a function: folds the successful values, in rank order.
 */
export type Gather = 'values' | 'concat' | 'first' | 'replies' | ((parts: unknown[], replies: Replies) => unknown);

/** 'first' when one reply is all the caller waits for, else 'values'. */
export function defaultGather(replies: ReplyQuorum | undefined): Gather {
  return replies === 'first' || replies === 1 ? 'first' : 'values';
}

/**
 * The caller's result. Unless `gather` is 'replies', it fails with GroupReplyError when the
 * quorum was not met (code QUORUM_NOT_MET) or any member's handler threw (code REPLY_ERROR).
 */
export function gatherReplies(replies: Replies, gather: Gather = 'values'): unknown {
  if (gather === 'replies') return replies;
  const failed = replies.errors[0];
  if (failed?.error) {
    throw new GroupReplyError('REPLY_ERROR', `member ${failed.member} (rank ${failed.rank}) failed: ${failed.error.name}: ${failed.error.message}`, replies);
  }
  if (!replies.quorumMet) {
    const missing = [...replies.slow, ...replies.failed];
    throw new GroupReplyError('QUORUM_NOT_MET', `${replies.replies.length} of ${replies.expected.length} members answered (no answer from ${missing.join(', ') || 'anyone'})`, replies);
  }
  if (gather === 'first') return replies.values()[0];
  const ordered = [...replies.replies].sort((a, b) => a.rank - b.rank).map((reply) => reply.value);
  if (gather === 'values') return ordered;
  if (gather === 'concat') return ordered.flatMap((part) => (Array.isArray(part) ? part : [part]));
  return gather(ordered, replies);
}
