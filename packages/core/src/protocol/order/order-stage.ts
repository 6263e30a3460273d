import type { DataMessage, View } from '../types.js';
import { Queue } from '../../util/queue.js';
import { decodeAnnouncement, type OrderRun } from './announcement.js';
import type { HoldReason, OrderStageHost } from './order-stage.host.js';

export { decodeAnnouncement, encodeAnnouncement, type OrderRun } from './announcement.js';
export type { HoldReason, OrderStageHost } from './order-stage.host.js';

/** A run the sequencer is still growing (a burst of one sender positioned in one pass). */
interface OpenRun {
  readonly rank: number;
  readonly firstSeq: number;
  count: number;
}

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
  /** Per sender, the vector timestamp of its latest message: the base its next delta applies to. */
  private readonly lastDeps: number[][];
  /**
   * Per sender, a frozen copy of `lastDeps` shared by its messages until a delta changes it: a
   * message whose delta is empty (a sender streaming without receiving) costs no copy.
   */
  private readonly lastDepsCopy: (readonly number[] | null)[];
  /** Entry-wise maximum of the vector timestamps of the messages that left. */
  private readonly known: number[];
  /** Per sender, the seq of the last application message that left. */
  private readonly left: number[];
  /** Highest seq of each sender that entered the stage (announcements included). */
  private readonly entered: number[];
  /** The announced positions not yet used, in order, as runs; the head run's first `announcedUsed` are used. */
  private readonly announced = new Queue<OrderRun>();
  private announcedUsed = 0;
  /** Sequencer: positions given but not yet announced, as runs (a sender's burst is one run). */
  private toAnnounce: OpenRun[] = [];
  /**
   * Sequencer: per sender, how many messages at the head of its queue have a position. A
   * sender's positions are given in seq order from its head, so they are always a prefix.
   */
  private readonly positionedRun: number[];
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
    this.lastDeps = view.members.map(() => view.members.map(() => 0));
    this.lastDepsCopy = view.members.map(() => null);
    this.known = view.members.map(() => 0);
    this.left = view.members.map(() => 0);
    this.entered = view.members.map(() => 0);
    this.positionedRun = view.members.map(() => 0);
    this.isSequencer = myRank === 0;
    this.arrivals = host.held ? [] : null;
  }

  /** How far sender j's messages have left this stage: its vector-timestamp entry here. */
  processed(rank: number): number {
    const queue = this.queues[rank]!;
    return queue.length > 0 ? queue.peek()!.message.seq - 1 : this.entered[rank]!;
  }

  /** The vector timestamp of what has left this stage. */
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
    let deps: readonly number[] | null = null;
    const delta = message.depsDelta;
    if (delta) {
      const base = this.lastDeps[rank]!;
      let copy: readonly number[] | null = this.lastDepsCopy[rank] ?? null;
      for (let i = 0; i < delta.length; i++) {
        const [j, value] = delta[i]!;
        if (j < base.length && base[j] !== value) {
          base[j] = value;
          copy = null;
        }
      }
      if (copy === null) this.lastDepsCopy[rank] = copy = base.slice();
      deps = copy;
    }
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
    return this.toAnnounce.length > 0;
  }

  /** Sequencer: hands the positions given since the last call to the host to announce. */
  flushAnnouncements(): void {
    if (this.toAnnounce.length === 0) return;
    // The runs are closed now: none grows once handed over.
    const runs = this.toAnnounce;
    this.toAnnounce = [];
    this.host.announce(runs);
    // Announced in our own stream: now the positions may be used here too.
    for (let i = 0; i < runs.length; i++) this.announced.push(runs[i]!);
    this.drain();
  }

  /** Sequencer, blocked by a view change: positions not yet announced are given up. */
  forgetUnannounced(): void {
    // Unannounced positions cannot have been used, so they are the tail of each sender's positioned prefix.
    for (const run of this.toAnnounce) this.positionedRun[run.rank]! -= run.count;
    this.toAnnounce = [];
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
    this.toAnnounce = [];
    // At the cut nothing waits: what cannot leave now is discarded, not held.
    if (this.arrivals) this.arrivals.length = 0;
    while (!this.halted) {
      let progress = false;
      for (let rank = 0; rank < this.queues.length; rank++) {
        while (this.tryLeave(rank, true)) progress = true;
      }
      if (progress) continue;
      if (this.announced.length > 0) {
        this.skipAnnounced();
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
    this.positionedRun.fill(0);
  }

  private tryLeave(rank: number, atCut: boolean): boolean {
    const head = this.queues[rank]!.peek();
    if (!head || this.halted) return false;
    const message = head.message;
    if (message.order === 'group') return false;
    // The position first: the cheapest test, and the one a waiting total message fails.
    const total = message.order === 'total';
    if (total && !this.isNextPosition(rank, message.seq)) return false;
    if (message.safe && !atCut && !this.host.isStable(rank, message.seq)) return false;
    if (!this.dependenciesMet(rank, head)) return false;
    if (total) this.useAnnounced();
    this.leave(rank);
    return true;
  }

  /** Is (rank, seq) the next announced position? */
  private isNextPosition(rank: number, seq: number): boolean {
    const run = this.announced.peek();
    return run !== undefined && run.rank === rank && run.firstSeq + this.announcedUsed === seq;
  }

  /** The next announced position was used. */
  private useAnnounced(): void {
    if (++this.announcedUsed === this.announced.peek()!.count) {
      this.announced.shift();
      this.announcedUsed = 0;
    }
  }

  /**
   * At the cut, nothing can leave and the next announced position is not usable: skip it. Until
   * something leaves, only the head of the run's sender could match a later position of the
   * run, so this skips straight to that head's position, or past the run (as skipping one
   * position at a time would, but in O(1) whatever the run's length).
   */
  private skipAnnounced(): void {
    const run = this.announced.peek()!;
    const at = run.firstSeq + this.announcedUsed;
    const headSeq = this.queues[run.rank]?.peek()?.message.seq;
    if (headSeq !== undefined && headSeq > at && headSeq < run.firstSeq + run.count) {
      this.announcedUsed = headSeq - run.firstSeq;
      return;
    }
    this.announced.shift();
    this.announcedUsed = 0;
  }

  /** A received announcement: its runs join the announced positions; one that does not decode is ignored. */
  private takeAnnouncement(payload: Uint8Array): void {
    const runs = decodeAnnouncement(payload, this.queues.length);
    if (runs === null) {
      this.malformedCount++;
      return;
    }
    for (let i = 0; i < runs.length; i++) this.announced.push(runs[i]!);
  }

  private leave(rank: number): void {
    const { message, deps } = this.queues[rank]!.shift()!;
    this.left[rank] = message.seq;
    if (this.isSequencer && this.positionedRun[rank]! > 0) this.positionedRun[rank]!--;
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
    for (let rank = 0; rank < this.queues.length; rank++) {
      const queue = this.queues[rank]!;
      // The run of total messages at the head of the queue, in seq order: each one's past at
      // the other senders has left; its own sender's earlier messages are positioned first.
      // Only the part of the run not positioned yet is looked at: drain() runs per message.
      for (let i = this.positionedRun[rank]!; i < queue.length; i++) {
        const pending = queue.at(i)!;
        if (pending.message.order !== 'total' || !this.dependenciesMet(rank, pending)) break;
        this.positionedRun[rank]!++;
        this.givePosition(rank, pending.message.seq);
      }
    }
  }

  /** Sequencer: the next position goes to (rank, seq); it extends the last run if it follows it. */
  private givePosition(rank: number, seq: number): void {
    const last = this.toAnnounce[this.toAnnounce.length - 1];
    if (last !== undefined && last.rank === rank && last.firstSeq + last.count === seq) last.count++;
    else this.toAnnounce.push({ rank, firstSeq: seq, count: 1 });
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
