import { AsyncLocalStorage } from 'node:async_hooks';
import { Queue } from './queue.js';

const runningTask = new AsyncLocalStorage<{ release(): void }>();

/**
 * The application side of delivery: tasks (handler calls, view callbacks, state capture)
 * run one at a time in the order the protocol produced them. A task that returns a promise
 * holds back the next one until it settles, so an async handler still sees deliveries in
 * order. The protocol never waits for this queue, so a handler that awaits a multicast of
 * its own cannot deadlock the group (see docs/delivery.md). A handler that waits for
 * replies releases the queue while it waits (`releaseCurrent`), as a thread blocked in a
 * call does: the deliveries behind it, the replies it waits for among them, go on.
 */
export class DeliveryQueue {
  private readonly tasks = new Queue<() => unknown>();
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Called from inside a task: the queue stops waiting for it and runs the next one. */
  static releaseCurrent(): void {
    runningTask.getStore()?.release();
  }

  push(task: () => unknown): void {
    this.tasks.push(task);
    if (!this.running) void this.run();
  }

  /** Resolves once every task pushed so far has run. */
  idle(): Promise<void> {
    if (!this.running && this.tasks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get length(): number {
    return this.tasks.length;
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.tasks.length > 0) {
      const task = this.tasks.shift()!;
      const token = new ReleaseToken();
      try {
        const result = runningTask.run(token, task);
        if (result instanceof Promise) {
          const settled = result.catch((error: unknown) => this.onError(error));
          await Promise.race([settled, token.released()]);
        }
      } catch (error) {
        this.onError(error);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
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
