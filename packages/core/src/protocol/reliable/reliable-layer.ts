import type { FrameBody } from '../frames.js';
import type { LayerContext } from '../incarnation.js';
import type { FlushValue, HeldMessage } from '../membership/membership.header.js';
import type { DataMessage, DepsDelta, MemberId, MessageMeta, MessageOrder, View } from '../types.js';
import { ReliableChannel } from './reliable-channel.js';
import type { DataBody, HeartbeatBody, NakBody, PackBody } from './reliable.header.js';

/** The frames of a view's streams: what the view gate passes up to this layer. */
export type StreamBody = DataBody | PackBody | NakBody | HeartbeatBody;

/** A seq more than this (or four windows) above what a member holds of its sender is not believed. */
const SEQ_REACH_MIN = 1 << 20;

/** The fields of a message (or a data body) being built; absent ones mean the defaults. */
interface Draft {
  sender?: MemberId;
  viewId?: number;
  type?: 'data';
  seq: number;
  topic: string;
  payload: Uint8Array;
  order?: MessageOrder;
  safe?: boolean;
  depsDelta?: DepsDelta | null;
  call?: number;
  requestKey?: string;
}

/**
 * Copies the order header of `from` onto `to`, present fields only. Every message goes through
 * here: an explicit copy, not a spread, so messages keep few shapes (V8 hidden classes) and no
 * rest object is built per message.
 */
function copyMeta(to: Draft, from: MessageMeta): void {
  if (from.order !== undefined) to.order = from.order;
  if (from.safe !== undefined) to.safe = from.safe;
  if (from.depsDelta !== undefined) to.depsDelta = from.depsDelta;
  if (from.call !== undefined) to.call = from.call;
  if (from.requestKey !== undefined) to.requestKey = from.requestKey;
}

/** A message of `sender` in view `viewId` from its wire body (or a flush cut's copy of it). */
function messageOf(sender: MemberId, viewId: number, body: DataBody | HeldMessage): DataMessage {
  const message: Draft = { sender, viewId, seq: body.seq, topic: body.topic, payload: body.payload };
  copyMeta(message, body);
  return message as DataMessage;
}

/** The wire body of one message of this member. */
function bodyOf(message: DataMessage): DataBody {
  const body: Draft = { type: 'data', seq: message.seq, topic: message.topic, payload: message.payload };
  copyMeta(body, message);
  return body as DataBody;
}

/** What reliable/ sends down (through membership/, which labels frames with the current view). */
export interface ReliableDown {
  send(to: MemberId, body: FrameBody): void;
  multicast(view: View, body: DataBody): void;
}

/** What reliable/ passes up. */
export interface ReliableUp {
  /** Messages became deliverable in FIFO order (channel.takeDeliverable): order/ takes them. */
  received(): void;
  /** Stability moved (a heartbeat's acks): safe messages, the send window, flush() callers. */
  stabilityMoved(): void;
  /** A member's heartbeat said whether its application lags (flow/ holds sending back). */
  peerLoad(member: MemberId, slow: boolean): void;
  /** A member's heartbeat said whether it is blocked in a view change (membership/). */
  peerFlushing(member: MemberId, flushing: boolean): void;
  /** What this member's heartbeats say: blocked in a view change, or holding a gbcast. */
  flushing(): boolean;
}

/**
 * reliable/ as a layer: one ReliableChannel per view (sequence numbers, stability), the
 * NAKs that repair gaps, the retransmissions they ask for, and the heartbeats that carry
 * acks. Invariant: within a view, every message of every sender that stays is passed up
 * once, in seq order; a message is held in memory until stable and delivered.
 */
export class ReliableLayer {
  private current: ReliableChannel | null = null;
  /** Data received since this member last sent its acks: past a quarter window it acks at once. */
  private receivedSinceAck = 0;
  private nakScheduled = false;
  /** The application lags: acks are held back (ReliableChannel.holdAcks), and heartbeats say so. */
  private acksHeld = false;

  constructor(
    private readonly ctx: LayerContext,
    private readonly down: ReliableDown,
    private readonly up: ReliableUp,
  ) {}

  /** The current view's channel (null before the first view). */
  get channel(): ReliableChannel | null {
    return this.current;
  }

  /** A view was installed: a channel of its own, seqs from 1. */
  newView(view: View, myRank: number): void {
    this.current = new ReliableChannel(view, myRank);
    if (this.acksHeld) this.current.holdAcks(true);
  }

  /** Down: sequences one multicast of this member and sends it to the view (packed per turn). */
  send(topic: string, payload: Uint8Array, meta: MessageMeta): DataMessage {
    const channel = this.current!;
    const message = channel.sequence(topic, payload, meta);
    this.down.multicast(channel.view, bodyOf(message));
    return message;
  }

  /** Up: a frame of the current view's streams from member `rank`, past the view gate. */
  onFrame(from: MemberId, rank: number, body: StreamBody): void {
    switch (body.type) {
      case 'data':
        if (this.store(from, rank, body)) this.received(rank);
        return;
      case 'pack': {
        // The whole pack is stored before order/ looks: one drain per pack, not one per message.
        let fresh = false;
        const messages = body.messages;
        for (let i = 0; i < messages.length; i++) if (this.store(from, rank, messages[i]!)) fresh = true;
        if (fresh) this.received(rank);
        return;
      }
      case 'nak':
        return this.onNak(from, body);
      case 'heartbeat':
        return this.onHeartbeat(from, rank, body);
    }
  }

  /**
   * A sender never has more than a window of unstable messages: a seq (or an advertised
   * high) far beyond what this member holds of it is forged, and would have it ask for
   * messages that never existed.
   */
  sequenceProblem(rank: number, body: FrameBody): string | null {
    // Generous: a sender's window is its own option, and may be larger than this member's.
    const reach = this.current!.streams[rank]!.contiguous + Math.max(4 * this.ctx.options.windowMessagesMax, SEQ_REACH_MIN);
    switch (body.type) {
      case 'data':
        return body.seq > reach ? `seq ${body.seq} beyond reach (${reach})` : null;
      case 'pack':
        return body.messages.some((m) => m.seq > reach) ? `a packed seq beyond reach (${reach})` : null;
      case 'heartbeat':
        return body.sentHigh > reach ? `advertised seq ${body.sentHigh} beyond reach (${reach})` : null;
      default:
        return null;
    }
  }

  /** Flow control from the application: hold acks back while its queue is over its mark. */
  holdAcks(hold: boolean): void {
    if (this.acksHeld === hold) return;
    this.acksHeld = hold;
    this.current?.holdAcks(hold);
    // Tell the senders now, not at the next tick.
    if (this.ctx.life.phase === 'member' && this.current) this.sendHeartbeats();
  }

  /**
   * Heartbeats carry the ack vector. To every member of the view, suspected or not: a member
   * cut off by a partition learns it was excluded from the first answer it gets after the heal.
   */
  sendHeartbeats(): void {
    const channel = this.current!;
    this.receivedSinceAck = 0;
    const heartbeat: HeartbeatBody = {
      type: 'heartbeat',
      sentHigh: channel.sentHigh,
      acks: channel.ackVector(),
      flushing: this.up.flushing(),
      slow: this.acksHeld,
    };
    for (const member of channel.view.members) if (member !== this.ctx.me) this.down.send(member, heartbeat);
  }

  /** A heartbeat for one member that is behind or ahead (`flushing`: blocked in a view change). */
  heartbeat(flushing: boolean): HeartbeatBody {
    const channel = this.current!;
    return { type: 'heartbeat', sentHigh: channel.sentHigh, acks: channel.ackVector(), flushing, slow: this.acksHeld };
  }

  /** Asks each sender for the messages missing from its stream (every tick while a gap lasts). */
  sendNaks(): void {
    const channel = this.current;
    if (!channel || this.ctx.life.phase !== 'member') return;
    channel.view.members.forEach((member, rank) => {
      if (member === this.ctx.me) return;
      const missing = channel.missingFrom(rank);
      if (missing.length > 0) this.down.send(member, { type: 'nak', missing });
    });
  }

  /**
   * The flush cut's part here: adds the messages the cut carries, then passes up (`accept`)
   * every message of each sender up to its target, in seq order. False if the cut names a
   * sender this view does not have (it is then not applied).
   */
  applyCut(value: FlushValue, accept: (rank: number, message: DataMessage) => void): boolean {
    const channel = this.current!;
    const view = channel.view;
    for (const held of value.messages) {
      const sender = view.members[held.senderRank];
      if (sender === undefined) return false;
      channel.receive(held.senderRank, messageOf(sender, view.id, held));
    }
    channel.streams.forEach((stream, rank) => {
      const target = value.targets[rank]!;
      if (stream.delivered > target)
        throw new Error(`flush invariant: ${this.ctx.me} delivered ${rank}:${stream.delivered} beyond cut ${target}`);
      while (stream.delivered < target) {
        const message = stream.store.get(stream.delivered + 1);
        if (!message) throw new Error(`flush invariant: ${this.ctx.me} lacks ${rank}:${stream.delivered + 1} of the cut`);
        stream.delivered++;
        accept(rank, message);
      }
    });
    return true;
  }

  /**
   * What this member multicast in its current view that it cannot confirm every survivor
   * delivers: beyond the cut of the install that excluded it, if it has that install; else
   * everything not yet stable (held by every member). Announcements are the protocol's own.
   */
  unconfirmed(exitInstall: FlushValue | null): DataMessage[] {
    const channel = this.current;
    if (!channel) return [];
    const cut = exitInstall && exitInstall.viewId === channel.view.id + 1 ? exitInstall.targets[channel.myRank] : undefined;
    const confirmed = cut ?? channel.stableSeq(channel.myRank);
    const seqs: number[] = [];
    for (let seq = confirmed + 1; seq <= channel.sentHigh; seq++) seqs.push(seq);
    return channel.ownMessages(seqs).filter((message) => message.order !== 'announce');
  }

  /** Stores one message of `from`; false for a duplicate (or one already collected). */
  private store(from: MemberId, rank: number, body: DataBody): boolean {
    const channel = this.current!;
    if (!channel.receive(rank, messageOf(from, channel.view.id, body))) return false;
    if (++this.receivedSinceAck >= this.ctx.options.windowMessagesMax / 4) this.sendHeartbeats();
    return true;
  }

  /** New messages of member `rank` are stored: order/ takes what is gap-free; a gap asks for a NAK. */
  private received(rank: number): void {
    const stream = this.current!.streams[rank]!;
    this.up.received();
    if (stream.contiguous < stream.knownHigh) this.scheduleNak();
  }

  private onNak(from: MemberId, body: NakBody): void {
    for (const message of this.current!.ownMessages(body.missing)) {
      this.ctx.stats.messagesRetransmitted++;
      this.down.send(from, bodyOf(message));
    }
  }

  private onHeartbeat(from: MemberId, rank: number, body: HeartbeatBody): void {
    const channel = this.current!;
    channel.onHeartbeat(rank, body.sentHigh, body.acks);
    this.up.peerLoad(from, body.slow);
    this.up.stabilityMoved();
    this.up.peerFlushing(from, body.flushing);
    if (channel.streams[rank]!.contiguous < channel.streams[rank]!.knownHigh) this.scheduleNak();
  }

  private scheduleNak(): void {
    if (this.nakScheduled) return;
    this.nakScheduled = true;
    this.ctx.life.after(this.ctx.options.timing.nakDelayMs, () => {
      this.nakScheduled = false;
      this.sendNaks();
    });
  }
}
