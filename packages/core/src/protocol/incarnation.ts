import type { Clock, TimerHandle } from '../env/clock.js';
import type { MemberEvents, MemberOptions, MemberStats } from './member-api.js';
import type { MemberId } from './types.js';

/** Where one incarnation is in its life: joining, in a view, or gone for good. */
export type Phase = 'joining' | 'member' | 'gone';

/**
 * One incarnation's life and its timers, which every layer shares (as JGroups' layers share
 * the transport's timer): a timer set by any layer never fires once the incarnation is gone,
 * and stop() cancels them all at once. It holds no protocol state of its own.
 */
export class Incarnation {
  phase: Phase = 'joining';
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly clock: Clock) {}

  get isGone(): boolean {
    return this.phase === 'gone';
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    const handle = this.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      if (this.phase !== 'gone') fn();
    });
    this.timers.add(handle);
    return {
      cancel: () => {
        handle.cancel();
        this.timers.delete(handle);
      },
    };
  }

  every(intervalMs: number, fn: () => void): void {
    const loop = (): void => {
      fn();
      if (this.phase !== 'gone') this.after(intervalMs, loop);
    };
    this.after(intervalMs, loop);
  }

  /** Once gone: no timer of this incarnation fires any more. */
  cancelTimers(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }
}

/** What every layer is built with: the member's options, its counters, its events, its life. */
export interface LayerContext {
  readonly me: MemberId;
  readonly options: MemberOptions;
  readonly stats: MemberStats;
  readonly events: MemberEvents;
  readonly life: Incarnation;
}
