import type { Address } from '../wire/wire.js';
import type { FlushValue } from './membership/membership.header.js';
import { Incarnation, type LayerContext } from './incarnation.js';
import {
  emptyMemberStats,
  type BlockedReason,
  type MemberOptions,
  type MemberStats,
  type OutboxEntry,
  type SendOptions,
} from './member-api.js';
import { Stack } from './stack.js';
import type { DataMessage, MemberId, View } from './types.js';

export {
  emptyMemberStats,
  type BlockedReason,
  type MemberEvents,
  type MemberOptions,
  type MemberStats,
  type OutboxEntry,
  type SendOptions,
} from './member-api.js';

/**
 * One incarnation of a group member: the facade of the protocol stack (stack.ts) from the
 * wire up to ordered delivery. Reliable FIFO multicast runs inside a view (reliable/);
 * membership changes views by a flush agreed with single-decree Paxos (membership/); order/
 * delivers each message when its order allows; flow/ holds multicasts back while the window
 * is full or a view change runs. The member never blocks on the application: deliveries are
 * handed up synchronously, in order, and the application queues them.
 */
export class Member {
  readonly me: MemberId;
  /** Counted where each event happens; the Group's object when it passes one, so counters outlive an incarnation. */
  readonly stats: MemberStats;
  private readonly life: Incarnation;
  private readonly stack: Stack;

  constructor(private readonly options: MemberOptions) {
    this.me = options.me;
    this.stats = options.stats ?? emptyMemberStats();
    this.life = new Incarnation(options.clock);
    const ctx: LayerContext = { me: this.me, options, stats: this.stats, events: options.events, life: this.life };
    this.stack = new Stack(ctx);
  }

  get epoch(): number {
    return this.stack.transport.epoch;
  }

  get view(): View | null {
    return this.stack.membership.currentView;
  }

  get isMember(): boolean {
    return this.life.phase === 'member';
  }

  get isGone(): boolean {
    return this.life.phase === 'gone';
  }

  /** Unstable messages held in memory (for tests and stats: bounded in a long run). */
  get heldMessages(): number {
    return this.stack.reliable.channel?.heldCount() ?? 0;
  }

  /** Messages received and not yet delivered because their order holds them (causal, total, safe, group). */
  get orderQueueMessages(): number {
    return this.stack.order.heldCount;
  }

  /**
   * The send window: this member's unstable multicasts (`messages`, at most windowMessagesMax
   * before the next waits) and the members whose application lags (any one holds sending back).
   */
  get window(): { messages: number; messagesMax: number; slowMembers: number } {
    const channel = this.stack.reliable.channel;
    const messages = channel ? channel.sentHigh - channel.stableSeq(channel.myRank) : 0;
    return { messages, messagesMax: this.options.windowMessagesMax, slowMembers: this.stack.flow.slowMembers };
  }

  start(): void {
    this.stack.start();
  }

  /** Multicasts issued and not yet sent (waiting for a view change or for the window). */
  get pendingCount(): number {
    return this.stack.flow.pendingCount;
  }

  /** Sends (or queues while a view change is running) one multicast. */
  multicast(topic: string, payload: Uint8Array, options: SendOptions = { order: 'fifo', safe: false }): Promise<DataMessage | null> {
    return new Promise((resolve) => {
      if (this.isGone) return resolve(null);
      this.stack.flow.enqueueOne({ topic, payload, options, sent: resolve });
    });
  }

  /**
   * Queues multicasts (and flush() calls) to go out in this order (settled at once if this
   * incarnation is gone). Several are queued at once before any is sent: sending one may
   * deliver messages whose handlers multicast, and those must queue behind all of these.
   */
  enqueue(...entries: OutboxEntry[]): void {
    this.stack.flow.enqueue(entries);
  }

  /**
   * Queues one multicast (or flush() call), as `enqueue` does, without the arrays a rest
   * parameter and a spread cost: the usual path of every multicast. Its `sent`/`flushed` is
   * called as a method of the entry.
   */
  enqueueOne(entry: OutboxEntry): void {
    this.stack.flow.enqueueOne(entry);
  }

  /** Takes a multicast back that is still waiting in the outbox (its call timed out); true if it was. */
  withdraw(sent: (message: DataMessage | null) => void): boolean {
    return this.stack.flow.withdraw(sent);
  }

  /**
   * The multicasts and flush() callers still waiting (never sent, so never resolved), taken
   * out for the next incarnation to send; calls stay (their caller was told).
   */
  handOver(): OutboxEntry[] {
    return this.stack.flow.handOver();
  }

  /** Multicasts handed over by an earlier incarnation go first, in their order. */
  adopt(entries: readonly OutboxEntry[]): void {
    this.stack.flow.enqueue(entries, true);
  }

  /**
   * What this member multicast in its current view that it cannot confirm every survivor
   * delivers: beyond the cut of the install that excluded it, if it has that install; else
   * everything not yet stable (held by every member). Announcements are the protocol's own.
   */
  unconfirmed(exitInstall: FlushValue | null): DataMessage[] {
    return this.stack.reliable.unconfirmed(exitInstall);
  }

  /** Flow control from the application: hold acks back while its queue is over its mark. */
  holdAcks(hold: boolean): void {
    this.stack.reliable.holdAcks(hold);
  }

  get status(): { blocked: BlockedReason | null } {
    return this.stack.membership.status;
  }

  /**
   * The causal context of this member in the current view: what it has delivered, and every
   * multicast it has sent (a reply that carries it orders the caller's next requests after them).
   */
  causalVector(): { viewId: number; deps: number[] } | null {
    return this.stack.order.causalVector();
  }

  /**
   * Resolves true once every multicast this member issued so far is stable (held by every
   * member of its view), or its view ended (the flush then delivered it to every survivor);
   * false if the member stops first.
   */
  flush(): Promise<boolean> {
    return new Promise((flushed) => {
      if (this.isGone) return flushed(false);
      this.stack.flow.enqueueOne({ flushed });
    });
  }

  leave(): void {
    this.stack.membership.leave();
  }

  /** Stops everything at once (a crash as far as the others can tell). */
  stop(): void {
    this.stack.stop();
  }

  /** Each seed this joiner tried, with what it learned of it. */
  seedReport(): { address: Address; outcome: string }[] {
    return this.stack.membership.joiner.seedReport();
  }
}
