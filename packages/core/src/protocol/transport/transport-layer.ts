import type { Frame, FrameBody } from '../frames.js';
import type { Address, PeerDownReason } from '../../wire/wire.js';
import type { LayerContext } from '../incarnation.js';
import type { DataBody } from '../reliable/reliable.header.js';
import { addressOf, type MemberId, type View } from '../types.js';
import { Bundler } from './bundler.js';
import { Endpoint, type EndpointOwner } from './endpoint.js';

/** What the transport passes up (to membership/, the view gate). */
export interface TransportUp {
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
 * The bottom of the stack, one incarnation's part of the process's endpoint (endpoint.ts):
 * down, it labels each frame with this member, its epoch and the view id the layer above
 * stamps, and packs data per turn (bundler.ts); up, it says what passes the endpoint (nothing
 * once the incarnation is gone; frames of another epoch only as membership allows) and takes
 * the frames of the stack's kinds for membership/.
 */
export class TransportLayer implements EndpointOwner {
  /** This incarnation of the group (frame.ts): drawn when the group is formed, learned from the welcome. */
  epoch: number;
  readonly me: MemberId;
  private readonly endpoint: Endpoint;
  private readonly bundler: Bundler;

  constructor(
    private readonly ctx: LayerContext,
    private readonly up: TransportUp,
  ) {
    const { options } = ctx;
    this.me = ctx.me;
    this.epoch = options.epoch ?? 0;
    // The Group hands in its endpoint (shared with replies and clients); a stack alone makes its own.
    this.endpoint = options.endpoint ?? new Endpoint(options.wire, options.group, options.clock, ctx.stats);
    this.bundler = new Bundler(
      options.clock,
      (view, body) => this.sendToView(view, body),
      () => !ctx.life.isGone,
    );
  }

  start(): void {
    this.endpoint.attach(this, this.up);
    this.endpoint.open();
  }

  /** One frame to one member (`toAddress`: to whoever listens at that address), labelled with view `viewId`. */
  send(to: MemberId | Address, viewId: number, body: FrameBody, toAddress = false): void {
    // Data first: a control frame never overtakes the data this member multicast before it.
    this.flushPack();
    const frame = this.endpoint.frame(this.me, viewId, body, this.epoch);
    if (!toAddress && to === this.me) {
      // Our own control frames take the same path as everyone's, one turn later.
      this.endpoint.loopback(frame);
      return;
    }
    this.endpoint.send(toAddress ? to : addressOf(to), frame);
  }

  /** One data message to every other member of `view`, packed with the rest of this turn's. */
  multicast(view: View, body: DataBody): void {
    this.bundler.add(view, body);
  }

  /** Sends this turn's pack now (a view is installed: its data must leave labelled with the old view). */
  flushPack(): void {
    this.bundler.flush();
  }

  // --- EndpointOwner ---------------------------------------------------------------------

  arrived(address: Address): boolean {
    const phase = this.ctx.life.phase;
    if (phase === 'gone') return false;
    if (phase === 'joining') this.up.noteSeed(address, 'answered');
    return true;
  }

  acceptsAnyEpoch(frame: Frame): boolean {
    return this.up.acceptsAnyEpoch(frame);
  }

  peerDown(address: Address, reason: PeerDownReason): void {
    this.up.onPeerDown(address, reason);
  }

  rejected(address: Address, reason: string): void {
    this.up.noteSeed(address, reason);
  }

  private sendToView(view: View, body: FrameBody): void {
    // Encoded once for every member.
    const bytes = this.endpoint.encode(this.endpoint.frame(this.me, view.id, body, this.epoch));
    for (const member of view.members) if (member !== this.me) this.endpoint.sendBytes(addressOf(member), bytes);
  }
}
