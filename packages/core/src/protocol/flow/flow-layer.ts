import type { LayerContext } from '../incarnation.js';
import type { OutboxEntry, SendOptions } from '../member-api.js';
import type { ReliableChannel } from '../reliable/reliable-channel.js';
import type { DataMessage, MemberId } from '../types.js';

/** Multicasts sequenced in one turn at most: a turn stays short (heartbeats and acks go out between turns). */
const TURN_MESSAGES_MAX = 1024;

/** What flow/ needs below: order/ to send and deliver, reliable/'s channel for the window. */
export interface FlowDown {
  /** This member's own stream in the current view: sent and stable seqs. */
  channel(): Pick<ReliableChannel, 'view' | 'myRank' | 'sentHigh' | 'stableSeq'> | null;
  /** A view is installed and no view change stops sending (membership/'s flush). */
  isOpen(): boolean;
  /** order/: one multicast, given its order header, sequenced and sent. */
  send(topic: string, payload: Uint8Array, options: SendOptions): DataMessage;
  /** order/: deliver what this member just sent to itself (and whatever that lets go). */
  deliverReady(): void;
}

/**
 * flow/: the top of the stack. Multicasts (and flush() callers) wait in the outbox, in the
 * order they were issued, while a view change runs, while this member's unstable multicasts
 * fill the send window, or while a member's application lags; stability frees the window.
 */
export class FlowLayer {
  private outbox: OutboxEntry[] = [];
  private drainScheduled = false;
  /** A multicast waits for the window now (stats.windowWaits counts each wait once). */
  private windowWaiting = false;
  /** flush() callers waiting for this member's messages up to `seq` of view `viewId` to be stable. */
  private stableWaiters: { viewId: number; seq: number; entry: { flushed(ok: boolean): void } }[] = [];
  /** Members of the view whose application lags: no new multicast goes out until they catch up. */
  private readonly slowPeers = new Set<MemberId>();

  constructor(
    private readonly ctx: LayerContext,
    private readonly down: FlowDown,
  ) {}

  get pendingCount(): number {
    return this.outbox.length;
  }

  get slowMembers(): number {
    return this.slowPeers.size;
  }

  /** Queues entries at the end of the outbox (or at its head: `first`), then sends what may go. */
  enqueue(entries: readonly OutboxEntry[], first = false): void {
    if (this.ctx.life.isGone) {
      for (const entry of entries)
        if ('flushed' in entry) entry.flushed(false);
        else entry.sent(null);
      return;
    }
    if (first) this.outbox.unshift(...entries);
    else for (const entry of entries) this.outbox.push(entry);
    this.drainOutbox();
  }

  /** Queues one entry at the end of the outbox, then sends what may go: a multicast's usual path, no array per call. */
  enqueueOne(entry: OutboxEntry): void {
    if (this.ctx.life.isGone) {
      if ('flushed' in entry) entry.flushed(false);
      else entry.sent(null);
      return;
    }
    this.outbox.push(entry);
    this.drainOutbox();
  }

  /** Takes a multicast back that is still waiting in the outbox (its call timed out); true if it was. */
  withdraw(sent: (message: DataMessage | null) => void): boolean {
    const index = this.outbox.findIndex((entry) => 'sent' in entry && entry.sent === sent);
    if (index < 0) return false;
    this.outbox.splice(index, 1);
    return true;
  }

  /**
   * The multicasts and flush() callers still waiting (never sent, so never resolved), taken
   * out for the next incarnation to send; calls stay (their caller was told).
   */
  handOver(): OutboxEntry[] {
    const taken = this.outbox.filter((entry) => !('sent' in entry) || !entry.options.call);
    this.outbox = this.outbox.filter((entry) => 'sent' in entry && entry.options.call);
    return taken;
  }

  /** Up from reliable/: a member's heartbeat said whether its application lags. */
  peerLoad(member: MemberId, slow: boolean): void {
    if (slow) this.slowPeers.add(member);
    else this.slowPeers.delete(member);
  }

  /** A view was installed: flush() callers of the ended view are done (the flush delivered it). */
  newView(): void {
    this.resolveStableWaiters();
    this.slowPeers.clear();
  }

  /** The incarnation stopped: nothing waiting will be sent. */
  stop(): void {
    for (const pending of this.outbox.splice(0)) {
      if ('flushed' in pending) pending.flushed(false);
      else pending.sent(null);
    }
    for (const waiter of this.stableWaiters.splice(0)) waiter.entry.flushed(false);
  }

  /** Sends what the window lets go, in order; the rest waits for stability or the next view. */
  drainOutbox(): void {
    const channel = this.down.channel();
    if (!this.down.isOpen() || !channel) return;
    const window = this.ctx.options.windowMessagesMax;
    let taken = 0;
    for (const pending of this.outbox) {
      // Flow control: beyond the window the rest waits in the outbox (multicast() does not
      // resolve), until acks make earlier messages stable.
      if (!('flushed' in pending) && (this.slowPeers.size > 0 || channel.sentHigh - channel.stableSeq(channel.myRank) >= window)) {
        // Counted once per wait, not once per attempt to drain.
        if (!this.windowWaiting) this.ctx.stats.windowWaits++;
        this.windowWaiting = true;
        break;
      }
      this.windowWaiting = false;
      if (taken === TURN_MESSAGES_MAX) {
        this.scheduleDrain();
        break;
      }
      taken++;
      if ('flushed' in pending) {
        // The entry, not its `flushed`: it may be a method of the entry's object.
        this.stableWaiters.push({ viewId: channel.view.id, seq: channel.sentHigh, entry: pending });
        continue;
      }
      const message = this.down.send(pending.topic, pending.payload, pending.options);
      this.ctx.stats.messagesSent++;
      this.ctx.events.sent(message);
      pending.sent(message);
    }
    this.outbox.splice(0, taken);
    if (this.outbox.length === 0) this.windowWaiting = false;
    this.down.deliverReady();
    this.resolveStableWaiters();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    this.ctx.options.clock.defer(() => {
      this.drainScheduled = false;
      this.drainOutbox();
    });
  }

  private resolveStableWaiters(): void {
    const channel = this.down.channel();
    if (this.stableWaiters.length === 0 || !channel) return;
    const stable = channel.stableSeq(channel.myRank);
    this.stableWaiters = this.stableWaiters.filter((waiter) => {
      const done = waiter.viewId < channel.view.id || (waiter.viewId === channel.view.id && waiter.seq <= stable);
      if (done) waiter.entry.flushed(true);
      return !done;
    });
  }
}
