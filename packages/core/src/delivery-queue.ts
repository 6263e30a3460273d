import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from './env/clock.js';
import { Queue } from './queue.js';

/** Handlers run back to back for at most this long before the loop gets a turn (heartbeats, acks, I/O). */
export const DELIVERY_TURN_MS = 10;

export interface DeliveryQueueOptions {
  onError(error: unknown): void;
  /** Times the tasks, and gives the event loop a turn between runs of them. */
  clock: Clock;
  /** Called after each task with the number still waiting (flow control watches it). */
  onProgress?(length: number): void;
}

const runningTask = new AsyncLocalStorage<{ release(): void }>();

/**
 * The application side of delivery: tasks (handler calls, view callbacks, state capture)
 * run one at a time in the order the protocol produced them. A task that returns a promise
 * holds back the next one until it settles, so an async handler still sees deliveries in
 * order. The protocol never waits for this queue, so a handler that awaits a multicast of
 * its own cannot deadlock the group (see docs/delivery.md). A handler that waits for
 * replies releases the queue while it waits (`releaseCurrent`), as a thread blocked in a
 * call does: the deliveries behind it, the replies it waits for among them, go on.
 *
 * A **hold** (`hold(reason)`) stops the queue before its next task until every hold taken is
 * released: the protocol goes on and what it delivers waits here, in order. Holding this one
 * queue, rather than a queue of the application's own in front of it, keeps every kind of task
 * (deliveries, view events, state capture) in the one order (docs/delivery.md).
 */
export class DeliveryQueue {
  private readonly tasks = new Queue<() => unknown>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** The holds in force, each with why it was taken, oldest first. */
  private readonly holdReasons = new Map<object, string>();
  /** When handlers began running in the current turn of the event loop (null: not yet this turn). */
  private turnStartMs: number | null = null;

  constructor(private readonly options: DeliveryQueueOptions) {}

  /** Called from inside a task: the queue stops waiting for it and runs the next one. */
  static releaseCurrent(): void {
    runningTask.getStore()?.release();
  }

  push(task: () => unknown): void {
    this.tasks.push(task);
    if (!this.running && this.holdReasons.size === 0) void this.run();
  }

  /**
   * Stops the queue before its next task (the running one goes on) until the returned
   * function is called (idempotent); with several holds, until every one is released.
   * `reason` is what `holds` reports.
   */
  hold(reason: string): () => void {
    const token = {};
    this.holdReasons.set(token, reason);
    return () => {
      if (!this.holdReasons.delete(token)) return;
      if (this.holdReasons.size === 0 && !this.running && this.tasks.length > 0) void this.run();
    };
  }

  /** Why the queue is held: the reasons of the holds in force, oldest first (empty: not held). */
  get holds(): readonly string[] {
    return [...this.holdReasons.values()];
  }

  /** Resolves once every task pushed so far has run (not while a hold keeps some waiting). */
  idle(): Promise<void> {
    if (!this.running && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get length(): number {
    return this.tasks.length;
  }

  private async run(): Promise<void> {
    this.running = true;
    const { onError, onProgress } = this.options;
    while (this.tasks.length > 0 && this.holdReasons.size === 0) {
      // Handlers run synchronously inside the protocol's delivery when the queue is idle, so
      // the budget spans every run of this turn; past it the rest waits for the next turn,
      // and a member busy with synchronous handlers still heartbeats and acks between turns.
      if (this.overBudget()) {
        await this.nextTurn();
        // A hold may have been taken meanwhile.
        continue;
      }
      const task = this.tasks.shift()!;
      const token = new ReleaseToken();
      try {
        const result = runningTask.run(token, task);
        if (result instanceof Promise) {
          const settled = result.catch((error: unknown) => onError(error));
          await Promise.race([settled, token.released()]);
        }
      } catch (error) {
        onError(error);
      }
      onProgress?.(this.tasks.length);
    }
    this.running = false;
    // Stopped by a hold: the tasks left run, and idle() resolves, once it is released.
    if (this.tasks.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private overBudget(): boolean {
    const { clock } = this.options;
    if (this.turnStartMs === null) {
      this.turnStartMs = clock.now();
      // The end of this turn: the next one starts with a fresh budget.
      clock.defer(() => { this.turnStartMs = null; });
      return false;
    }
    return clock.now() - this.turnStartMs >= DELIVERY_TURN_MS;
  }

  private nextTurn(): Promise<void> {
    return new Promise((resolve) => this.options.clock.defer(resolve));
  }
}

/** Lets a running task end the queue's wait for it; the promise exists only for async tasks. */
class ReleaseToken {
  private done = false;
  private resolve: (() => void) | null = null;

  release(): void {
    this.done = true;
    this.resolve?.();
  }

  released(): Promise<void> {
    if (this.done) return Promise.resolve();
    return new Promise((resolve) => { this.resolve = resolve; });
  }
}
