import type { Clock, TimerHandle } from '../../env/clock.js';
import type { SimClock } from './sim-clock.js';

const NOOP_HANDLE: TimerHandle = { cancel: () => {} };

/**
 * One simulated process's view of the virtual clock. Same time as the global SimClock, but
 * every timer and deferred call it schedules belongs to the process: when the process crashes
 * or closes its wire, stop() cancels all of them, and anything scheduled afterwards is
 * silently dropped.
 */
export class NodeClock implements Clock {
  private readonly owned = new Set<TimerHandle>();
  private stopped = false;

  constructor(private readonly sim: SimClock) {}

  now(): number {
    return this.sim.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (this.stopped) return NOOP_HANDLE;
    const handle = this.sim.setTimer(delayMs, () => {
      this.owned.delete(handle);
      fn();
    });
    this.owned.add(handle);
    return {
      cancel: () => {
        if (this.owned.delete(handle)) handle.cancel();
      },
    };
  }

  defer(fn: () => void): void {
    this.setTimer(0, fn);
  }

  /** Timers and deferred calls of this process still pending. */
  get pending(): number {
    return this.owned.size;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Cancels everything pending and drops whatever is scheduled from now on; idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const handle of this.owned) handle.cancel();
    this.owned.clear();
  }
}
