import type { Clock, TimerHandle } from '../env/clock.js';
import type { Member } from '../protocol/member.js';
import type { Timing } from '../protocol/timing.js';
import type { MemberId, View } from '../protocol/types.js';
import type { GroupState } from './group-state.js';

/**
 * A member whose handlers finish nothing for this long while it holds the others back is a
 * slow consumer even below deliveryQueueMax: it leaves and rejoins, so a stuck handler
 * cannot stop the group for good.
 */
export const CONSUMER_STALL_MS = 10_000;

/** What backpressure needs from its group. */
export interface BackpressureHost {
  readonly clock: Clock;
  readonly timing: Timing;
  readonly state: GroupState;
  /** Past this many deliveries waiting for the handlers, this member holds its acks back. */
  readonly ackHoldMark: number;
  /** The handlers stalled while the acks were held: the member leaves as a slow consumer. */
  stalled(me: MemberId, view: View): void;
}

/**
 * Flow control from the handlers back to the senders: while too many deliveries wait for the
 * handlers, this member holds its acks back (the senders' windows fill); released once the
 * handlers caught up to half the mark. Held and stalled, the member is a slow consumer.
 */
export class Backpressure {
  private held = false;
  private lastProgressMs = 0;
  private stallCheck: TimerHandle | null = null;

  constructor(private readonly host: BackpressureHost) {}

  /** The delivery queue's onProgress: a task finished, `length` still wait. */
  readonly progressed = (length: number): void => {
    this.lastProgressMs = this.host.clock.now();
    // Backpressure released: the handlers caught up to half the mark.
    if (this.held && length <= this.host.ackHoldMark / 2) this.hold(false);
  };

  /** A delivery was queued: `length` wait for the handlers. */
  delivered(length: number): void {
    if (!this.held && length > this.host.ackHoldMark) this.hold(true);
  }

  /** A new incarnation holds its acks back as the last one did. */
  started(member: Member): void {
    if (this.held) member.holdAcks(true);
  }

  private hold(hold: boolean): void {
    const { clock, timing, state } = this.host;
    this.held = hold;
    state.member.holdAcks(hold);
    this.stallCheck?.cancel();
    this.stallCheck = null;
    if (!hold) return;
    this.lastProgressMs = clock.now();
    const check = (): void => {
      const member = state.member;
      if (!this.held || state.closed) return;
      if (clock.now() - this.lastProgressMs >= CONSUMER_STALL_MS && member.isMember && member.view) {
        this.host.stalled(member.me, member.view);
        return;
      }
      this.stallCheck = clock.setTimer(timing.heartbeatIntervalMs * 10, check);
    };
    this.stallCheck = clock.setTimer(timing.heartbeatIntervalMs * 10, check);
  }
}
