import type { Clock, TimerHandle } from '../../env/clock.js';
import type { MemberId } from '../types.js';
import type { ReplyBody } from './reply.header.js';

/** Replies kept for resending at once; past it the oldest is given up (and counted). */
export const REPLIES_OUTSTANDING_MAX = 10_000;

interface Outstanding {
  readonly body: ReplyBody;
  readonly from: MemberId;
  readonly firstSentMs: number;
  nextMs: number;
  intervalMs: number;
}

export interface ReplySenderOptions {
  clock: Clock;
  /** First resend after this long; the interval doubles up to `maxIntervalMs`. */
  intervalMs: number;
  maxIntervalMs: number;
  /** A reply not acknowledged in this long is given up: the caller has stopped waiting. */
  retainMs: number;
  send(from: MemberId, to: MemberId, body: ReplyBody): void;
}

/**
 * The responder's side of synchronous multicast: replies travel point to point, so each is
 * resent until the caller acknowledges it. A reply to a caller that has left the view, or
 * that is older than any call waits, is dropped: memory stays bounded.
 */
export class ReplySender {
  private readonly outstanding = new Map<string, Outstanding>();
  private timer: TimerHandle | null = null;
  givenUp = 0;

  constructor(private readonly options: ReplySenderOptions) {}

  get size(): number {
    return this.outstanding.size;
  }

  send(from: MemberId, body: ReplyBody): void {
    const key = `${body.to}#${body.call}`;
    const now = this.options.clock.now();
    if (this.outstanding.size >= REPLIES_OUTSTANDING_MAX) {
      const oldest = this.outstanding.keys().next().value!;
      this.outstanding.delete(oldest);
      this.givenUp++;
    }
    this.outstanding.set(key, { body, from, firstSentMs: now, nextMs: now + this.options.intervalMs, intervalMs: this.options.intervalMs });
    this.options.send(from, body.to, body);
    this.schedule();
  }

  acknowledged(caller: MemberId, call: number): void {
    this.outstanding.delete(`${caller}#${call}`);
  }

  /** The callers still alive, as far as this member knows: replies to anyone else are dropped. */
  forgetCallersNotIn(alive: (caller: MemberId) => boolean): void {
    for (const [key, entry] of this.outstanding) if (!alive(entry.body.to)) this.outstanding.delete(key);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.outstanding.clear();
  }

  private schedule(): void {
    if (this.timer || this.outstanding.size === 0) return;
    this.timer = this.options.clock.setTimer(this.options.intervalMs, () => {
      this.timer = null;
      this.resend();
      this.schedule();
    });
  }

  private resend(): void {
    const now = this.options.clock.now();
    for (const [key, entry] of this.outstanding) {
      if (now - entry.firstSentMs >= this.options.retainMs) {
        this.outstanding.delete(key);
        this.givenUp++;
        continue;
      }
      if (now < entry.nextMs) continue;
      this.options.send(entry.from, entry.body.to, entry.body);
      entry.intervalMs = Math.min(entry.intervalMs * 2, this.options.maxIntervalMs);
      entry.nextMs = now + entry.intervalMs;
    }
  }
}
