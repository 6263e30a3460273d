import type { DataMessage, View } from '../types.js';
import { Queue } from '../../util/queue.js';
import { AnnouncedRuns } from './announced-runs.js';
import { decodeAnnouncement } from './announcement.js';
import type { HoldReason, OrderStageHost } from './order-stage.host.js';
import { ReceivedDeps } from './received-deps.js';
import { Sequencer } from './sequencer.js';

export { decodeAnnouncement, encodeAnnouncement, type OrderRun } from './announcement.js';
export type { HoldReason, OrderStageHost } from './order-stage.host.js';

/**
 * Ordering above reliable FIFO, for one view. Messages enter per sender in seq order
 * (`accept`); the head of each sender's queue leaves when its order allows:
 * - fifo: at once;
 * - causal: once every message its vector timestamp names has left here (for every other
 *   sender j, `processed(j) >= deps[j]`);
 * - total: causal, and next in the sequence the view's first member announces (a fixed
 *   sequencer; it assigns positions in its own causal delivery order, so total order extends
 *   causal order);
 * - safe (any order): also stable, held by every member.
 * A sender's messages leave in seq order whatever their order, so FIFO holds across kinds.
 * Announcements bypass the queues (a sequencer's own abcast waits for its announcement).
 */
export class OrderStage {
  private readonly queues: Queue<Pending>[];
  /** The vector timestamps of the messages entered, rebuilt from the wire's deltas. */
  private readonly receivedDeps: ReceivedDeps;
  /** Entry-wise maximum of the vector timestamps of the messages that left. */
  private readonly known: number[];
  /** Per sender, the seq of the last application message that left. */
  private readonly left: number[];
  /** Highest seq of each sender that entered the stage (announcements included). */
  private readonly entered: number[];
  /** The announced positions not yet used, in order. */
  private readonly announced = new AnnouncedRuns();
  /** The positions given and not yet announced (used only on the sequencer). */
  private readonly sequencer: Sequencer;
  private readonly isSequencer: boolean;
  private discardedCount = 0;
  private malformedCount = 0;
  /** Set when the member stops: a drain under way delivers nothing more. */
  private halted = false;
  /** Messages accepted since the last drain; kept only when the host reports holds, so it costs nothing otherwise. */
  private readonly arrivals: { rank: number; message: DataMessage }[] | null;
  private pendingGroupCount = 0;

  constructor(
    view: View,
    private readonly myRank: number,
    private readonly host: OrderStageHost,
  ) {
    this.queues = view.members.map(() => new Queue<Pending>());
    this.receivedDeps = new ReceivedDeps(view.members.length);
    this.known = view.members.map(() => 0);
    this.left = view.members.map(() => 0);
    this.entered = view.members.map(() => 0);
    this.sequencer = new Sequencer(view.members.length);
    this.isSequencer = myRank === 0;
    this.arrivals = host.held ? [] : null;
  }

  /** How far sender j's messages have left this stage: its vector-timestamp entry here. */
  processed(rank: number): number {
    const queue = this.queues[rank]!;
    return queue.length > 0 ? queue.peek()!.message.seq - 1 : this.entered[rank]!;
  }

  /**
   * The causal past of this member: what left this stage, and the causal past of every
   * message that left (fifo messages carry their sender's past too, without waiting for it),
   * so causality passes through any chain of deliveries and sends.
   */
  vector(): number[] {
    const n = this.queues.length;
    const vector = new Array<number>(n);
    for (let rank = 0; rank < n; rank++) vector[rank] = this.pastAt(rank);
    return vector;
  }

  /** One entry of `vector()`, without building it. */
  pastAt(rank: number): number {
    // Application messages only: an announcement is no message of the application's history,
    // and naming one would make a message wait for something a flush may drop (campaign 7970).
    const left = this.left[rank]!;
    const known = this.known[rank]!;
    return left > known ? left : known;
  }

  get discarded(): number {
    return this.discardedCount;
  }

  /** Announcements that did not decode (ignored): only a broken or hostile sequencer sends one. */
  get malformedAnnouncements(): number {
    return this.malformedCount;
  }

  /** Messages that entered and have not left: waiting for their order (a gauge for stats). */
  get heldCount(): number {
    let held = 0;
    for (const queue of this.queues) held += queue.length;
    return held;
  }

  /** Nothing leaves any more (the member stopped, possibly inside a delivery of this drain). */
  halt(): void {
    this.halted = true;
  }

  /** Takes the next message of one sender (callers feed each sender in seq order). */
  accept(rank: number, message: DataMessage): void {
    this.entered[rank] = message.seq;
    if (message.order === 'announce') {
      // The sequencer's own announcements were applied when it gave the positions. One that
      // does not decode is ignored: it can only come from a broken or hostile sender.
      if (rank !== this.myRank) this.takeAnnouncement(message.payload);
      return;
    }
    const delta = message.depsDelta;
    const deps = delta ? this.receivedDeps.rebuild(rank, delta) : null;
    if (message.order === 'group') this.pendingGroupCount++;
    this.queues[rank]!.push({ message, deps });
    this.arrivals?.push({ rank, message });
  }

  /** A gbcast waits here for the flush: the coordinator must run one. */
  get hasPendingGroup(): boolean {
    return this.pendingGroupCount > 0;
  }

  /** Delivers everything that may leave now. Returns whether anything left. */
  drain(): boolean {
    let any = false;
    for (let progress = true; progress;) {
      progress = false;
      for (let rank = 0; rank < this.queues.length; rank++) {
        while (this.tryLeave(rank, false)) progress = any = true;
      }
    }
    if (this.isSequencer) this.assignPositions();
    if (this.arrivals && this.arrivals.length > 0) this.reportHeld(this.arrivals);
    return any;
  }

  /** Sequencer: positions given and waiting for flushAnnouncements(). */
  get hasUnannounced(): boolean {
    return this.sequencer.hasUnannounced;
  }

  /** Sequencer: hands the positions given since the last call to the host to announce. */
  flushAnnouncements(): void {
    if (!this.sequencer.hasUnannounced) return;
    const runs = this.sequencer.takeUnannounced();
    this.host.announce(runs);
    // Announced in our own stream: now the positions may be used here too.
    this.announced.pushAll(runs);
    this.drain();
  }

  /** Sequencer, blocked by a view change: positions not yet announced are given up. */
  forgetUnannounced(): void {
    this.sequencer.forgetUnannounced();
  }

  /**
   * At the flush cut every member of the next view holds the same messages: leave in a
   * deterministic way that every member computes alike. Announced positions first (one whose
   * message is missing from the cut, or can never be delivered, is skipped), then the
   * unannounced total messages, lowest (rank, seq) first among those ready; `safe` no longer
   * waits (all hold the cut). What still cannot leave depends on a message lost in a crash:
   * an orphan, discarded by every member.
   */
  drainAtCut(): void {
    this.sequencer.dropUnannounced();
    // At the cut nothing waits: what cannot leave now is discarded, not held.
    if (this.arrivals) this.arrivals.length = 0;
    while (!this.halted) {
      let progress = false;
      for (let rank = 0; rank < this.queues.length; rank++) {
        while (this.tryLeave(rank, true)) progress = true;
      }
      if (progress) continue;
      if (this.announced.length > 0) {
        this.announced.skip(this.queues[this.announced.nextRank]?.peek()?.message.seq);
        continue;
      }
      const next = this.lowestReadyTotal();
      if (next !== null) {
        this.announced.push({ rank: next, firstSeq: this.queues[next]!.peek()!.message.seq, count: 1 });
        continue;
      }
      // Only now a gbcast: every member delivered the same messages before it.
      const group = this.lowestGroupHead();
      if (group === null) break;
      this.leave(group);
    }
    for (const queue of this.queues) {
      this.discardedCount += queue.length;
      queue.clear();
    }
    this.sequencer.clearPositioned();
  }

  private tryLeave(rank: number, atCut: boolean): boolean {
    const head = this.queues[rank]!.peek();
    if (!head || this.halted) return false;
    const message = head.message;
    if (message.order === 'group') return false;
    // The position first: the cheapest test, and the one a waiting total message fails.
    const total = message.order === 'total';
    if (total && !this.announced.isNext(rank, message.seq)) return false;
    if (message.safe && !atCut && !this.host.isStable(rank, message.seq)) return false;
    if (!this.dependenciesMet(rank, head)) return false;
    if (total) this.announced.use();
    this.leave(rank);
    return true;
  }

  /** A received announcement: its runs join the announced positions; one that does not decode is ignored. */
  private takeAnnouncement(payload: Uint8Array): void {
    const runs = decodeAnnouncement(payload, this.queues.length);
    if (runs === null) {
      this.malformedCount++;
      return;
    }
    this.announced.pushAll(runs);
  }

  private leave(rank: number): void {
    const { message, deps } = this.queues[rank]!.shift()!;
    this.left[rank] = message.seq;
    if (this.isSequencer) this.sequencer.left(rank);
    if (deps) for (let j = 0; j < deps.length; j++) if (deps[j]! > this.known[j]!) this.known[j] = deps[j]!;
    if (message.order === 'group') this.pendingGroupCount--;
    this.host.deliver(message);
  }

  /** Reports the arrivals that did not leave (a sender's messages leave in seq order). */
  private reportHeld(arrivals: { rank: number; message: DataMessage }[]): void {
    for (const { rank, message } of arrivals.splice(0)) {
      if (message.seq > this.left[rank]!) this.host.held?.(message, this.holdReason(rank, message));
    }
  }

  private holdReason(rank: number, message: DataMessage): HoldReason {
    const head = this.queues[rank]!.peek();
    if (!head || head.message !== message) return 'fifo';
    if (message.order === 'group') return 'group';
    if (message.safe && !this.host.isStable(rank, message.seq)) return 'safe';
    if (!this.dependenciesMet(rank, head)) return 'causal';
    return message.order === 'total' ? 'total' : 'fifo';
  }

  private dependenciesMet(rank: number, pending: Pending): boolean {
    const deps = pending.deps;
    // Only causal and total messages wait for their past (an absent order is fifo).
    const order = pending.message.order;
    if (!deps || (order !== 'causal' && order !== 'total')) return true;
    for (let j = 0; j < deps.length; j++) {
      if (j !== rank && this.processed(j) < deps[j]!) return false;
    }
    return true;
  }

  /**
   * Sequencer: gives the next positions, in its own causal order, to ready total heads. A
   * position is used here only once announced (flushAnnouncements), never before: what the
   * sequencer delivers is then always in its own stream, hence in any flush cut.
   */
  private assignPositions(): void {
    const sequencer = this.sequencer;
    for (let rank = 0; rank < this.queues.length; rank++) {
      const queue = this.queues[rank]!;
      // The run of total messages at the head of the queue, in seq order: each one's past at
      // the other senders has left; its own sender's earlier messages are positioned first.
      // Only the part of the run not positioned yet is looked at: drain() runs per message.
      for (let i = sequencer.positioned(rank); i < queue.length; i++) {
        const pending = queue.at(i)!;
        if (pending.message.order !== 'total' || !this.dependenciesMet(rank, pending)) break;
        sequencer.give(rank, pending.message.seq);
      }
    }
  }

  private lowestGroupHead(): number | null {
    for (let rank = 0; rank < this.queues.length; rank++) {
      if (this.queues[rank]!.peek()?.message.order === 'group') return rank;
    }
    return null;
  }

  private lowestReadyTotal(): number | null {
    for (let rank = 0; rank < this.queues.length; rank++) {
      const head = this.queues[rank]!.peek();
      if (head && head.message.order === 'total' && this.dependenciesMet(rank, head)) return rank;
    }
    return null;
  }
}

interface Pending {
  readonly message: DataMessage;
  /** The full vector timestamp (causal and total messages), rebuilt from the wire's delta. */
  readonly deps: readonly number[] | null;
}
