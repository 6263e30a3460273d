import type { LayerContext } from '../incarnation.js';
import type { SendOptions } from '../member-api.js';
import type { ReliableChannel } from '../reliable/reliable-channel.js';
import type { DataMessage, DepsDelta, MessageMeta, MessageOrder, View } from '../types.js';
import { encodeAnnouncement, type OrderRun } from './announcement.js';
import { OrderStage } from './order-stage.js';

/** The delta of a vector timestamp that did not change (shared: a delta is never written to). */
const NO_CHANGE: DepsDelta = Object.freeze([]);

/** A MessageMeta being built (absent fields mean the defaults). */
interface MetaDraft {
  order?: MessageOrder;
  depsDelta: DepsDelta;
  safe?: boolean;
  call?: number;
  requestKey?: string;
}

/** What order/ needs below (reliable/), and whether the view lets it deliver now (membership/). */
export interface OrderDown {
  /** The current view's channel: FIFO-deliverable messages, ranks, stability. */
  channel(): ReliableChannel | null;
  /** Sequences one multicast and sends it to the view. */
  send(topic: string, payload: Uint8Array, meta: MessageMeta): DataMessage;
  /** A view is installed and no view change stops delivery (membership/'s flush). */
  isOpen(): boolean;
}

/** What order/ passes up. */
export interface OrderUp {
  /** Stability moved, after what it let this layer deliver: the send window may have room (flow/). */
  stabilityMoved(): void;
}

/**
 * order/ as a layer. Down: gives each multicast its header (order, safe, the vector timestamp
 * of its sender's causal past as a delta). Up: passes the messages reliable/ hands over in
 * FIFO order through an OrderStage per view, which delivers each when its order allows; the
 * sequencer's positions go out as announcements at the end of the turn they were given in.
 */
export class OrderLayer {
  private stage: OrderStage | null = null;
  /** The vector timestamp this member last sent (the base of the next delta): its sent past. Own entry 0. */
  private lastSentDeps: number[] = [];
  /** Seq of this member's last application multicast in the view (announcements excluded). */
  private lastOwnAppSeq = 0;
  private announceScheduled = false;

  /** Takes one FIFO-deliverable message into the stage (bound once: no closure per delivery). */
  private readonly acceptOne = (rank: number, message: DataMessage): void => this.stage!.accept(rank, message);

  constructor(
    private readonly ctx: LayerContext,
    private readonly down: OrderDown,
    private readonly up: OrderUp,
  ) {}

  /** A view was installed: a stage of its own; the sent past starts afresh. */
  newView(view: View, myRank: number): void {
    const { events, stats } = this.ctx;
    this.stage = new OrderStage(view, myRank, {
      deliver: (message) => {
        stats.messagesDelivered++;
        events.deliver(message, view);
      },
      announce: (entries) => this.announce(entries),
      isStable: (rank, seq) => this.down.channel()!.stableSeq(rank) >= seq,
      ...(events.held ? { held: events.held } : {}),
    });
    this.lastSentDeps = new Array<number>(view.members.length).fill(0);
    this.lastOwnAppSeq = 0;
  }

  /** Messages received and not yet delivered because their order holds them. */
  get heldCount(): number {
    return this.stage?.heldCount ?? 0;
  }

  /** Announcements of the current view that did not decode (ignored; only a broken or hostile sequencer sends one). */
  get malformedAnnouncements(): number {
    return this.stage?.malformedAnnouncements ?? 0;
  }

  /** A gbcast waits for the flush: the coordinator must run one. */
  get hasPendingGroup(): boolean {
    return this.stage!.hasPendingGroup;
  }

  /** Down: one multicast of the application, with its order header. */
  send(topic: string, payload: Uint8Array, options: SendOptions): DataMessage {
    const message = this.down.send(topic, payload, this.metaFor(options));
    this.lastOwnAppSeq = message.seq;
    return message;
  }

  /** Up: reliable/ has messages in FIFO order (this member's own included): deliver what may leave. */
  deliverReady(): void {
    const channel = this.down.channel();
    if (!this.down.isOpen() || !channel || !this.stage) return;
    channel.takeDeliverableEach(this.acceptOne);
    this.stage.drain();
    if (this.stage.hasUnannounced && !this.announceScheduled) {
      // Positions given in this turn travel together, at the end of it.
      this.announceScheduled = true;
      const stage = this.stage;
      this.ctx.options.clock.defer(() => {
        this.announceScheduled = false;
        if (this.stage !== stage || !this.down.isOpen()) return;
        stage.flushAnnouncements();
        // Delivering what the announcement allowed may have given new positions: next turn.
        this.deliverReady();
      });
    }
  }

  /** The incarnation stopped (maybe in the middle of a drain): no message leaves any more. */
  stop(): void {
    this.stage?.halt();
  }

  /** Up: stability moved: safe messages may leave; then the layer above hears of it. */
  onStable(): void {
    this.deliverReady();
    this.up.stabilityMoved();
  }

  /** The flush promised: positions not yet announced are given up (the cut decides). */
  forgetUnannounced(): void {
    this.stage!.forgetUnannounced();
  }

  /** A message of the flush cut, in seq order per sender (reliable/ applyCut). */
  acceptAtCut(rank: number, message: DataMessage): void {
    this.stage!.accept(rank, message);
  }

  /** The cut is all in: deliver it in the order every member computes alike; count the orphans. */
  drainAtCut(): void {
    const stage = this.stage!;
    stage.drainAtCut();
    this.ctx.stats.orphansDiscarded += stage.discarded;
  }

  /**
   * The causal context of this member in the current view: what it has delivered, and every
   * multicast it has sent (a reply that carries it orders the caller's next requests after them).
   */
  causalVector(): { viewId: number; deps: number[] } | null {
    const channel = this.down.channel();
    if (!this.stage || !channel) return null;
    const deps = this.stage.vector();
    const sent = this.lastSentDeps;
    for (let rank = 0; rank < sent.length; rank++) if (sent[rank]! > deps[rank]!) deps[rank] = sent[rank]!;
    if (this.lastOwnAppSeq > deps[channel.myRank]!) deps[channel.myRank] = this.lastOwnAppSeq;
    return { viewId: channel.view.id, deps };
  }

  /** Sequencer: the positions it gave go out as one message of its own FIFO stream. */
  private announce(runs: readonly OrderRun[]): void {
    this.down.send('', encodeAnnouncement(runs), { order: 'announce' });
    this.deliverReady();
  }

  /**
   * The header of a new multicast. Causal and total messages carry the vector timestamp of
   * what this member has delivered, raised to a causal context of the same view if one is
   * given (a context of an older view is satisfied: the flush ended that view); only the
   * entries changed since the previous one travel.
   */
  private metaFor(options: SendOptions): MessageMeta {
    const channel = this.down.channel()!;
    const stage = this.stage!;
    const context = options.context;
    const contextDeps = context && context.viewId === channel.view.id ? context.deps : null;
    // The new vector is, entry by entry, the largest of what has left here, the context, and
    // what this member sent before: what its earlier messages depended on stays in its past
    // (process order), even when the context they were issued in is gone. It only grows within
    // a view, so it is kept in place, and only the entries that grew travel. Own entry: 0.
    const sent = this.lastSentDeps;
    const myRank = channel.myRank;
    let delta: [number, number][] | null = null;
    for (let rank = 0; rank < sent.length; rank++) {
      if (rank === myRank) continue;
      let seq = stage.pastAt(rank);
      if (contextDeps !== null && rank < contextDeps.length && contextDeps[rank]! > seq) seq = contextDeps[rank]!;
      if (seq > sent[rank]!) {
        sent[rank] = seq;
        (delta ??= []).push([rank, seq]);
      }
    }
    // Every message carries its sender's causal past (a fifo message only does not wait for
    // it); a gbcast waits for the next flush, where every member delivers it at one point.
    const depsDelta = delta ?? NO_CHANGE;
    const meta: MetaDraft = options.order === 'fifo' ? { depsDelta } : { order: options.order, depsDelta };
    if (options.safe) meta.safe = true;
    if (options.call) meta.call = options.call;
    if (options.requestKey) meta.requestKey = options.requestKey;
    return meta;
  }
}
