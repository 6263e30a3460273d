import { ambient, type Ambient } from '../context/ambient.js';
import type { CausalContext } from '../context/causal-context.js';
import type { Clock } from '../env/clock.js';
import { Queue } from '../util/queue.js';

/** Handlers run back to back for at most this long before the loop gets a turn (heartbeats, acks, I/O). */
export const DELIVERY_TURN_MS = 10;

export interface DeliveryQueueOptions {
  onError(error: unknown): void;
  /** Times the tasks, and gives the event loop a turn between runs of them. */
  clock: Clock;
  /** Called after each task with the number still waiting (flow control watches it). */
  onProgress?(length: number): void;
}

/**
 * A task of the queue, and the ambient store (see context/ambient.ts) its code runs in: the
 * causal context it has (`causalContext`) and the release of the queue's wait for it
 * (`releaseTask`). One object per task, entered once.
 */
export interface QueueTask extends Ambient {
  run(): unknown;
  /** Calls `then` once the task is released, at once if it was (asked only of an async task). */
  whenReleased(then: () => void): void;
}

/** The release of a task: `releaseTask` marks it (true), or calls what waits for it. */
export type TaskRelease = (() => void) | boolean;

/** `releaseTask` of a task that keeps its release in `task.release`. */
export function releaseTask(task: { release: TaskRelease }): void {
  const waiting = task.release;
  task.release = true;
  if (typeof waiting === 'function') waiting();
}

/** `whenReleased` of a task that keeps its release in `task.release`. */
export function whenReleased(task: { release: TaskRelease }, then: () => void): void {
  if (task.release === true) then();
  else task.release = then;
}

/** A function queued (a view event, state capture): it keeps the causal context the queue runs in. */
class FunctionTask implements QueueTask {
  release: TaskRelease = false;

  constructor(
    private readonly fn: () => unknown,
    private readonly outer: Ambient | undefined,
  ) {}

  run(): unknown {
    return this.fn();
  }

  causalContext(): CausalContext | undefined {
    return this.outer?.causalContext();
  }

  releaseTask(): void {
    releaseTask(this);
  }

  whenReleased(then: () => void): void {
    whenReleased(this, then);
  }
}

function runTask(task: QueueTask): unknown {
  return task.run();
}

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
  private readonly tasks = new Queue<QueueTask | (() => unknown)>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  /** The holds in force, each with why it was taken, oldest first. */
  private readonly holdReasons = new Map<object, string>();
  /** When handlers began running in the current turn of the event loop (null: not yet this turn). */
  private turnStartMs: number | null = null;
  private readonly resume = (): void => this.run();

  constructor(private readonly options: DeliveryQueueOptions) {}

  /** Called from inside a task: the queue stops waiting for it and runs the next one. */
  static releaseCurrent(): void {
    ambient.getStore()?.releaseTask();
  }

  /** Queues a task: a function, or a QueueTask (which brings its own causal context). */
  push(task: QueueTask | (() => unknown)): void {
    this.tasks.push(task);
    if (!this.running && this.holdReasons.size === 0) this.run();
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
      if (this.holdReasons.size === 0 && !this.running && this.tasks.length > 0) this.run();
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

  /**
   * Runs tasks back to back, each entered as its own ambient store, until the queue is empty
   * or held, the turn's budget is spent (it goes on next turn), or a task returns a promise
   * (it goes on once that settles or the task is released). Synchronous throughout: no
   * promise per run, and none per task unless the task makes one.
   */
  private run(): void {
    this.running = true;
    const { onError, onProgress } = this.options;
    const outer = ambient.getStore();
    while (this.tasks.length > 0 && this.holdReasons.size === 0) {
      // Handlers run synchronously inside the protocol's delivery when the queue is idle, so
      // the budget spans every run of this turn; past it the rest waits for the next turn,
      // and a member busy with synchronous handlers still heartbeats and acks between turns.
      if (this.overBudget()) {
        // Still running: a push meanwhile only queues. A hold taken meanwhile stops it then.
        this.options.clock.defer(this.resume);
        return;
      }
      const next = this.tasks.shift()!;
      const task = typeof next === 'function' ? new FunctionTask(next, outer) : next;
      let result: unknown;
      try {
        result = ambient.run(task, runTask, task);
      } catch (error) {
        onError(error);
      }
      if (result instanceof Promise) {
        this.awaitTask(task, result);
        return;
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

  /**
   * An async task: the queue goes on once its promise settles (a rejection is reported) or the
   * task is released, a microtask later in either case and in the queue's own context (never
   * inside the releasing call, nor in the task's context).
   */
  private awaitTask(task: QueueTask, result: Promise<unknown>): void {
    let done = false;
    const next = (): void => {
      if (done) return;
      done = true;
      this.options.onProgress?.(this.tasks.length);
      this.run();
    };
    result.then(next, (error: unknown) => {
      this.options.onError(error);
      next();
    });
    new Promise<void>((resolve) => task.whenReleased(resolve)).then(next);
  }

  private overBudget(): boolean {
    const { clock } = this.options;
    if (this.turnStartMs === null) {
      this.turnStartMs = clock.now();
      // The end of this turn: the next one starts with a fresh budget.
      clock.defer(() => {
        this.turnStartMs = null;
      });
      return false;
    }
    return clock.now() - this.turnStartMs >= DELIVERY_TURN_MS;
  }
}
