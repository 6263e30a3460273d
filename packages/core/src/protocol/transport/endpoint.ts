import { DecodeError } from '../../errors.js';
import { decodeFrame, encodeFrame, type Frame, type FrameBody } from '../frames.js';
import type { Address, PeerDownReason } from '../../wire/wire.js';
import type { LayerContext } from '../incarnation.js';
import type { DataBody } from '../reliable/reliable.header.js';
import { addressOf, type MemberId, type View } from '../types.js';
import { Bundler } from './bundler.js';

/** What the endpoint passes up (to membership/, the view gate). */
export interface EndpointUp {
  /** A frame of this group and epoch from another member, or one of this member's own, a turn later. */
  onFrame(frame: Frame): void;
  /** May a frame of another epoch pass? (From senders that cannot know the epoch yet.) */
  acceptsAnyEpoch(frame: Frame): boolean;
  /** Joining: what was learned of the seed at `address` (answered, refused ...). */
  noteSeed(address: Address, outcome: string): void;
  /** The wire saw a peer's connection close, or a dial to it refused. */
  onPeerDown(address: Address, reason: PeerDownReason): void;
}

/**
 * The bottom of the stack: frames in and out of the wire. Down: stamps the group, the epoch
 * and this member on each frame, encodes it, packs data per turn (bundler.ts). Up: decodes,
 * and drops what is malformed, of another group, of another epoch, or claims to be from this
 * member; this member's own control frames take the same way up one turn later.
 */
export class Endpoint {
  /** This incarnation of the group (frame.ts): drawn when the group is formed, learned from the welcome. */
  epoch: number;
  private readonly bundler: Bundler;

  constructor(private readonly ctx: LayerContext, private readonly up: EndpointUp) {
    this.epoch = ctx.options.epoch ?? 0;
    this.bundler = new Bundler(ctx.options.clock, (view, body) => this.sendToView(view, body), () => !ctx.life.isGone);
  }

  start(): void {
    const wire = this.ctx.options.wire;
    wire.onFrame((from, bytes) => this.onBytes(from, bytes));
    wire.onPeerDown?.((address, reason) => this.up.onPeerDown(address, reason));
    wire.onRejected?.((address, reason) => this.up.noteSeed(address, reason));
  }

  /** One frame to one member (`toAddress`: to whoever listens at that address), labelled with view `viewId`. */
  send(to: MemberId | Address, viewId: number, body: FrameBody, toAddress = false): void {
    // Data first: a control frame never overtakes the data this member multicast before it.
    this.flushPack();
    const frame: Frame = { epoch: this.epoch, group: this.ctx.options.group, from: this.ctx.me, viewId, body };
    const address = toAddress ? to : addressOf(to);
    if (!toAddress && to === this.ctx.me) {
      // Our own control frames take the same path as everyone's, one turn later.
      this.ctx.options.clock.defer(() => this.up.onFrame(frame));
      return;
    }
    this.ctx.options.wire.send(address, encodeFrame(frame));
  }

  /** One data message to every other member of `view`, packed with the rest of this turn's. */
  multicast(view: View, body: DataBody): void {
    this.bundler.add(view, body);
  }

  /** Sends this turn's pack now (a view is installed: its data must leave labelled with the old view). */
  flushPack(): void {
    this.bundler.flush();
  }

  private sendToView(view: View, body: FrameBody): void {
    const frame = encodeFrame({ epoch: this.epoch, group: this.ctx.options.group, from: this.ctx.me, viewId: view.id, body });
    for (const member of view.members) if (member !== this.ctx.me) this.ctx.options.wire.send(addressOf(member), frame);
  }

  private onBytes(address: Address, bytes: Uint8Array): void {
    const { life, stats } = this.ctx;
    if (life.phase === 'gone') return;
    if (life.phase === 'joining') this.up.noteSeed(address, 'answered');
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      stats.framesMalformed++;
      return;
    }
    // Our own frames never come back over the wire (they take clock.defer): one that claims to
    // is forged or replayed.
    if (frame.group !== this.ctx.options.group || frame.from === this.ctx.me) {
      stats.framesDropped++;
      return;
    }
    if ((frame.epoch ?? 0) !== this.epoch && !this.up.acceptsAnyEpoch(frame)) {
      stats.framesOtherEpoch++;
      return;
    }
    this.up.onFrame(frame);
  }
}
