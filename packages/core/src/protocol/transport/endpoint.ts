import { DecodeError } from '../../errors.js';
import type { Clock } from '../../env/clock.js';
import type { Address, PeerDownReason, Wire } from '../../wire/wire.js';
import { decodeFrame, encodeFrame, type Frame, type FrameBody } from '../frames.js';
import type { MemberStats } from '../member-api.js';
import type { MemberId } from '../types.js';

/** The counters the endpoint keeps (names as in `group.stats`). */
export type EndpointCounters = Pick<MemberStats, 'framesMalformed' | 'framesDropped' | 'framesOtherEpoch'>;

export type FrameKindName = FrameBody['type'];

/** Takes the frames of the kinds it was routed (or every kind routed to no one else). */
export interface FrameReceiver {
  onFrame(frame: Frame, from: Address): void;
}

/**
 * Whom the endpoint speaks for: the member's current incarnation (the stack's transport
 * layer) or a client (GroupConnection). Its id and epoch stamp frames; it says what passes.
 */
export interface EndpointOwner {
  readonly me: MemberId;
  /** The group's epoch as the owner knows it (0: none yet). */
  readonly epoch: number;
  /** Bytes came from `address`, before decoding; false drops them (the owner is gone or closed). */
  arrived(address: Address): boolean;
  /** May a frame of another epoch pass? (From senders that cannot know the epoch yet.) */
  acceptsAnyEpoch(frame: Frame): boolean;
  /** The wire saw a peer's connection close, or a dial to it refused. */
  peerDown?(address: Address, reason: PeerDownReason): void;
  /** The wire dropped a frame from `address` that failed its own check (another key). */
  rejected?(address: Address, reason: string): void;
}

/** Frames that wait to ride along with the next frame to their peer (reply acks: ReplyAcks). */
export interface Riders {
  /** Sends now what waits for `to` (the frame that follows leaves in the same turn). */
  sendWaiting(to: Address): void;
}

/**
 * The one endpoint of a process on its wire, shared by the stack of the member's incarnation
 * after incarnation, the responder and the client service (a Group), or by a GroupConnection.
 * It owns the wire's subscription; decodes each frame once; counts what does not decode
 * (`framesMalformed`), what is of another group or claims to be from its owner
 * (`framesDropped`), what is of another epoch (`framesOtherEpoch`); and hands the rest to the
 * receiver routed its kind. Down, it stamps the group, encodes, lets waiting riders go first,
 * and loops frames for its owner back up one turn later, never over the wire.
 */
export class Endpoint {
  private owner: EndpointOwner | null = null;
  /** Takes the kinds routed to no one else (the stack); none: they are dropped. */
  private fallback: FrameReceiver | null = null;
  private readonly routes = new Map<string, FrameReceiver>();
  private opened = false;

  constructor(
    private readonly wire: Wire,
    readonly group: string,
    private readonly clock: Clock,
    private readonly counters: EndpointCounters,
    private readonly riders: Riders | null = null,
  ) {}

  get address(): Address {
    return this.wire.address;
  }

  /** The owner's epoch (0 before it has one). */
  get epoch(): number {
    return this.owner?.epoch ?? 0;
  }

  /**
   * `owner` speaks through the endpoint from now on (a new incarnation replaces the last);
   * `receiver` takes every kind not routed elsewhere.
   */
  attach(owner: EndpointOwner, receiver: FrameReceiver | null = null): void {
    this.owner = owner;
    this.fallback = receiver;
  }

  /** `receiver` takes the frames of `kinds` (a later route of a kind replaces it). */
  route(kinds: readonly FrameKindName[], receiver: FrameReceiver): void {
    for (const kind of kinds) this.routes.set(kind, receiver);
  }

  /** Listens on the wire (once: later calls do nothing). */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.wire.onFrame((from, bytes) => this.onBytes(from, bytes));
    this.wire.onPeerDown?.((address, reason) => this.owner?.peerDown?.(address, reason));
    this.wire.onRejected?.((address, reason) => this.owner?.rejected?.(address, reason));
  }

  /** A frame of this group from `from`, labelled with view `viewId`, under `epoch` (by default the owner's). */
  frame(from: MemberId, viewId: number, body: FrameBody, epoch = this.epoch): Frame {
    return { epoch, group: this.group, from, viewId, body };
  }

  encode(frame: Frame): Uint8Array {
    return encodeFrame(frame);
  }

  /** One frame to whoever listens at `to`. */
  send(to: Address, frame: Frame): void {
    this.sendBytes(to, encodeFrame(frame));
  }

  /** Bytes encoded once (an ack, a pack) to `to`: the riders waiting for `to` leave first. */
  sendBytes(to: Address, bytes: Uint8Array): void {
    this.riders?.sendWaiting(to);
    this.wire.send(to, bytes);
  }

  /** One frame of the owner's to the owner: up to its receiver one turn later, never over the wire. */
  loopback(frame: Frame): void {
    // The receiver of now: a frame of an incarnation that is replaced meanwhile goes to its own stack (which is gone).
    const receiver = this.receiverOf(frame.body.type);
    if (!receiver) return;
    const address = this.wire.address;
    this.clock.defer(() => receiver.onFrame(frame, address));
  }

  private receiverOf(kind: string): FrameReceiver | null {
    return this.routes.get(kind) ?? this.fallback;
  }

  private onBytes(address: Address, bytes: Uint8Array): void {
    const owner = this.owner;
    if (!owner || !owner.arrived(address)) return;
    const counters = this.counters;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      counters.framesMalformed++;
      return;
    }
    // The owner's own frames never come back over the wire (they take loopback): one that
    // claims to is forged or replayed.
    if (frame.group !== this.group || frame.from === owner.me) {
      counters.framesDropped++;
      return;
    }
    if ((frame.epoch ?? 0) !== owner.epoch && !owner.acceptsAnyEpoch(frame)) {
      counters.framesOtherEpoch++;
      return;
    }
    const receiver = this.receiverOf(frame.body.type);
    if (!receiver) {
      counters.framesDropped++;
      return;
    }
    receiver.onFrame(frame, address);
  }
}
