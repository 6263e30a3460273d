import type { CausalContext } from '../../context/causal-context.js';
import type { MemberId } from '../types.js';

/** One member's answer to a synchronous multicast. */
export interface Reply {
  readonly member: MemberId;
  /** The member's rank in the view it delivered the request in (member i of k). */
  readonly rank: number;
  /**
   * The view the member ran the request in, which `rank` is a rank of. Every reply of a
   * member's call or a relayed request names the call's view; a direct request's members may
   * have run it in different views (docs/replies.md). Absent in a Replies built by hand: the
   * call's view.
   */
  readonly viewId?: number;
  /** The handler's return value (absent when it threw). */
  readonly value?: unknown;
  /** The handler threw: what it threw, as { name, code, message }. */
  readonly error?: ReplyError;
}

export interface ReplyError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

/**
 * The outcome of a synchronous multicast: who answered (and what), who failed before
 * answering (a view change removed it) and who was too slow (still in the view when the
 * timeout struck). `quorumMet` tells whether as many replies came as were asked for.
 */
export class Replies {
  constructor(
    /** The view the request was delivered in (0 if that is unknown: it never went out). */
    readonly viewId: number,
    /** The members of that view: the ones the call waited for. */
    readonly expected: readonly MemberId[],
    /** In arrival order, at most one per member. */
    readonly replies: readonly Reply[],
    readonly failed: readonly MemberId[],
    readonly slow: readonly MemberId[],
    readonly quorumMet: boolean,
    /**
     * The responders' causal context after handling: a later multicast of the caller's that
     * runs inside it is delivered after everything they did (the group member merges it).
     */
    readonly context: CausalContext,
  ) {}

  /** The values of the replies that did not throw, in arrival order. */
  values<T = unknown>(): T[] {
    return this.replies.filter((reply) => !reply.error).map((reply) => reply.value as T);
  }

  get errors(): readonly Reply[] {
    return this.replies.filter((reply) => reply.error);
  }

  /**
   * Ranks of the view with no successful reply run in that view: the parts of a
   * scatter-gather query missing. (A reply run in another view, which a direct request's
   * member may give, answers for another division of the work: it covers no rank here.)
   */
  get missingRanks(): number[] {
    const answered = new Set(this.parts().map((reply) => reply.rank));
    return this.expected.map((_, rank) => rank).filter((rank) => !answered.has(rank));
  }

  /**
   * Scatter-gather: merges the successful replies run in the call's view in rank order
   * (member 0's part first), by default concatenating array parts; `merge` folds anything
   * else. Together with `missingRanks` it is exact: the parts of one division of the work,
   * no overlap, and the gaps are the missing ranks.
   */
  gather<T>(merge?: (parts: readonly T[]) => T): T {
    const parts = this.parts()
      .sort((a, b) => a.rank - b.rank)
      .map((reply) => reply.value as T);
    if (merge) return merge(parts);
    return parts.flatMap((part) => (Array.isArray(part) ? part : [part])) as T;
  }

  /** The successful replies run in the call's view, one per rank. */
  private parts(): Reply[] {
    const byRank = new Map<number, Reply>();
    for (const reply of this.replies) {
      if (reply.error || (reply.viewId !== undefined && reply.viewId !== this.viewId)) continue;
      if (reply.rank >= 0 && reply.rank < this.expected.length && !byRank.has(reply.rank)) byRank.set(reply.rank, reply);
    }
    return [...byRank.values()];
  }
}
