import { CausalContext, type GroupCausality } from '../context/causal-context.js';
import type { Clock, TimerHandle } from '../env/clock.js';
import { CausalContextUnsatisfiedError, GroupClosedError, InvalidArgumentError } from '../errors.js';
import type { Member, OutboxEntry } from '../protocol/member.js';
import type { Replies } from '../protocol/reply/replies.js';
import { CALL_TIMEOUT_MS_MAX, describe as describeValue, validateDuration, validateOptionsObject } from '../validation/index.js';

/** What the causal waits need from their group. */
export interface CausalWaitsHost {
  readonly group: string;
  readonly clock: Clock;
  /** How long a multicast waits for its causal context (the `contextWaitMs` option). */
  readonly contextWaitMs: number;
  closed(): boolean;
  /** Between an exclusion and the next incarnation's join. */
  rejoining(): boolean;
  /** The current incarnation of the member. */
  member(): Member;
  /** The multicasts the group keeps back from the member (held here, or for the next incarnation). */
  waiting(): OutboxEntry[];
}

/** What of a causal context this member has not delivered: `final`, it never will. */
export interface ContextGap {
  readonly final: boolean;
  readonly detail: string;
}

/**
 * The waits of causal contexts: a multicast (or awaitContext) waits until this member has
 * delivered what its context names; the member's own multicasts wait, in order, until it has
 * delivered what the replies to its calls named (holdForReplies). Checked at each delivery
 * and install (wake), each bounded by a timer.
 */
export class CausalWaits {
  /** Multicasts waiting for this member to deliver what their causal context names. */
  private readonly waiters = new Set<() => void>();
  /** What the replies to this member's calls carried: its later multicasts follow it. */
  private repliedContext = CausalContext.empty;
  /** Own multicasts wait in the group's `waiting` while this is set (holdForReplies). */
  private repliedHold: { check: () => void; timer: TimerHandle } | null = null;
  private trimmedCount = 0;

  constructor(private readonly host: CausalWaitsHost) {}

  /** What the replies to this member's calls named, merged. */
  get replied(): CausalContext {
    return this.repliedContext;
  }

  /** The member's own multicasts wait for what replies named. */
  get holding(): boolean {
    return this.repliedHold !== null;
  }

  /** Held multicasts that went out naming only what this member delivered: `stats.repliedContextsTrimmed`. */
  get trimmed(): number {
    return this.trimmedCount;
  }

  /** Anything waits (a delivery then wakes the waits). */
  get waiting(): boolean {
    return this.waiters.size > 0;
  }

  /**
   * What of `context` this member has not delivered, or null when it has delivered all of it:
   * a context of an older view is satisfied (the flush that ended it delivered everything);
   * one of a newer view waits for this member to install it; in the same view, each entry is
   * compared with what this member has delivered (its causal vector). `final`: it never will
   * (a rank beyond the view).
   */
  gap(context: GroupCausality): ContextGap | null {
    const mine = this.host.member().causalVector();
    if (!mine) return { final: false, detail: `it names view ${context.viewId}; this member is not in a view` };
    if (context.viewId < mine.viewId) return null;
    if (context.viewId > mine.viewId)
      return { final: false, detail: `it names view ${context.viewId}; this member is in view ${mine.viewId}` };
    for (let rank = 0; rank < context.deps.length; rank++) {
      const named = context.deps[rank]!;
      if (rank >= mine.deps.length) {
        if (named > 0)
          return { final: true, detail: `it names rank ${rank} of view ${mine.viewId}, which has ${mine.deps.length} members` };
        continue;
      }
      if (named > mine.deps[rank]!) {
        return {
          final: false,
          detail: `it names message ${named} of rank ${rank} in view ${mine.viewId}; this member has delivered ${mine.deps[rank]}`,
        };
      }
    }
    return null;
  }

  /** Resolves once this member has delivered what `context` names; rejects after `waitMs`. */
  delivered(context: GroupCausality, waitMs: number): Promise<void> {
    const group = this.host.group;
    return new Promise<void>((resolve, reject) => {
      let timer: { cancel(): void } | null = null;
      const settle = (outcome: Error | null): void => {
        this.waiters.delete(check);
        timer?.cancel();
        if (outcome) reject(outcome);
        else resolve();
      };
      const check = (): void => {
        if (this.host.closed()) return settle(new GroupClosedError('the member left the group'));
        const gap = this.gap(context);
        if (!gap) return settle(null);
        if (gap.final) settle(new CausalContextUnsatisfiedError(group, gap.detail));
      };
      this.waiters.add(check);
      check();
      if (!this.waiters.has(check)) return;
      if (waitMs === 0) return settle(new CausalContextUnsatisfiedError(group, `${this.gap(context)!.detail} (contextWaitMs is 0)`));
      timer = this.host.clock.setTimer(waitMs, () => {
        const gap = this.gap(context);
        settle(gap ? new CausalContextUnsatisfiedError(group, `${gap.detail}, after waiting ${waitMs} ms`) : null);
      });
    });
  }

  /** Group.awaitContext: its arguments checked, then `delivered` for this group's part of the context. */
  awaitContext(context: CausalContext | undefined, options: { timeoutMs?: number }): Promise<void> {
    let waitMs: number;
    try {
      if (context !== undefined && !(context instanceof CausalContext)) {
        throw new InvalidArgumentError(
          `awaitContext() takes a CausalContext (or nothing, for the ambient one), not ${describeValue(context)}`,
        );
      }
      const bag = validateOptionsObject(options, 'awaitContext() options', { timeoutMs: true });
      waitMs = validateDuration(bag['timeoutMs'], 'awaitContext() options.timeoutMs', 0, CALL_TIMEOUT_MS_MAX) ?? this.host.contextWaitMs;
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.host.closed()) return Promise.reject(new GroupClosedError('the member left the group'));
    const causality = (context ?? CausalContext.current())?.get(this.host.group);
    if (!causality || !this.gap(causality)) return Promise.resolve();
    return this.delivered(causality, waitMs);
  }

  /** A delivery, an install or closing may settle the waits. */
  wake(): void {
    if (this.waiters.size > 0) for (const check of [...this.waiters]) check();
  }

  /**
   * The member's own call teaches it its replies' context, which its later multicasts carry.
   * A call relayed for a client does not: the client's thread is not the member's.
   */
  absorbed(replies: Replies, requestKey: string | undefined): Replies {
    if (requestKey === undefined) {
      this.repliedContext = this.repliedContext.merge(replies.context);
      this.holdForReplies();
    }
    return replies;
  }

  /**
   * A reply's context names messages that exist, but not yet messages this member has: a
   * responder's own multicasts may still be on their way, and if the responder crashes first
   * the flush discards them. A multicast sent on top of them would be discarded with them, an
   * orphan, after this member was told it was sent (campaign seeds 2297, 4257, 7345). So the
   * member holds its own multicasts, calls and flush() calls back, in the order issued, until
   * it has delivered what the replies named, or the view ended (its flush settled them). The
   * order matters: a handler's multicast must not pass one issued before it (a snapshot's "OK"
   * would pass a transfer debited before the checkpoint). Bounded by `contextWaitMs`: a member
   * that named messages it never sent delays its caller that long, and no longer: the held
   * multicasts then go out naming only what this member delivered.
   */
  private holdForReplies(): void {
    if (this.repliedHold || this.host.closed()) return;
    const unmet = (): boolean => {
      const replied = this.repliedContext.get(this.host.group);
      return replied !== undefined && this.gap(replied) !== null;
    };
    if (!unmet()) return;
    const check = (): void => {
      if (this.host.closed() || !unmet()) this.releaseHeld(false);
    };
    this.repliedHold = { check, timer: this.host.clock.setTimer(this.host.contextWaitMs, () => this.releaseHeld(unmet())) };
    this.waiters.add(check);
  }

  private releaseHeld(expired: boolean): void {
    const hold = this.repliedHold;
    if (!hold) return;
    this.repliedHold = null;
    hold.timer.cancel();
    this.waiters.delete(hold.check);
    const member = this.host.member();
    const waiting = this.host.waiting();
    if (expired) {
      const mine = member.causalVector();
      const trim = (context: GroupCausality | undefined): GroupCausality | undefined => {
        if (!context || !mine || context.viewId < mine.viewId) return context;
        if (context.viewId > mine.viewId) return undefined;
        return { viewId: context.viewId, deps: context.deps.map((named, rank) => Math.min(named, mine.deps[rank] ?? 0)) };
      };
      const replied = trim(this.repliedContext.get(this.host.group));
      this.repliedContext = replied
        ? CausalContext.ofMember(this.host.group, { viewId: replied.viewId, deps: [...replied.deps] })
        : CausalContext.empty;
      for (const entry of waiting) if ('options' in entry) entry.options = { ...entry.options, context: trim(entry.options.context) };
      this.trimmedCount++;
    }
    // Out of the group, they wait for the next incarnation; closing, leave() ends them.
    if (this.host.closed() || (member.isGone && this.host.rejoining())) return;
    // All at once: a handler that runs as the first goes out multicasts behind the last.
    member.enqueue(...waiting.splice(0));
  }
}
