import type { Clock, TimerHandle } from '../../env/clock.js';
import type { CohortLogger } from '../../util/logger.js';
import type { Address, PeerDownReason, Wire } from '../../wire/wire.js';

/** Acks waiting for one responder; past it they go at once (memory stays bounded). */
export const REPLY_ACKS_WAITING_MAX = 256;

/**
 * The caller's side of reply acknowledgement, delayed and piggybacked (as TCP's delayed ACK):
 * the ack of a reply waits for the next frame this member sends to the responder (a
 * sequential caller's next request, a turn or two later) and leaves just before it, so the
 * wire writes both at once; if none comes, it leaves after `delayMs`, well before the
 * responder's first resend. A caller then writes to each responder once per call, not twice.
 */
export class ReplyAcks {
  private readonly waiting = new Map<Address, Uint8Array[]>();
  private timer: TimerHandle | null = null;
  /** The wire the member sends through: every frame takes the acks waiting for its peer along. */
  readonly wire: Wire;

  constructor(private readonly below: Wire, private readonly clock: Clock, private readonly delayMs: number) {
    this.wire = new AckCarryingWire(below, this);
  }

  /** Queues the encoded ack frame of a reply from `to`. */
  add(to: Address, ack: Uint8Array): void {
    let acks = this.waiting.get(to);
    if (!acks) {
      acks = [];
      this.waiting.set(to, acks);
    }
    acks.push(ack);
    if (acks.length >= REPLY_ACKS_WAITING_MAX) this.sendWaiting(to);
    this.timer ??= this.clock.setTimer(this.delayMs, () => {
      this.timer = null;
      this.sendAll();
    });
  }

  /** Sends the acks waiting for `to` (a frame to `to` follows them in the same turn). */
  sendWaiting(to: Address): void {
    if (this.waiting.size === 0) return;
    const acks = this.waiting.get(to);
    if (!acks) return;
    this.waiting.delete(to);
    for (const ack of acks) this.below.send(to, ack);
  }

  sendAll(): void {
    for (const to of [...this.waiting.keys()]) this.sendWaiting(to);
  }

  /** The member leaves: what waits goes now, before the wire closes. */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.sendAll();
  }
}

/** A wire whose every frame to a peer is preceded by the reply acks waiting for that peer. */
class AckCarryingWire implements Wire {
  readonly onPeerDown?: (listener: (address: Address, reason: PeerDownReason) => void) => void;
  readonly onRejected?: (listener: (address: Address, reason: string) => void) => void;
  readonly useLogger?: (logger: CohortLogger) => void;

  constructor(private readonly below: Wire, private readonly acks: ReplyAcks) {
    if (below.onPeerDown) this.onPeerDown = (listener) => below.onPeerDown!(listener);
    if (below.onRejected) this.onRejected = (listener) => below.onRejected!(listener);
    if (below.useLogger) this.useLogger = (logger) => below.useLogger!(logger);
  }

  get address(): Address {
    return this.below.address;
  }

  get clock(): Clock | undefined {
    return this.below.clock;
  }

  get random(): Wire['random'] {
    return this.below.random;
  }

  send(to: Address, frame: Uint8Array): void {
    this.acks.sendWaiting(to);
    this.below.send(to, frame);
  }

  onFrame(receiver: (from: Address, frame: Uint8Array) => void): void {
    this.below.onFrame(receiver);
  }

  close(): Promise<void> {
    return this.below.close();
  }
}
