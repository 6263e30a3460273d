import type { Clock, TimerHandle } from '../../env/clock.js';
import type { Address, Wire } from '../../wire/wire.js';
import type { Riders } from '../transport/endpoint.js';

/** Acks waiting for one responder; past it they go at once (memory stays bounded). */
export const REPLY_ACKS_WAITING_MAX = 256;

/**
 * The caller's side of reply acknowledgement, delayed and piggybacked (as TCP's delayed ACK):
 * the ack of a reply waits for the next frame this member sends to the responder (a
 * sequential caller's next request, a turn or two later) and leaves just before it, so the
 * wire writes both at once; if none comes, it leaves after `delayMs`, well before the
 * responder's first resend. A caller then writes to each responder once per call, not twice.
 * The endpoint (transport/endpoint.ts) carries them: they are its riders.
 */
export class ReplyAcks implements Riders {
  private readonly waiting = new Map<Address, Uint8Array[]>();
  private timer: TimerHandle | null = null;

  /** `below`: the wire itself (an ack takes no other ack along). */
  constructor(
    private readonly below: Pick<Wire, 'send'>,
    private readonly clock: Clock,
    private readonly delayMs: number,
  ) {}

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
