import { FrameReader } from '../../codec/frame-reader.js';
import { FrameWriter } from '../../codec/frame-writer.js';
import type { DataMessage, View } from '../types.js';
import { Queue } from '../../queue.js';

/** A total-order position the sequencer gave: the message (sender rank, seq) comes next. */
export interface OrderEntry {
  readonly rank: number;
  readonly seq: number;
}

export interface OrderStageHost {
  /** Hands one message to the application, in the agreed order. */
  deliver(message: DataMessage): void;
  /** Sequencer only: multicast these positions (in the sequencer's own FIFO stream). */
  announce(entries: readonly OrderEntry[]): void;
  /** Held by every member of the view (for `safe`). */
  isStable(rank: number, seq: number): boolean;
  /**
   * Optional (a trace records it): `message` entered and could not leave at once; it waits
   * here for `reason`. Reported once, after the drain that followed its arrival.
   */
  held?(message: DataMessage, reason: HoldReason): void;
}

/**
 * Why a message waits in the order stage: its vector timestamp names messages not delivered
 * yet ('causal'), it has no total-order position yet ('total'), it is not stable yet ('safe'),
 * it is a gbcast waiting for the flush ('group'), or an earlier message of its sender waits
 * ('fifo').
 */
export type HoldReason = 'causal' | 'total' | 'safe' | 'group' | 'fifo';

const key = (rank: number, seq: number): number => seq * 1024 + rank;

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
  /** Entry-wise maximum of the vector timestamps of the messages that left. */
  private readonly known: number[];
  /** Per sender, the seq of the last application message that left. */
  private readonly left: number[];
  /** Highest seq of each sender that entered the stage (announcements included). */
  private readonly entered: number[];
  private readonly announced: OrderEntry[] = [];
  private announcedHead = 0;
  /** Sequencer: positions given but not yet announced, and every message given one. */
  private readonly toAnnounce: OrderEntry[] = [];
  private readonly positioned = new Set<number>();
  /** Sequencer: per sender, how many messages at the head of its queue have a position. */
  private readonly positionedRun: number[];
  private readonly isSequencer: boolean;
  private discardedCount = 0;
  /** Messages accepted since the last drain; kept only when the host reports holds, so it costs nothing otherwise. */
  private readonly arrivals: { rank: number; message: DataMessage }[] | null;
  private pendingGroupCount = 0;

  constructor(view: View, private readonly myRank: number, private readonly host: OrderStageHost) {
    this.queues = view.members.map(() => new Queue<Pending>());
    this.lastDeps = view.members.map(() => view.members.map(() => 0));
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
    // Application messages only: an announcement is no message of the application's history,
    // and naming one would make a message wait for something a flush may drop (campaign 7970).
    return this.queues.map((_, rank) => Math.max(this.left[rank]!, this.known[rank]!));
  }

  get discarded(): number {
    return this.discardedCount;
  }

  /** Messages that entered and have not left: waiting for their order (a gauge for stats). */
  get heldCount(): number {
    let held = 0;
    for (const queue of this.queues) held += queue.length;
    return held;
  }

  /** Takes the next message of one sender (callers feed each sender in seq order). */
  accept(rank: number, message: DataMessage): void {
    this.entered[rank] = message.seq;
    if (message.order === 'announce') {
      // The sequencer's own announcements were applied when it gave the positions. One that
      // does not decode is ignored: it can only come from a broken or hostile sender.
      if (rank !== this.myRank) for (const entry of decodeAnnouncement(message.payload) ?? []) this.announced.push(entry);
      return;
    }
    let deps: readonly number[] | null = null;
    if (message.depsDelta) {
      const base = this.lastDeps[rank]!;
      for (const [j, value] of message.depsDelta) if (j < base.length) base[j] = value;
      deps = base.slice();
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
    const entries = this.toAnnounce.splice(0);
    this.host.announce(entries);
    // Announced in our own stream: now the positions may be used here too.
    for (const entry of entries) this.announced.push(entry);
    this.drain();
  }

  /** Sequencer, blocked by a view change: positions not yet announced are given up. */
  forgetUnannounced(): void {
    for (const entry of this.toAnnounce.splice(0)) this.positioned.delete(key(entry.rank, entry.seq));
    this.queues.forEach((queue, rank) => {
      let run = 0;
      while (run < queue.length && this.positioned.has(key(rank, queue.at(run)!.message.seq))) run++;
      this.positionedRun[rank] = run;
    });
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
    this.toAnnounce.length = 0;
    // At the cut nothing waits: what cannot leave now is discarded, not held.
    if (this.arrivals) this.arrivals.length = 0;
    for (;;) {
      let progress = false;
      for (let rank = 0; rank < this.queues.length; rank++) {
        while (this.tryLeave(rank, true)) progress = true;
      }
      if (progress) continue;
      if (this.announcedHead < this.announced.length) {
        this.announcedHead++;
        continue;
      }
      const next = this.lowestReadyTotal();
      if (next !== null) {
        this.announced.push({ rank: next, seq: this.queues[next]!.peek()!.message.seq });
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
    if (!head) return false;
    const message = head.message;
    if (message.order === 'group') return false;
    if (message.safe && !atCut && !this.host.isStable(rank, message.seq)) return false;
    if (!this.dependenciesMet(rank, head)) return false;
    if (message.order === 'total') {
      const next = this.announced[this.announcedHead];
      if (!next || next.rank !== rank || next.seq !== message.seq) return false;
      this.announcedHead++;
      this.compactAnnounced();
    }
    this.leave(rank);
    return true;
  }

  private leave(rank: number): void {
    const { message, deps } = this.queues[rank]!.shift()!;
    this.left[rank] = message.seq;
    if (this.isSequencer && this.positionedRun[rank]! > 0) {
      this.positionedRun[rank]!--;
      this.positioned.delete(key(rank, message.seq));
    }
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
        this.positioned.add(key(rank, pending.message.seq));
        this.positionedRun[rank]!++;
        this.toAnnounce.push({ rank, seq: pending.message.seq });
      }
    }
  }

  /** Drops the used prefix of the announced positions once it is large. */
  private compactAnnounced(): void {
    if (this.announcedHead >= 1024 && this.announcedHead * 2 >= this.announced.length) {
      this.announced.splice(0, this.announcedHead);
      this.announcedHead = 0;
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

export function encodeAnnouncement(entries: readonly OrderEntry[]): Uint8Array {
  const w = new FrameWriter(2 + entries.length * 4);
  w.uint(entries.length);
  for (const entry of entries) w.uint(entry.rank).uint(entry.seq);
  return w.finish();
}

/** Null for a payload that is not a well-formed announcement. */
export function decodeAnnouncement(payload: Uint8Array): OrderEntry[] | null {
  try {
    const r = new FrameReader(payload);
    const count = r.count();
    const entries: OrderEntry[] = [];
    for (let i = 0; i < count; i++) entries.push({ rank: r.uint(), seq: r.uint() });
    r.end();
    return entries;
  } catch {
    return null;
  }
}
