import type { DataMessage, MemberId, MessageMeta, View } from '../types.js';
import { NAK_SEQS_MAX } from './reliable.header.js';
import { SenderStream } from './sender-stream.js';

/**
 * Reliable FIFO multicast within one view: sequence numbers per sender, NAK-driven
 * retransmission from the sender, and stability from the ack vectors that heartbeats carry,
 * so a message is dropped from memory once every member holds it. It knows nothing of
 * views changing; membership makes a new channel per view and cuts the old one by flush.
 */
export class ReliableChannel {
  readonly streams: SenderStream[];
  /** acks[r][s]: what member of rank r last said it holds of sender s without a gap. */
  private readonly acks: number[][];
  private sentSeq = 0;
  private frozenAcks: number[] | null = null;
  /** Acks held back while the application lags (flow control to the senders), if any. */
  private heldAcks: number[] | null = null;
  private readonly ranks = new Map<MemberId, number>();

  constructor(
    readonly view: View,
    readonly myRank: number,
  ) {
    this.streams = view.members.map(() => new SenderStream());
    this.acks = view.members.map(() => view.members.map(() => 0));
    view.members.forEach((member, rank) => this.ranks.set(member, rank));
  }

  rankOf(member: MemberId): number | undefined {
    return this.ranks.get(member);
  }

  /** Sequences a new multicast of this member; the caller sends it to the others. */
  sequence(topic: string, payload: Uint8Array, meta: MessageMeta = {}): DataMessage {
    const message: DataMessage = {
      sender: this.view.members[this.myRank]!,
      viewId: this.view.id,
      seq: ++this.sentSeq,
      topic,
      payload,
      ...meta,
    };
    this.streams[this.myRank]!.add(message);
    return message;
  }

  get sentHigh(): number {
    return this.sentSeq;
  }

  receive(senderRank: number, message: DataMessage): boolean {
    return this.streams[senderRank]!.add(message);
  }

  /** Messages now deliverable in FIFO order (marks them delivered). */
  takeDeliverable(): DataMessage[] {
    const ready: DataMessage[] = [];
    for (const stream of this.streams) {
      while (stream.delivered < stream.contiguous) {
        ready.push(stream.store.get(++stream.delivered)!);
      }
    }
    this.collectIfAlone();
    return ready;
  }

  /**
   * As `takeDeliverable`, each message handed to `take` with its sender's rank, sender by sender:
   * no array and no rank lookup per message (the path of every delivery).
   */
  takeDeliverableEach(take: (rank: number, message: DataMessage) => void): void {
    const streams = this.streams;
    for (let rank = 0; rank < streams.length; rank++) {
      const stream = streams[rank]!;
      while (stream.delivered < stream.contiguous) take(rank, stream.store.get(++stream.delivered)!);
    }
    this.collectIfAlone();
  }

  /**
   * Alone in the view, a message is stable once this member holds it, and no heartbeat will
   * come in to trigger the collection: collect after each delivery, or a group of one would
   * keep every message it ever sent.
   */
  private collectIfAlone(): void {
    if (this.streams.length === 1) this.collectStable();
  }

  onHeartbeat(senderRank: number, sentHigh: number, acks: readonly number[]): void {
    this.streams[senderRank]!.advertise(sentHigh);
    if (acks.length === this.streams.length) this.acks[senderRank] = acks.slice();
    this.collectStable();
  }

  /** What this member holds of each sender without a gap: its ack vector and flush digest. */
  digest(): number[] {
    return this.streams.map((stream) => stream.contiguous);
  }

  /**
   * The ack vector heartbeats carry. Frozen at the first promise of a view change: the
   * flush cut is computed from the digests members promised, so no member may let the others
   * drop a message on the strength of an ack given after its promise.
   */
  ackVector(): number[] {
    return this.frozenAcks ?? this.heldAcks ?? this.digest();
  }

  /**
   * While the application's delivery queue is over its mark, this member acks nothing new:
   * the senders' windows fill and their multicast() waits (backpressure), instead of this
   * member's queue growing to the slow-consumer limit.
   */
  holdAcks(hold: boolean): void {
    this.heldAcks = hold ? (this.heldAcks ?? this.digest()) : null;
  }

  freezeAcks(): void {
    this.frozenAcks ??= this.digest();
  }

  missingFrom(senderRank: number): number[] {
    return this.streams[senderRank]!.missing(NAK_SEQS_MAX);
  }

  /** My own messages a peer asked for again (those still held: unstable ones). */
  ownMessages(seqs: readonly number[]): DataMessage[] {
    const mine = this.streams[this.myRank]!;
    const found: DataMessage[] = [];
    for (const seq of seqs) {
      const message = mine.store.get(seq);
      if (message) found.push(message);
    }
    return found;
  }

  /** Every message still held: none of them is known to be stable yet (or undelivered here). */
  held(): DataMessage[] {
    const held: DataMessage[] = [];
    for (const stream of this.streams) for (const message of stream.store.values()) held.push(message);
    return held;
  }

  heldCount(): number {
    let count = 0;
    for (const stream of this.streams) count += stream.store.size;
    return count;
  }

  /** Highest seq of a sender held by every member (as far as their acks tell). */
  stableSeq(senderRank: number): number {
    let stable = this.streams[senderRank]!.contiguous;
    for (let r = 0; r < this.acks.length; r++) {
      if (r === this.myRank) continue;
      const acked = this.acks[r]![senderRank]!;
      if (acked < stable) stable = acked;
    }
    return stable;
  }

  private collectStable(): void {
    for (let s = 0; s < this.streams.length; s++) this.streams[s]!.collect(this.stableSeq(s));
  }
}
