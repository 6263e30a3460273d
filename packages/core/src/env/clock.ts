/**
 * Time as the protocol sees it. Everything in @cohort/core that needs the time, a timer or
 * "run this once the current turn is over" goes through a Clock, so a simulation seed
 * replays exactly. This module and ./random.ts are the only places that touch Node's timers.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic; only differences are meaningful. */
  now(): number;
  /** Runs `fn` once after `delayMs` (>= 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Runs `fn` once the current turn of the event loop is over (no delay, never a timer). */
  defer(fn: () => void): void;
}

/** The clock of a real process: performance.now(), setTimeout, setImmediate. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    // A group's housekeeping timers must not keep a process alive on their own.
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
  defer(fn) {
    setImmediate(fn);
  },
};

/**
 * Milliseconds since the Unix epoch, for records that several processes write and a reader
 * merges (traces): performance.now() from the process's time origin, so it never steps back.
 */
export const wallClock: Pick<Clock, 'now'> = {
  now: () => performance.timeOrigin + performance.now(),
};
