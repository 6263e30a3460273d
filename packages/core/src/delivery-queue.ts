/**
 * The application side of delivery: tasks (handler calls, view callbacks, state capture)
 * run one at a time in the order the protocol produced them. A task that returns a promise
 * holds back the next one until it settles, so an async handler still sees deliveries in
 * order. The protocol never waits for this queue, so a handler that awaits a multicast of
 * its own cannot deadlock the group (see docs/delivery.md).
 */
export class DeliveryQueue {
  private readonly tasks: (() => unknown)[] = [];
  private running = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly onError: (error: unknown) => void) {}

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
      try {
        const result = task();
        if (result instanceof Promise) await result;
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
