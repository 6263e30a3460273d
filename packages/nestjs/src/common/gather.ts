import type { Replies, ReplyQuorum } from '@cohort/core';
import { GroupReplyError } from './errors.js';

/**
 * How a synchronous caller's result is made of the replies (the core's `Replies.gather()`:
 * the successful replies run in the call's view, one per rank):
 * - 'values' (default): their values, in rank order (member 0's first);
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

/** What the caller knows beyond the replies, to explain a failure. */
export interface GatherContext {
  /**
   * Why the caller's own deliveries are held (`group.deliveryHolds`): a member whose delivery
   * of its own call waits cannot answer it, so a missed quorum says so.
   */
  readonly heldBy?: readonly string[];
}

/**
 * The caller's result. Unless `gather` is 'replies', it fails with GroupReplyError when the
 * quorum was not met (code QUORUM_NOT_MET) or any member's handler threw (code REPLY_ERROR).
 */
export function gatherReplies(replies: Replies, gather: Gather = 'values', context: GatherContext = {}): unknown {
  if (gather === 'replies') return replies;
  const failed = replies.errors[0];
  if (failed?.error) {
    throw new GroupReplyError(
      'REPLY_ERROR',
      `member ${failed.member} (rank ${failed.rank}) failed: ${failed.error.name}: ${failed.error.message}`,
      replies,
    );
  }
  if (!replies.quorumMet) {
    const missing = [...replies.slow, ...replies.failed];
    const held = context.heldBy && context.heldBy.length > 0 ? `; this member's deliveries are held: ${context.heldBy.join('; ')}` : '';
    throw new GroupReplyError(
      'QUORUM_NOT_MET',
      `${replies.replies.length} of ${replies.expected.length} members answered (no answer from ${missing.join(', ') || 'anyone'})${held}`,
      replies,
    );
  }
  if (gather === 'first') return replies.values()[0];
  if (gather === 'concat') return replies.gather<unknown>();
  if (gather === 'values') return replies.gather<unknown>((parts) => [...parts]);
  return replies.gather<unknown>((parts) => gather([...parts], replies));
}
