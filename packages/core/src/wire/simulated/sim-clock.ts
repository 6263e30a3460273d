/**
 * Virtual time for the simulated network, and the one place in the simulator that touches the
 * real event loop (setImmediate), which is why this file's name contains "clock".
 *
 * The driver runs ONE due event per macrotask: it takes the earliest event off the queue,
 * moves virtual time to it, runs it, and schedules itself again with setImmediate. Because
 * Node drains the microtask queue between macrotasks, every promise continuation an event
 * triggers settles before the next event runs, and virtual time only moves forward when the
 * real process has nothing else runnable. The driver is scheduled only while events are
 * pending. Its immediate is always ref'd: an unref'd immediate stops Node's idle handle, so
 * the loop would block in poll until some unrelated real timer fired before each event, and
 * virtual time would crawl. The price: a simulation with periodic timers (heartbeats) keeps
 * the process busy until close() is called.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock, TimerHandle } from '../../env/clock.js';
import { InvalidArgumentError } from '../../errors.js';
import { EventQueue } from './event-queue.js';

const NOOP_HANDLE: TimerHandle = { cancel: () => {} };

export class SimClock implements Clock {
  /** Everything thrown by an event callback, in the order it was thrown; the driver goes on. */
  readonly errors: unknown[] = [];
  private readonly queue = new EventQueue();
  private readonly probes = new Set<() => boolean>();
  private nowMs = 0;
  private pumpHandle: ReturnType<typeof setImmediate> | undefined;
  private isClosed = false;
  private eventsRunCount = 0;
  /**
   * Every event runs in the async context the clock was created in, never in whatever context
   * scheduled the driver's macrotask: the simulated processes share one Node process, and an
   * AsyncLocalStorage store (a causal context, say) set by one member's handler must not leak
   * into the events of every member that follow, as it cannot between real processes.
   */
  private readonly inRootContext = AsyncLocalStorage.snapshot();

  /** Virtual milliseconds since the clock was created (starts at 0). */
  now(): number {
    return this.nowMs;
  }

  /**
   * Runs `fn` at now() + delayMs of virtual time, after events already queued for that time.
   * A negative delay counts as 0; NaN or an infinite delay throws. After close() this returns a
   * handle that does nothing and `fn` never runs.
   */
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    if (!Number.isFinite(delayMs)) {
      throw new InvalidArgumentError(`timer delay must be a finite number of milliseconds, got ${delayMs}`);
    }
    if (this.isClosed) return NOOP_HANDLE;
    const event = this.queue.push(this.nowMs + Math.max(0, delayMs), fn);
    this.schedulePump();
    return event;
  }

  /** Runs `fn` at the current virtual time, after the events already queued for this time. */
  defer(fn: () => void): void {
    this.setTimer(0, fn);
  }

  /** Events scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.queue.size;
  }

  /** Events the driver has run so far (cancelled ones are not counted). */
  get eventsRun(): number {
    return this.eventsRunCount;
  }

  /** True while the driver has a macrotask (setImmediate) scheduled. */
  get driving(): boolean {
    return this.pumpHandle !== undefined;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Registers `probe` to run at the start of every driver step, before the next event runs
   * (so after the previous event's microtasks have settled). A probe that returns true has
   * settled something (e.g. resolved a promise): the driver then yields one macrotask before
   * running the next event, so the continuations see the state the probe saw. Returns an
   * unregister function. A probe must not assume virtual time moved since its last call.
   */
  addProbe(probe: () => boolean | void): () => void {
    const wrapper = (): boolean => probe() === true;
    this.probes.add(wrapper);
    return () => {
      this.probes.delete(wrapper);
    };
  }

  /** Drops every pending event and stops the driver; idempotent. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.clear();
    this.probes.clear();
    if (this.pumpHandle !== undefined) {
      clearImmediate(this.pumpHandle);
      this.pumpHandle = undefined;
    }
  }

  private schedulePump(): void {
    if (this.pumpHandle !== undefined || this.isClosed || this.queue.size === 0) return;
    // Always ref'd: an unref'd immediate lets the loop block in poll on an unrelated timer,
    // and virtual time would crawl. A test must close() its network (heartbeats never stop).
    this.pumpHandle = setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.pumpHandle = undefined;
    if (this.isClosed) return;
    if (this.probes.size > 0) {
      let settled = false;
      for (const probe of [...this.probes]) {
        try {
          if (probe()) settled = true;
        } catch (error) {
          this.errors.push(error);
        }
        if (this.isClosed) return;
      }
      if (settled) {
        this.schedulePump();
        return;
      }
    }
    const event = this.queue.pop();
    if (event === undefined) return;
    if (event.time > this.nowMs) this.nowMs = event.time;
    this.eventsRunCount++;
    try {
      this.inRootContext(event.fn);
    } catch (error) {
      this.errors.push(error);
    }
    this.schedulePump();
  };
}
