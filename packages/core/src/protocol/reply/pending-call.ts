import { CausalContext } from '../../context/causal-context.js';
import type { MemberId } from '../types.js';
import { repliesNeeded, type ReplyQuorum } from './quorum.js';
import { Replies, type Reply } from './replies.js';

/**
 * The caller's side of one synchronous multicast of a member (and of a relayed client request,
 * which its relaying member multicasts; a direct client request is a DirectCall): which members it waits for, what came
 * back, and when it is done. Done means: the quorum of replies arrived, or no member is left
 * that could still reply (the rest failed), or the timeout struck.
 */
export class PendingCall {
  private viewId = 0;
  private expected: readonly MemberId[] | null = null;
  private readonly replies = new Map<MemberId, Reply>();
  private readonly failed = new Set<MemberId>();
  private readonly earlyViews = new Map<MemberId, number>();
  private settled = false;
  /** What the responders had seen and done when they replied: the caller's next steps follow it. */
  private context = CausalContext.empty;

  constructor(
    readonly call: number,
    private readonly quorum: Exclude<ReplyQuorum, 'none'>,
    private readonly done: (replies: Replies) => void,
  ) {}

  get isSettled(): boolean {
    return this.settled;
  }

  /** The request went out in `viewId`: the members of that view are the ones it waits for. */
  sentIn(viewId: number, members: readonly MemberId[]): void {
    // Replies that overtook this record were checked against nothing: keep those of this view.
    for (const member of [...this.replies.keys()]) {
      if (!members.includes(member) || this.earlyViews.get(member) !== viewId) this.replies.delete(member);
    }
    this.earlyViews.clear();
    this.viewId = viewId;
    this.expected = members;
    this.check();
  }

  /** The members still to answer (not replied, not failed). */
  waitingFor(): MemberId[] {
    return (this.expected ?? []).filter((member) => !this.replies.has(member) && !this.failed.has(member));
  }

  /** True if the reply counts (the first from that member, for the view the call waits on). */
  reply(member: MemberId, viewId: number, reply: Reply, context?: CausalContext): boolean {
    if (this.settled || this.replies.has(member)) return false;
    // A reply names the view it was delivered in; view synchrony makes it the view of the send.
    if (this.expected && (viewId !== this.viewId || !this.expected.includes(member))) return false;
    if (!this.expected) this.earlyViews.set(member, viewId);
    // The view it ran in: the one it was delivered in, unless it answers a retry from memory.
    this.replies.set(member, { ...reply, viewId: reply.viewId ?? viewId });
    if (context) this.context = this.context.merge(context);
    this.failed.delete(member);
    this.check();
    return true;
  }

  /** A view was installed: members of the request's view not in it will never reply. */
  viewChanged(members: readonly MemberId[]): void {
    if (this.settled || !this.expected) return;
    for (const member of this.expected) if (!members.includes(member) && !this.replies.has(member)) this.failed.add(member);
    this.check();
  }

  timedOut(): void {
    if (this.settled) return;
    this.settle();
  }

  private check(): void {
    if (this.settled) return;
    if (!this.expected) {
      // Replies can overtake the caller's own record of the send: a k or 'first' may be met.
      if (this.replies.size >= this.earlyNeed()) this.settle();
      return;
    }
    const needed = repliesNeeded(this.quorum, this.expected.length);
    // Counted on `expected` itself: a failed member is one of it (viewChanged marks only those).
    if (this.replies.size >= needed || this.waitingFor().length === 0) this.settle();
  }

  /** Before the view of the send is known only 'first' and k can be met. */
  private earlyNeed(): number {
    return this.quorum === 'first' ? 1 : typeof this.quorum === 'number' ? this.quorum : Infinity;
  }

  private settle(): void {
    this.settled = true;
    this.done(this.result());
  }

  private result(): Replies {
    const expected = this.expected ?? [];
    const replies = [...this.replies.values()];
    const needed = this.expected ? repliesNeeded(this.quorum, expected.length) : this.earlyNeed();
    const slow = expected.filter((member) => !this.replies.has(member) && !this.failed.has(member));
    const viewId = this.viewId || (this.earlyViews.values().next().value ?? 0);
    return new Replies(viewId, expected, replies, [...this.failed], slow, replies.length >= needed, this.context);
  }
}
